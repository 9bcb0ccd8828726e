/**
 * A new worktree's submodules, checked out as the user's own checkout has them. `git worktree add`
 * leaves each submodule an empty folder; Baton checks out those the main checkout has populated (its
 * folder checked out, its repository kept under the main checkout's git folder as `modules/<name>`)
 * at the commit the worktree's index records, cloned from that local copy and never from the network
 * (`--no-fetch`). The clone lands where git keeps a worktree's submodules (its admin folder's
 * `modules/<name>`), which `baton clean` knows how to judge and remove (src/clean/submodules.ts). The
 * submodule's `origin` then points where the user's own copy's does (read before the checkout, from
 * that copy's config alone), so a later fetch or push goes there; it is written into the clone's own
 * config file, and only once its folder is seen to be that clone (git skips an inactive submodule
 * without an error, and a bare `git config` in its empty folder would rewrite the worktree's origin).
 * Nothing in `.gitmodules` runs: Baton's hardened options turn hooks and fsmonitor off, `--checkout`
 * overrides any `update` mode of the config, and git refuses a `!command` update mode from
 * `.gitmodules` outright. Nested submodules are not checked out (no `--recursive`): their folders stay
 * empty. A submodule that cannot be checked out is left empty, as before, and named in a warning.
 */
import { existsSync, lstatSync, mkdirSync, readdirSync, realpathSync, rmdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isInside } from '../path-inside.js';
import { escapeControl } from '../text/escape.js';
import { oneLine } from '../text/one-line.js';
import { someOf } from '../text/some-of.js';
import { gitRaw } from './git.js';
import { type GitStepOutput, gitSequence, MAX_STEPS, type SequenceLimits } from './sequence.js';
import { gitDirNamedBy } from './worktree-files.js';

/** A submodule as a `.gitmodules` registers it. */
export interface RegisteredSubmodule {
  /** Its name: the key of its section, and the folder of its repository under a git folder's `modules`. */
  name: string;
  /** Its folder, relative to the checkout. */
  path: string;
  url?: string;
}

/** The arguments that list a `.gitmodules`' entries, `key\nvalue` records ended by NUL. */
const LIST_GITMODULES = ['config', '--file', '.gitmodules', '-z', '--get-regexp', '^submodule\\.'];

/**
 * The submodules in `git config -z --get-regexp ^submodule\.` output (pure): those with a path, in the
 * order listed. A name holds dots (`submodule.a.b.path` names `a.b`): the key ends at its last one.
 */
export function parseSubmoduleConfig(out: string): RegisteredSubmodule[] {
  const byName = new Map<string, { path?: string; url?: string }>();
  for (const record of out.split('\0')) {
    const nl = record.indexOf('\n');
    const key = nl < 0 ? record : record.slice(0, nl);
    const value = nl < 0 ? '' : record.slice(nl + 1);
    const dot = key.lastIndexOf('.');
    if (!key.startsWith('submodule.') || dot <= 'submodule.'.length) continue;
    const name = key.slice('submodule.'.length, dot);
    const field = key.slice(dot + 1);
    if (field !== 'path' && field !== 'url') continue;
    const entry = byName.get(name) ?? {};
    entry[field] = value;
    byName.set(name, entry);
  }
  return [...byName].flatMap(([name, e]) =>
    e.path ? [{ name, path: e.path, ...(e.url !== undefined ? { url: e.url } : {}) }] : [],
  );
}

/**
 * The submodules the `.gitmodules` of the checkout `cwd` registers, each with the name git keeps its
 * repository under (`modules/<name>`, which differs from its path after `submodule add --name` or a
 * `git mv`); none when it has no readable `.gitmodules`.
 */
export async function registeredSubmodules(cwd: string): Promise<RegisteredSubmodule[]> {
  if (!existsSync(join(cwd, '.gitmodules'))) return [];
  const r = await gitRaw(cwd, LIST_GITMODULES);
  return r.exitCode === 0 ? parseSubmoduleConfig(r.stdout) : [];
}

/** Whether a submodule's name and path are plain relative paths (no `..`, `.` or empty part): safe to join to a folder. */
export function plainRelative(p: string): boolean {
  return p !== '' && !p.startsWith('/') && p.split(/[/\\]/).every((s) => s !== '' && s !== '.' && s !== '..');
}

