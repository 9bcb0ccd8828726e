/**
 * A new worktree's submodules, checked out as the user's own checkout has them. `git worktree add`
 * leaves each submodule an empty folder; Baton checks out those the main checkout has populated (its
 * folder checked out, its repository kept under the main checkout's git folder as `modules/<name>`)
 * at the commit the worktree's index records, cloned from that local copy and never from the network
 * (`--no-fetch`). The clone lands where git keeps a worktree's submodules (its admin folder's
 * `modules/<name>`), which `baton clean` knows how to judge and remove (src/clean/submodules.ts). The
 * submodule's `origin` then points where the user's does, so a later fetch or push goes there.
 * Nothing in `.gitmodules` runs: Baton's hardened options turn hooks and fsmonitor off, `--checkout`
 * overrides any `update` mode of the config, and git refuses a `!command` update mode from
 * `.gitmodules` outright. Nested submodules are not checked out (no `--recursive`): their folders stay
 * empty. A submodule that cannot be checked out is left empty, as before, and named in a warning.
 */
import { existsSync, lstatSync, mkdirSync, readdirSync, rmdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isInside } from '../path-inside.js';
import { escapeControl } from '../text/escape.js';
import { oneLine } from '../text/one-line.js';
import { someOf } from '../text/some-of.js';
import { gitRaw } from './git.js';
import { type GitStepOutput, gitSequence } from './sequence.js';

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

/** Where a submodule's `origin` should point: where the user's checkout fetches it from (`submodule.<name>.url`), else an absolute `.gitmodules` URL. */
function userUrl(sub: RegisteredSubmodule, configured: ReadonlyMap<string, string>): string | undefined {
  const url = configured.get(sub.name);
  if (url !== undefined) return url;
  // A relative URL is relative to the superproject's remote, not to the submodule: left unresolved.
  return sub.url !== undefined && !/^\.\.?\//.test(sub.url) ? sub.url : undefined;
}

/** `submodule.<name>.url` of the repository's config, by name, from `git config -z --get-regexp` output (pure). */
function configuredUrls(out: string): Map<string, string> {
  const urls = new Map<string, string>();
  for (const record of out.split('\0')) {
    const nl = record.indexOf('\n');
    const key = record.slice(0, nl);
    const dot = key.lastIndexOf('.');
    if (nl > 0 && key.startsWith('submodule.') && dot > 'submodule.'.length)
      urls.set(key.slice('submodule.'.length, dot), record.slice(nl + 1));
  }
  return urls;
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
  const [listed, urls, mainDir, ownDir] = await gitSequence(worktree, [
    { args: LIST_GITMODULES, mayFail: true },
    { args: ['config', '-z', '--get-regexp', '^submodule\\..*\\.url$'], mayFail: true },
    { args: ['-C', root, 'rev-parse', '--absolute-git-dir'], mayFail: true },
    { args: ['rev-parse', '--absolute-git-dir'], mayFail: true },
  ]);
  const mainGitDir = okOutput(mainDir);
  const worktreeGitDir = okOutput(ownDir);
  if (mainGitDir === '' || worktreeGitDir === '') return [];
  const configured = configuredUrls(rawOutput(urls));
  const wanted = parseSubmoduleConfig(rawOutput(listed)).filter(
    (s) =>
      !o.leave?.has(s.path) && populatedInMain(root, mainGitDir, s) && emptySubmoduleFolder(worktree, s.path),
  );
  if (wanted.length === 0) return [];
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
  const failed = r.exitCode === 0 ? [] : await notCheckedOut(worktree, wanted);
  for (const s of failed) undoCheckout(worktree, worktreeGitDir, s);
  await Promise.all(
    wanted
      .filter((s) => !failed.includes(s))
      .map((s) => {
        const url = userUrl(s, configured);
        return url === undefined
          ? undefined
          : gitRaw(join(worktree, s.path), ['config', 'remote.origin.url', url]);
      }),
  );
  if (failed.length === 0) return [];
  const paths = failed.map((s) => escapeControl(s.path));
  return [
    `submodule${paths.length === 1 ? '' : 's'} ${someOf(paths, 5)} could not be checked out in ${escapeControl(worktree)} from your checkout's copy, so ${paths.length === 1 ? 'it is' : 'they are'} left empty there (git said: ${escapeControl(oneLine(r.stderr.trim().split('\n').slice(-3).join('\n')))}); a criterion that needs ${paths.length === 1 ? 'it' : 'them'} fails (the commit the worktree records must be in your checkout's copy: fetch it there)`,
  ];
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
 * git process, when the worktree has no `.gitmodules`.
 */
export async function submodulesWithChanges(worktree: string): Promise<string[]> {
  if (!existsSync(join(worktree, '.gitmodules'))) return [];
  const r = await gitRaw(worktree, ['status', '--porcelain=v2', '-z', '--ignore-submodules=none']);
  if (r.exitCode !== 0) return [];
  return parseChangedSubmodules(r.stdout);
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
