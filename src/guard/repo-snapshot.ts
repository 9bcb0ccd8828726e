/**
 * What an agent must not change behind Baton's back: the repository's shared git config, the files
 * git runs or reads on the user's behalf (`hooks/*`, `info/*` such as `exclude` and `attributes`,
 * `config.worktree` files), every ref other than the features' own `baton/<id>` branches, and the
 * stash's entries (shared by every worktree). Snapshotted before the agents start and compared each
 * time the run goes idle (a wave's last agent ended) and at its end (`RepoGuard`); a change is
 * reported (never silently kept, never silently undone), attributed best-effort by run windows.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { commonGitDir, git, gitRaw } from '../git/git.js';
import { isObjectId } from '../git/refs.js';
import { readStashEntries } from './reflog.js';
import type { RepoChange } from './repo-change.js';

/**
 * The shared config file's text and every ref with its target. The text is parsed key by key (by
 * git) only when it differs between two snapshots: unchanged bytes cannot hide a changed key.
 */
export interface RepoSnapshot {
  /** The common git folder's `config` as read, or undefined when there is none. */
  configText: string | undefined;
  refs: Map<string, string>;
  /** The watched files of the common git folder (`hooks/post-commit`), each as its mode, size and content hash. */
  files: Map<string, string>;
  /**
   * The stash's entries, each commit with its message; undefined when its log cannot tell them
   * (`readStashEntries`), and the stash is then compared as the ref `refs/stash`.
   */
  stash: Map<string, string> | undefined;
}

/** Two snapshots' config, key by key, for `compareSnapshots`. */
export interface ParsedSnapshot {
  config: Map<string, string>;
  refs: Map<string, string>;
  files: Map<string, string>;
  stash: Map<string, string> | undefined;
}

/** Parses config text as git reads it, `key=value` by key (repeated keys joined); includes are not followed. */
async function parseConfig(root: string, text: string | undefined): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (text === undefined) return out;
  // git itself parses (an include added by an agent is itself a change, so includes are not followed).
  const r = await gitRaw(root, ['config', '--file', '-', '--no-includes', '--list', '-z'], text);
  if (r.exitCode !== 0) {
    out.set('(unparsable config)', text);
    return out;
  }
  for (const entry of r.stdout.split('\0')) {
    if (!entry) continue;
    const nl = entry.indexOf('\n');
    const key = nl === -1 ? entry : entry.slice(0, nl);
    const value = nl === -1 ? '' : entry.slice(nl + 1);
    out.set(key, out.has(key) ? `${out.get(key)}\n${value}` : value);
  }
  return out;
}