/**
 * Whether the main checkout (`root`, its git folder `gitDir`) has the submodule populated: its folder
 * checked out (a `.git` in it) and its repository under `gitDir/modules/<name>`. No git process.
 */
export function populatedInMain(root: string, gitDir: string, sub: RegisteredSubmodule): boolean {
  if (!plainRelative(sub.name) || !plainRelative(sub.path)) return false;
  return existsSync(join(root, sub.path, '.git')) && existsSync(join(gitDir, 'modules', sub.name, 'HEAD'));
}

/**
 * The submodules the `.gitmodules` of the main checkout `root` registers that Baton's worktrees leave
 * empty, since the main checkout has not populated them (`populatedInMain`); none, with no git process,
 * when it has no `.gitmodules`.
 */
export async function submodulesLeftEmpty(root: string): Promise<string[]> {
  if (!existsSync(join(root, '.gitmodules'))) return [];
  const [listed, dir] = await gitSequence(root, [
    { args: LIST_GITMODULES, mayFail: true },
    { args: ['rev-parse', '--absolute-git-dir'], mayFail: true },
  ]);
  const gitDir = okOutput(dir);
  const subs = parseSubmoduleConfig(rawOutput(listed));
  return subs.filter((s) => gitDir === '' || !populatedInMain(root, gitDir, s)).map((s) => s.path);
}

/** A step's output when it succeeded, else nothing. */
function rawOutput(r: GitStepOutput | undefined): string {
  return r?.exitCode === 0 ? r.stdout : '';
}

/** A step's one-line output (a folder) when it succeeded, else empty. */
function okOutput(r: GitStepOutput | undefined): string {
  return rawOutput(r).trim();
}

/**
 * Whether the worktree's folder at `path` is what `git worktree add` made for a submodule: a real,
 * empty folder, no part of the path a symlink.
 */
function emptySubmoduleFolder(worktree: string, path: string): boolean {
  let at = worktree;
  for (const part of path.split('/')) {
    at = join(at, part);
    const st = lstatSync(at, { throwIfNoEntry: false });
    if (st === undefined || st.isSymbolicLink() || !st.isDirectory()) return false;
  }
  return readdirSync(at).length === 0;
}

/**
 * Where each submodule's `origin` should point, by name: what the user's own copy of it fetches from
 * (`remote.origin.url` of `<mainGitDir>/modules/<name>/config`, that file alone). Read before the
 * checkout, never from the repository's shared config, which an agent of the run can write.
 */
async function userOrigins(
  root: string,
  mainGitDir: string,
  subs: readonly RegisteredSubmodule[],
): Promise<Map<string, string>> {
  const urls = new Map<string, string>();
  for (let i = 0; i < subs.length; i += MAX_STEPS) {
    const chunk = subs.slice(i, i + MAX_STEPS);
    const out = await gitSequence(
      root,
      chunk.map((s) => ({
        args: [
          'config',
          '--file',
          join(mainGitDir, 'modules', s.name, 'config'),
          '-z',
          '--get',
          'remote.origin.url',
        ],
        mayFail: true,
      })),
    );
    chunk.forEach((s, j) => {
      const url = rawOutput(out[j]).replace(/\0$/, '');
      if (url !== '') urls.set(s.name, url);
    });
  }
  return urls;
}

/**
 * Whether `sub` is checked out in the worktree as Baton's own clone: its folder's `.git` a plain file
 * naming exactly the worktree's `modules/<name>`. Git skips an inactive submodule with no error,
 * leaving the folder empty; a `git config` run there would write the worktree's own repository.
 */
function clonedHere(worktree: string, worktreeGitDir: string, sub: RegisteredSubmodule): boolean {
  const gitFile = join(worktree, sub.path, '.git');
  if (lstatSync(gitFile, { throwIfNoEntry: false })?.isFile() !== true) return false;
  const named = gitDirNamedBy(gitFile);
  return named !== undefined && samePath(named, join(worktreeGitDir, 'modules', sub.name));
}

/** Whether two paths name the same existing folder, links resolved. */
function samePath(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
}

