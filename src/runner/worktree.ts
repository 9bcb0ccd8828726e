import {
  constants,
  copyFileSync,
  type Dirent,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  statSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import picomatch from 'picomatch';
import { pathGlobMatcher } from '../contracts/owns.js';
import { COPY_ENTRY_HINT, copyEntryProblem, describeCopyRefusal } from '../copy-pattern.js';
import { UserError } from '../errors.js';
import {
  addWorktrees,
  type BatchRun,
  isCheckoutFailure,
  type NewWorktree,
  undoNewWorktree,
} from '../git/worktree-batch.js';
import { isStatePath } from '../log/paths.js';
import { isInside } from '../path-inside.js';
import { realNearest } from '../real-nearest.js';

/** Where a copy pattern was written, for located errors: `.worktreeinclude:3` or `baton config copy[0]`. */
type PatternSource = string;

function refuseCopy(where: PatternSource, pattern: string, why: string, inside = false): UserError {
  return new UserError('run/copy-outside', `${where}: ${describeCopyRefusal(pattern, { why, inside })}`, {
    hint: COPY_ENTRY_HINT,
  });
}

/** A copy pattern and where it was written. */
interface CopyEntry {
  pattern: string;
  where: PatternSource;
}

/** Refuses a copy pattern that could reach outside the repository: absolute, or with a `..` segment. */
export function checkCopyPattern(pattern: string, where: PatternSource): void {
  const problem = copyEntryProblem(pattern);
  if (problem) throw refuseCopy(where, pattern, problem.why, problem.inside);
}

/**
 * Checks every copy pattern (the config's and `.worktreeinclude`'s) and every file they name before a
 * run creates anything: a pattern or a source that resolves outside the repository is refused here, as
 * one `run/copy-outside` error, not later as one feature's failure. Returns a warning for each entry
 * that matches nothing, so a typo is said once, not silently copied nowhere in every worktree.
 */
export function checkCopyPatterns(root: string, configCopy: readonly string[]): string[] {
  const entries: CopyEntry[] = configCopy.map((pattern, i) => ({ pattern, where: `config copy[${i}]` }));
  for (const e of entries) checkCopyPattern(e.pattern, e.where);
  entries.push(...readWorktreeIncludeEntries(root));
  const warnings: string[] = [];
  for (const e of entries) {
    if (resolveCopySources(root, [e.pattern]).length > 0) continue;
    warnings.push(
      `copy entry ${JSON.stringify(e.pattern)} (${e.where}) matches nothing in ${root}; nothing is copied for it`,
    );
  }
  return warnings;
}

/**
 * Reads `.worktreeinclude` (one pattern a line, `#` comments) from the main checkout (empty when
 * absent); a pattern that could reach outside the repository is refused with its line number.
 */
export function readWorktreeInclude(root: string): string[] {
  return readWorktreeIncludeEntries(root).map((e) => e.pattern);
}

/** `.worktreeinclude`'s patterns, each with its line. */
function readWorktreeIncludeEntries(root: string): CopyEntry[] {
  const file = join(root, '.worktreeinclude');
  if (!existsSync(file)) return [];
  const out: CopyEntry[] = [];
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((raw, i) => {
      const l = raw.trim();
      if (l === '' || l.startsWith('#')) return;
      const where = `.worktreeinclude:${i + 1}`;
      checkCopyPattern(l, where);
      out.push({ pattern: l, where });
    });
  return out;
}

/** One regular file a copy source holds: its path as the worktree gets it, and the real file it is read from. */
interface SourceFile {
  rel: string;
  real: string;
}

/**
 * The regular files a copy source is or holds (sorted), symlinks followed to what they name: a worktree
 * gets contents, never a link, so nothing it writes lands back in the main checkout. A symlink that
 * resolves outside the repository, or to nothing, is refused; one leading back up to a folder being
 * walked (a loop) is left out; FIFOs and sockets are never read.
 */
function sourceFiles(realRoot: string, root: string, source: string): SourceFile[] {
  const out: SourceFile[] = [];
  const visit = (rel: string, walking: readonly string[]) => {
    let real: string;
    try {
      real = realpathSync(join(root, rel));
    } catch {
      throw refuseCopy(rel, rel, 'is a symlink to nothing');
    }
    if (!isInside(realRoot, real)) throw refuseCopy(rel, rel, `resolves outside the repository (to ${real})`);
    const st = statSync(real);
    if (st.isFile()) out.push({ rel, real });
    if (!st.isDirectory() || walking.some((folder) => isInside(real, folder))) return;
    for (const name of readdirSync(real).sort()) visit(`${rel}/${name}`, [...walking, real]);
  };
  visit(source, []);
  return out;
}

/** Whether anything (a dangling symlink too) is at `path`. */
function occupied(path: string): boolean {
  return lstatSync(path, { throwIfNoEntry: false }) !== undefined;
}

/**
 * Copies files that git does not carry into a new worktree (`.env`, local config): the config's
 * `copy` globs and the patterns of `.worktreeinclude`. A folder is copied file by file into the
 * folder the checkout may already have made (its tracked files are never overwritten); a symlink
 * arrives as the contents it names. Returns the files copied. A pattern or a source that resolves
 * outside the repository (absolute, `..`, a symlink leading out) is refused with `run/copy-outside`,
 * before anything is copied; so is a destination reached through a symlink out of the worktree.
 */
export async function copyIntoWorktree(
  root: string,
  worktree: string,
  patterns: readonly string[],
): Promise<string[]> {
  const realRoot = realpathSync(root);
  const files = resolveCopySources(root, patterns).flatMap((rel) => sourceFiles(realRoot, root, rel));
  const realWorktree = realpathSync(worktree);
  const copied: string[] = [];
  for (const f of files) {
    const to = join(worktree, f.rel);
    if (occupied(to)) continue; // tracked files arrive with the checkout; never overwrite
    if (!isInside(realWorktree, realNearest(dirname(to)))) {
      throw refuseCopy(f.rel, f.rel, 'would be written through a symlink out of the worktree');
    }
    mkdirSync(dirname(to), { recursive: true });
    copyFileSync(f.real, to, constants.COPYFILE_EXCL);
    copied.push(f.rel);
  }
  return copied;
}

/** A copy pattern as every reader takes it: `./` and a trailing `/` dropped, and whether it is a glob. */
function readCopyPattern(pattern: string): { clean: string; scan: ReturnType<typeof picomatch.scan> } {
  const clean = pattern.replace(/^\.\//, '').replace(/\/$/, '');
  return { clean, scan: picomatch.scan(clean) };
}

/**
 * Whether a copy pattern (the config's or `.worktreeinclude`'s) names `path` (repository-relative, `/`
 * separated): a plain path that file or anything in that folder, a glob the files it matches.
 */
export function copyPatternNames(pattern: string, path: string): boolean {
  const { clean, scan } = readCopyPattern(pattern);
  if (!scan.isGlob) return path === clean || path.startsWith(`${clean}/`);
  return pathGlobMatcher(clean)(path);
}

/**
 * The sources copy patterns name in the main checkout (relative, sorted; `.baton` never), each proved,
 * with every file it holds, to lie inside the repository: a pattern or a source that resolves outside
 * it is a `run/copy-outside` error.
 */
function resolveCopySources(root: string, patterns: readonly string[]): string[] {
  if (patterns.length === 0) return [];
  for (const [i, p] of patterns.entries()) checkCopyPattern(p, `copy pattern ${i + 1}`);
  const realRoot = realpathSync(root);
  const candidates = new Set<string>();
  for (const pattern of patterns) {
    const { clean, scan } = readCopyPattern(pattern);
    if (!scan.isGlob) {
      candidates.add(clean);
      continue;
    }
    // Walk only below the glob's literal base, so `local/*.json` never scans node_modules.
    const isMatch = pathGlobMatcher(clean);
    for (const rel of walkFiles(root, scan.base)) if (isMatch(rel)) candidates.add(rel);
  }
  const sources: string[] = [];
  for (const rel of [...candidates].sort()) {
    // A symlink to nothing names nothing, like a missing file.
    if (!existsSync(join(root, rel)) || isStatePath(rel)) continue;
    sourceFiles(realRoot, root, rel);
    sources.push(rel);
  }
  return sources;
}

/** Files below `base` (relative to `root`), skipping `.git`, `.baton` and `node_modules` unless named in the base. */
function walkFiles(root: string, base: string): string[] {
  const out: string[] = [];
  const skip = new Set(['.git', '.baton', 'node_modules']);
  const visit = (rel: string) => {
    let entries: Dirent[];
    try {
      entries = readdirSync(join(root, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const child = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (!skip.has(e.name)) visit(child);
      } else out.push(child);
    }
  };
  visit(base);
  return out;
}

/** One request of a same-turn batch, and how its caller hears the outcome. */
interface Batched<T> {
  item: T;
  done: (err?: unknown) => void;
}

/**
 * Requests made in the same turn of the event loop (a wave's features starting together), handed to
 * `run` together once that turn ends; each caller's promise settles when `run` calls its `done`.
 */
function sameTurnBatcher<T>(run: (batch: Array<Batched<T>>) => void): (item: T) => Promise<void> {
  let pending: Array<Batched<T>> = [];
  const flush = () => {
    const batch = pending;
    pending = [];
    run(batch);
  };
  return (item) =>
    new Promise<void>((resolve, reject) => {
      if (pending.length === 0) setImmediate(flush);
      pending.push({ item, done: (err) => (err === undefined ? resolve() : reject(err)) });
    });
}

type Lock = <T>(fn: () => Promise<T>) => Promise<T>;

/**
 * The worktrees asked for in the same turn on one lock (a wave of features starting together) are
 * made by one shell (`addWorktrees`): the branches and `git worktree add --no-checkout` (the shared
 * repository's ref and admin files) under `lock`, released as soon as the last add ends; each
 * worktree's checkout touches only its own index and files, so it runs outside the lock, beside the
 * adds that follow. Each request settles once its own worktree is checked out, or with its error.
 */
function worktreeBatcher(
  root: string,
  lock: Lock,
  run: BatchRun | undefined,
): (w: NewWorktree) => Promise<void> {
  return sameTurnBatcher<NewWorktree>((batch) => {
    lock(
      () =>
        new Promise<void>((released) => {
          for (const { item: w } of batch) {
            const parent = dirname(w.path);
            if (!existsSync(parent)) mkdirSync(parent, { recursive: true });
          }
          addWorktrees(
            root,
            batch.map(({ item }) => item),
            { added: released, ready: (i, err) => batch[i]?.done(err) },
            run !== undefined ? { run } : {},
          ).catch((err: unknown) => {
            released();
            for (const { done } of batch) done(err);
          });
        }),
    ).catch((err: unknown) => {
      for (const { done } of batch) done(err);
    });
  });
}

/** One batcher per lock (per run) and repository. */
const batchers = new WeakMap<Lock, Map<string, (w: NewWorktree) => Promise<void>>>();

/**
 * A new feature's worktree: the branch and the admin files under `lock` (the run's git lock: they
 * are the shared repository's; features asking in the same turn share one process), the checkout
 * outside it, beside the next features' adds; settles when this feature's worktree is checked out.
 * When it fails, neither the worktree nor the branch it made is left behind. The processes making it
 * carry the run's id and log (a resume of a killed run finds them by those).
 */
export async function addFeatureWorktree(
  root: string,
  opts: NewWorktree,
  lock: Lock,
  run?: BatchRun,
): Promise<void> {
  let byRoot = batchers.get(lock);
  if (!byRoot) {
    byRoot = new Map();
    batchers.set(lock, byRoot);
  }
  let add = byRoot.get(root);
  if (!add) {
    add = worktreeBatcher(root, lock, run);
    byRoot.set(root, add);
  }
  try {
    await add(opts);
  } catch (err) {
    // No failed attempt leaves behind a worktree or branch it made (a failed add takes back its branch in the shell).
    if (isCheckoutFailure(err)) await lock(() => undoNewWorktree(root, opts));
    throw err;
  }
}