/** Both snapshots with their config parsed, by git only when the two texts differ. */
export async function parseSnapshots(
  root: string,
  before: RepoSnapshot,
  after: RepoSnapshot,
): Promise<[ParsedSnapshot, ParsedSnapshot]> {
  const parsed = (s: RepoSnapshot, config: Map<string, string>): ParsedSnapshot => ({
    config,
    refs: s.refs,
    files: s.files,
    stash: s.stash,
  });
  if (before.configText === after.configText) return [parsed(before, new Map()), parsed(after, new Map())];
  const [a, b] = await Promise.all([
    parseConfig(root, before.configText),
    parseConfig(root, after.configText),
  ]);
  return [parsed(before, a), parsed(after, b)];
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * The main checkout's HEAD: the ref it points at, or its commit when detached. Read from the common
 * folder's `HEAD` file as git itself reads it; asked of git when that file is not the plain form
 * (reftable's placeholder, or anything unexpected).
 */
async function mainHead(root: string, gitDir: string): Promise<string> {
  const text = readText(join(gitDir, 'HEAD'));
  const ref = text === undefined ? undefined : /^ref: (refs\/[^\s]+)\n?$/.exec(text)?.[1];
  if (ref && ref !== 'refs/heads/.invalid') return ref;
  const detached = text?.replace(/\n$/, '');
  if (detached !== undefined && isObjectId(detached)) return detached;
  const head = await gitRaw(root, ['symbolic-ref', '-q', 'HEAD']);
  return head.exitCode === 0 ? head.stdout.trim() : (await git(root, ['rev-parse', 'HEAD'])).trim();
}

/** The `for-each-ref` a snapshot reads (its output can come from a batch: `snapshotFrom`). */
export const SNAPSHOT_REFS_ARGS: readonly string[] = ['for-each-ref', '--format=%(refname)%00%(objectname)'];

/** Takes a snapshot of the shared config, every ref (plus the main checkout's HEAD) and the stash: one git process. */
export async function snapshotRepo(root: string): Promise<RepoSnapshot> {
  return snapshotFrom(root, await git(root, [...SNAPSHOT_REFS_ARGS]));
}

/** A snapshot from the output of `SNAPSHOT_REFS_ARGS`, with HEAD, the config and the stash read from their files. */
export async function snapshotFrom(root: string, out: string): Promise<RepoSnapshot> {
  const gitDir = await commonGitDir(root);
  const refs = new Map<string, string>();
  for (const line of out.split('\n')) {
    const [name, target] = line.split('\0');
    if (name && target) refs.set(name, target);
  }
  refs.set('HEAD', await mainHead(root, gitDir));
  return {
    configText: readText(join(gitDir, 'config')),
    refs,
    files: snapshotGitFiles(gitDir),
    stash: readStashEntries(gitDir, refs.has('refs/stash')),
  };
}

/** Files larger than this are known by mode, size and mtime only: hooks and excludes are small. */
const HASHED_MAX_BYTES = 1024 * 1024;

/** The lines Baton itself adds to `info/exclude` for Aider (agents/aider.ts): not an agent's change. */
const BATON_EXCLUDE_LINES = new Set(["# Aider's caches (added by Baton)", '.aider*']);

/** A file's content as compared: `info/exclude` without the lines Baton adds itself. */
function comparedContent(name: string, file: string): Buffer | string {
  const bytes = readFileSync(file);
  if (name !== 'info/exclude') return bytes;
  return bytes
    .toString('utf8')
    .split('\n')
    .filter((l) => !BATON_EXCLUDE_LINES.has(l.trim()))
    .join('\n')
    .trimEnd();
}

/** A file as `mode hash` (size and mtime instead of the hash when large); undefined when it is gone. */
function fingerprint(name: string, file: string): string | undefined {
  try {
    const st = statSync(file);
    if (!st.isFile()) return `${st.mode.toString(8)} not a file`;
    const content = st.size > HASHED_MAX_BYTES ? undefined : comparedContent(name, file);
    // An exclude file holding only Baton's own lines is as good as none.
    if (content === '') return undefined;
    const sum =
      content === undefined
        ? `${st.size} ${st.mtimeMs}`
        : createHash('sha1').update(content).digest('hex').slice(0, 16);
    return `${st.mode.toString(8)} ${sum}`;
  } catch {
    return undefined;
  }
}

/** One watched file of the common git folder (`worktrees/<name>/config.worktree`) as a snapshot holds it. */
export function snapshotGitFile(gitDir: string, name: string): string | undefined {
  return fingerprint(name, join(gitDir, name));
}

/** The entries of a folder, none when it is absent. */
function entriesOf(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * The files of the common git folder that git runs or reads for every checkout: `hooks/*` (a
 * planted `post-commit` runs at the user's next commit), `info/*` (`exclude` hides files from
 * status and commits, `attributes` sets filters), and `config.worktree` of the main and each linked
 * worktree. A stat and a hash of a few small files: well under a millisecond.
 */
export function snapshotGitFiles(gitDir: string): Map<string, string> {
  const names = [
    ...entriesOf(join(gitDir, 'hooks')).map((n) => `hooks/${n}`),
    ...entriesOf(join(gitDir, 'info')).map((n) => `info/${n}`),
    'config.worktree',
    ...entriesOf(join(gitDir, 'worktrees')).map((n) => `worktrees/${n}/config.worktree`),
  ];
  const files = new Map<string, string>();
  for (const name of names) {
    const print = fingerprint(name, join(gitDir, name));
    if (print !== undefined) files.set(name, print);
  }
  return files;
}

/** The commit the main checkout's HEAD is at in a snapshot; undefined when it is unborn or not a branch or commit. */
export function snapshotHeadCommit(snapshot: RepoSnapshot): string | undefined {
  const head = snapshot.refs.get('HEAD');
  if (head === undefined) return undefined;
  if (head.startsWith('refs/')) return head.startsWith('refs/heads/') ? snapshot.refs.get(head) : undefined;
  return head;
}

/** The local branch names (`refs/heads/*` without the prefix) in a snapshot. */
export function snapshotBranches(snapshot: RepoSnapshot): Set<string> {
  const out = new Set<string>();
  for (const name of snapshot.refs.keys()) {
    if (name.startsWith('refs/heads/')) out.add(name.slice('refs/heads/'.length));
  }
  return out;
}

/**
 * The changes from `before` to `after`, leaving out refs `allowed` says Baton or the feature's own
 * agent may move (each feature's `refs/heads/baton/<id>`). The stash is compared entry by entry when
 * both logs tell its entries (then `refs/stash`, their top, is not compared again), else as its ref.
 */
export function compareSnapshots(
  before: ParsedSnapshot,
  after: ParsedSnapshot,
  allowed: (ref: string) => boolean = () => false,
): RepoChange[] {
  const changes: RepoChange[] = [];
  const byEntry = before.stash !== undefined && after.stash !== undefined;
  const diff = (kind: RepoChange['kind'], a: Map<string, string>, b: Map<string, string>) => {
    for (const name of new Set([...a.keys(), ...b.keys()])) {
      if (kind === 'ref' && (allowed(name) || (byEntry && name === 'refs/stash'))) continue;
      if (a.get(name) !== b.get(name)) changes.push({ kind, name, before: a.get(name), after: b.get(name) });
    }
  };
  diff('config', before.config, after.config);
  diff('ref', before.refs, after.refs);
  diff('file', before.files, after.files);
  if (byEntry) diff('stash', before.stash ?? new Map(), after.stash ?? new Map());
  return changes;
}