/** Git's environment for config given to one command (`GIT_CONFIG_COUNT`): keys with any characters, no `-c` parsing. */
function configEnv(pairs: ReadonlyArray<readonly [string, string]>): Record<string, string> {
  const env: Record<string, string> = { GIT_CONFIG_COUNT: String(pairs.length), GIT_LITERAL_PATHSPECS: '1' };
  pairs.forEach(([key, value], i) => {
    env[`GIT_CONFIG_KEY_${i}`] = key;
    env[`GIT_CONFIG_VALUE_${i}`] = value;
  });
  return env;
}

/**
 * Checks out, in the worktree Baton just made at `worktree`, each submodule the main checkout `root`
 * has populated, from the main checkout's own copy, at the commit the worktree's index records.
 * Returns warnings (a submodule that could not be checked out, left empty); never throws for git's
 * refusal. Those at a path in `leave` are left empty. With no `.gitmodules` in the worktree it
 * returns at once, having started no process (runs are benchmarked: most repositories have none).
 */
export async function checkOutSubmodules(
  root: string,
  worktree: string,
  o: { leave?: ReadonlySet<string> } = {},
): Promise<string[]> {
  if (!existsSync(join(worktree, '.gitmodules'))) return [];
  const [listed, mainDir, ownDir] = await gitSequence(worktree, [
    { args: LIST_GITMODULES, mayFail: true },
    { args: ['-C', root, 'rev-parse', '--absolute-git-dir'], mayFail: true },
    { args: ['rev-parse', '--absolute-git-dir'], mayFail: true },
  ]);
  const mainGitDir = okOutput(mainDir);
  const worktreeGitDir = okOutput(ownDir);
  if (mainGitDir === '' || worktreeGitDir === '') return [];
  const wanted = parseSubmoduleConfig(rawOutput(listed)).filter(
    (s) =>
      !o.leave?.has(s.path) && populatedInMain(root, mainGitDir, s) && emptySubmoduleFolder(worktree, s.path),
  );
  if (wanted.length === 0) return [];
  const origins = await userOrigins(root, mainGitDir, wanted);
  const store = (s: RegisteredSubmodule) => join(mainGitDir, 'modules', s.name);
  const r = await gitRaw(
    worktree,
    [
      '-c',
      'protocol.file.allow=always',
      'submodule',
      'update',
      '--checkout',
      '--no-fetch',
      '--quiet',
      '--',
      ...wanted.map((s) => s.path),
    ],
    undefined,
    configEnv(wanted.map((s) => [`submodule.${s.name}.url`, store(s)] as const)),
  );
  // Whatever git's exit code: it skips an inactive submodule without one.
  const skipped = wanted.filter((s) => !clonedHere(worktree, worktreeGitDir, s));
  const stale =
    r.exitCode === 0
      ? []
      : await notCheckedOut(
          worktree,
          wanted.filter((s) => !skipped.includes(s)),
        );
  const failed = [...skipped, ...stale];
  for (const s of failed) undoCheckout(worktree, worktreeGitDir, s);
  await Promise.all(
    wanted
      .filter((s) => !failed.includes(s))
      .map((s) => {
        const url = origins.get(s.name);
        const config = join(worktreeGitDir, 'modules', s.name, 'config');
        return url === undefined
          ? undefined
          : gitRaw(worktree, ['config', '--file', config, 'remote.origin.url', url]);
      }),
  );
  if (failed.length === 0) return [];
  return [checkoutWarning(worktree, failed, r.exitCode === 0 ? undefined : r.stderr)];
}

/**
 * The warning for submodules left empty: what git said when it failed, or, when it skipped them
 * without an error, the likely reason (not active in the repository's config).
 */
function checkoutWarning(worktree: string, failed: readonly RegisteredSubmodule[], stderr?: string): string {
  const paths = failed.map((s) => escapeControl(s.path));
  const one = paths.length === 1;
  const why =
    stderr === undefined
      ? `git skipped ${one ? 'it' : 'them'} without an error: is \`submodule.<name>.active\` false in your repository's config?`
      : `git said: ${escapeControl(oneLine(stderr.trim().split('\n').slice(-3).join('\n')))}`;
  const fix =
    stderr === undefined
      ? ''
      : " (the commit the worktree records must be in your checkout's copy: fetch it there)";
  return `submodule${one ? '' : 's'} ${someOf(paths, 5)} could not be checked out in ${escapeControl(worktree)} from your checkout's copy, so ${one ? 'it is' : 'they are'} left empty there (${why}); a criterion that needs ${one ? 'it' : 'them'} fails${fix}`;
}

/**
 * Of `subs`, those the worktree does not have checked out at the commit its index records: after a
 * failed `submodule update`, which goes on with the others.
 */
async function notCheckedOut(
  worktree: string,
  subs: readonly RegisteredSubmodule[],
): Promise<RegisteredSubmodule[]> {
  const staged = await gitRaw(
    worktree,
    ['ls-files', '--stage', '-z', '--', ...subs.map((s) => s.path)],
    undefined,
    {
      GIT_LITERAL_PATHSPECS: '1',
    },
  );
  const recorded = new Map<string, string>();
  for (const e of staged.stdout.split('\0')) {
    const m = /^160000 ([0-9a-f]+) \d\t(.*)$/s.exec(e);
    if (m?.[1] && m[2]) recorded.set(m[2], m[1]);
  }
  const out: RegisteredSubmodule[] = [];
  for (const s of subs) {
    const folder = join(worktree, s.path);
    const head = existsSync(join(folder, '.git')) ? await gitRaw(folder, ['rev-parse', 'HEAD']) : undefined;
    if (head === undefined || head.exitCode !== 0 || head.stdout.trim() !== recorded.get(s.path)) out.push(s);
  }
  return out;
}

/**
 * Takes back what a failed checkout of `sub` left (a clone at another commit would have the branch
 * record it): its folder emptied, its repository under the worktree's `modules` removed.
 */
function undoCheckout(worktree: string, worktreeGitDir: string, sub: RegisteredSubmodule): void {
  const folder = join(worktree, sub.path);
  if (!existsSync(join(folder, '.git'))) return;
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(folder, { recursive: true });
  const modules = join(worktreeGitDir, 'modules');
  const repo = join(modules, sub.name);
  if (!isInside(modules, repo)) return;
  rmSync(repo, { recursive: true, force: true });
  // Up to `modules` itself, left empty: git refuses to remove a worktree whose admin folder has one.
  for (let dir = dirname(repo); isInside(worktreeGitDir, dir) && dir !== worktreeGitDir; dir = dirname(dir)) {
    try {
      rmdirSync(dir);
    } catch {
      return;
    }
  }
}

/**
 * The submodules checked out in `worktree` whose own checkout holds changes its branch does not
 * record: uncommitted or untracked files inside one, or a HEAD other than the gitlink (`git add --all`
 * in the worktree commits neither the first nor, under an `ignore` setting, the second). None, with no
 * git process, when the worktree has no `.gitmodules`. `git status` reads each submodule's ignore and
 * attribute files, where `git add` in the worktree does not: a FIFO there blocks it for ever, so it
 * runs under `limits`' deadline (a `GitDeadlineError` past it).
 */
export async function submodulesWithChanges(
  worktree: string,
  limits: SequenceLimits = {},
): Promise<string[]> {
  if (!existsSync(join(worktree, '.gitmodules'))) return [];
  const [r] = await gitSequence(
    worktree,
    [{ args: ['status', '--porcelain=v2', '-z', '--ignore-submodules=none'], mayFail: true }],
    limits,
  );
  return r?.exitCode === 0 ? parseChangedSubmodules(r.stdout) : [];
}

/**
 * The paths of `git status --porcelain=v2 -z` entries that are submodules with changes of their own
 * (pure): an ordinary or renamed entry whose submodule field is `S` then any of `C`, `M`, `U`.
 */
export function parseChangedSubmodules(out: string): string[] {
  const paths: string[] = [];
  const records = out.split('\0');
  for (let i = 0; i < records.length; i++) {
    const rec = records[i] ?? '';
    // `1 <XY> <sub> <mH> <mI> <mW> <hH> <hI> <path>`; a `2` (rename) entry has a score, then its source as the next record.
    const fields = rec.split(' ');
    const kind = fields[0];
    if (kind === '2') i++;
    if (kind !== '1' && kind !== '2') continue;
    const sub = fields[2] ?? '';
    if (!sub.startsWith('S') || sub === 'S...') continue;
    const path = fields.slice(kind === '1' ? 8 : 9).join(' ');
    if (path !== '') paths.push(path);
  }
  return paths;
}
