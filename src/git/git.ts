import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { UserError } from '../errors.js';
import { shortageError } from '../process/spawn-failure.js';
import { realNearest } from '../real-nearest.js';
import { bareCloneHint, noWorkTreeError } from './no-work-tree.js';
import { type GitPlaces, newlineInPath, PLACES_ARGS, placesFromRevParse } from './places.js';
import { CHECKOUT_CONFIG, withoutRepositoryEnv } from './repository-env.js';

/** The outcome of one git invocation. */
export interface GitOutput {
  stdout: string;
  stderr: string;
  exitCode: number;
  /** The signal that killed git (`SIGKILL`…), when one did: its exit code then says nothing. */
  signal?: NodeJS.Signals;
}

/** Environment that keeps git from prompting, paging or localising its messages. */
export const GIT_ENV = {
  GIT_TERMINAL_PROMPT: '0',
  GIT_PAGER: 'cat',
  LC_ALL: 'C',
  GIT_OPTIONAL_LOCKS: '0',
};

/**
 * The environment of every git process Baton starts: its own, less the variables that would point git
 * at the caller's repository rather than at the folder Baton runs it in (`withoutRepositoryEnv`: a git
 * hook's `GIT_DIR` and `GIT_INDEX_FILE`), then `GIT_ENV`, then `extra` (a scratch `GIT_INDEX_FILE`,
 * a proven worktree's `GIT_DIR`).
 */
export function gitEnvironment(extra?: Readonly<Record<string, string>>): NodeJS.ProcessEnv {
  return { ...withoutRepositoryEnv(process.env), ...GIT_ENV, ...extra };
}

/**
 * Options on every git call Baton makes: an agent can write `core.hooksPath` or `core.fsmonitor` into
 * the shared config, and Baton's own commits, merges and status calls must never run them, nor sign with
 * the user's key (`commit.gpgSign`: no usable key, a passphrase, a planted `gpg.program`). And Baton's git
 * does what git does by default whatever the user's config says: git's own merge strategy
 * (`pull.twohead=ours` would merge every feature to nothing), no signature asked of its unsigned commits
 * (`merge.verifySignatures`), submodules left to Baton (`submodule.recurse` makes `read-tree` reset ones
 * a new worktree lacks) and seen changed by status and diff (`diff.ignoreSubmodules` hides an escape).
 */
export const HARDENED_GIT_OPTIONS: readonly string[] = [
  'core.hooksPath=/dev/null',
  'core.fsmonitor=false',
  'commit.gpgSign=false',
  'tag.gpgSign=false',
  'pull.twohead=ort',
  'pull.octopus=octopus',
  'merge.verifySignatures=false',
  'submodule.recurse=false',
  'diff.ignoreSubmodules=none',
  ...CHECKOUT_CONFIG.map(([key, value]) => `${key}=${value}`),
].flatMap((setting) => ['-c', setting]);

/**
 * Runs git with an argument array in `cwd` (and extra environment, e.g. a scratch `GIT_INDEX_FILE`); never throws on a non-zero exit. Plain `spawn` rather
 * than execa: git calls are short and many, and every command pays for what it loads at start-up.
 */
export function gitRaw(cwd: string, args: string[], input?: string, env?: GitEnv): Promise<GitOutput> {
  return runGit(cwd, args, { input, env, ownGroup: false });
}

/**
 * Runs git as `gitRaw` does, but as the leader of a process group (and session) of its own, as
 * agents are run (`spawnSupervised`): the Ctrl-C a terminal sends to Baton's foreground group does
 * not reach it. For a step that must not be cut in half, because git does not undo what it wrote when
 * a signal stops it: moving the user's checkout (`merge --ff-only`) or branch, a merge in the
 * integration worktree. The caller honours the abort once it returns.
 */
export function gitShielded(cwd: string, args: string[], env?: GitEnv): Promise<GitOutput> {
  return runGit(cwd, args, { env, ownGroup: true });
}

/** Variables added to git's environment (a scratch `GIT_INDEX_FILE`, a proven worktree's `GIT_DIR`). */
type GitEnv = Readonly<Record<string, string>>;

/** The one spawn of `gitRaw` and `gitShielded`. */
function runGit(
  cwd: string,
  args: string[],
  o: { input?: string | undefined; env?: GitEnv | undefined; ownGroup: boolean },
): Promise<GitOutput> {
  const { input, env } = o;
  return new Promise((resolve, reject) => {
    const child = spawn('git', [...HARDENED_GIT_OPTIONS, ...args], {
      cwd,
      env: gitEnvironment(env),
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      detached: o.ownGroup,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.stderr?.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT' && !existsSync(cwd)) {
        reject(new UserError('git/bad-cwd', `the folder ${cwd} does not exist`));
        return;
      }
      reject(
        shortageError('git', e) ??
          new UserError('git/not-found', `could not run git: ${e.message}`, {
            hint: 'Install git 2.38 or newer and make sure it is on PATH.',
          }),
      );
    });
    child.on('close', (code, signal) => {
      resolve({
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        exitCode: code ?? 1,
        ...(signal ? { signal } : {}),
      });
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

/**
 * Runs git and hands its stdout to `onText` chunk by chunk as it arrives, for outputs too large to hold
 * twice (a history of 100,000 commits); `input` is written to its stdin. Never throws on a non-zero exit.
 */
export function gitStream(
  cwd: string,
  args: string[],
  onText: (chunk: string) => void,
  input?: string,
): Promise<{ exitCode: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', [...HARDENED_GIT_OPTIONS, ...args], {
      cwd,
      // GIT_FLUSH=0: on a pipe git otherwise flushes after every commit of a log, and 100,000 tiny
      // reads cost more CPU than parsing the whole stream.
      env: gitEnvironment({ GIT_FLUSH: '0' }),
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', onText);
    child.stderr?.on('data', (b: Buffer) => {
      stderr += b.toString('utf8');
    });
    // git may exit before reading all its input (a bad revision): that is its exit code's business.
    child.stdin?.on('error', () => {});
    child.on('error', (e) => reject(shortageError('git', e) ?? e));
    child.on('close', (code) => resolve({ exitCode: code ?? 1, stderr }));
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** Runs git and returns trimmed stdout; throws a `GitError` on a non-zero exit. */
export async function git(
  cwd: string,
  args: string[],
  input?: string,
  env?: Readonly<Record<string, string>>,
): Promise<string> {
  const r = await gitRaw(cwd, args, input, env);
  if (r.exitCode !== 0) throw new GitError(args, r);
  return r.stdout.trim();
}

/**
 * Git's automatic maintenance (`gc --auto`: packs loose objects past `gc.auto`), as a commit would
 * start it; a run's own commits leave it to one call at the run's end. Never rejects: maintenance
 * that cannot run (another gc holds its lock) is not the run's failure.
 */
export async function autoMaintenance(root: string): Promise<void> {
  await gitRaw(root, ['maintenance', 'run', '--auto', '--quiet']).catch(() => undefined);
}

/** A git command that exited non-zero, with its stderr. */
export class GitError extends Error {
  override readonly name = 'GitError';
  readonly args: string[];
  readonly exitCode: number;
  readonly stderr: string;
  constructor(args: string[], r: GitOutput) {
    const how = r.signal ? `killed by ${r.signal}` : `exit ${r.exitCode}`;
    super(`git ${args.join(' ')} failed (${how}): ${r.stderr.trim() || r.stdout.trim()}`);
    this.args = args;
    this.exitCode = r.exitCode;
    this.stderr = r.stderr;
  }
}

/**
 * Why `cwd` has no work tree, as the error to give (a bare repository, a git folder, another user's
 * repository git refuses, no repository);
 * the one rev-parse that tells them apart is run here, the words are in `no-work-tree.ts`.
 */
async function noWorkTree(cwd: string): Promise<UserError> {
  const r = await gitRaw(cwd, ['rev-parse', '--is-bare-repository', '--absolute-git-dir']);
  return r.exitCode === 0 ? noWorkTreeError(cwd, r.stdout) : noWorkTreeError(cwd, '', r.stderr);
}

/** The top-level folder of the work tree containing `cwd`, or a clear error outside a repository. */
export async function findRepoRoot(cwd: string): Promise<string> {
  const r = await gitRaw(cwd, ['rev-parse', '--show-toplevel']);
  if (r.exitCode !== 0) throw await noWorkTree(cwd);
  return r.stdout.trim();
}

/** Each main worktree's common git folder, asked of git once per process (a snapshot is taken after every wave). */
const commonDirs = new Map<string, Promise<string>>();

/** The repository's common git folder (shared by every worktree), absolute. */
export function commonGitDir(root: string): Promise<string> {
  let dir = commonDirs.get(root);
  if (!dir) {
    dir = git(root, ['rev-parse', '--git-common-dir']).then((d) => (isAbsolute(d) ? d : join(root, d)));
    commonDirs.set(root, dir);
    dir.catch(() => commonDirs.delete(root));
  }
  return dir;
}

export type { GitPlaces } from './places.js';

/** `GitPlaces` from one `rev-parse`, which also says whether `cwd` is in a work tree at all. */
export async function gitPlaces(cwd: string): Promise<GitPlaces> {
  const r = await gitRaw(cwd, [...PLACES_ARGS]);
  const places = r.exitCode === 0 ? placesFromRevParse(r.stdout) : undefined;
  // A path holding a newline: refused by name (the top alone, in an output of its own, says which).
  if (places === 'newline')
    throw newlineInPath(cwd, (await gitRaw(cwd, ['rev-parse', '--show-toplevel'])).stdout);
  if (!places) throw await noWorkTree(cwd);
  return places;
}

/**
 * The main work tree of the repository (not a linked worktree), from any of its worktrees. In the
 * main work tree itself (its git folder is the common one) it is the checkout git names, whatever
 * its git folder is called (a submodule's `.git/modules/<name>`, a `--separate-git-dir`). From a
 * linked worktree it is the common folder without its `/.git` (git's own rule), or else the
 * `core.worktree` the common folder's config names (a submodule's); a repository that records
 * neither cannot say where its main checkout is, and that is one clear error.
 */
export async function findMainWorktree(cwd: string): Promise<string> {
  const { top, gitDir, commonDir } = await gitPlaces(cwd);
  const real = realNearest(commonDir);
  const main =
    realNearest(gitDir) === real
      ? top
      : real.endsWith('/.git')
        ? real.slice(0, -'/.git'.length)
        : await configuredWorktree(cwd, real, top);
  if (!commonDirs.has(main)) commonDirs.set(main, Promise.resolve(real));
  return main;
}

/** The `core.worktree` of the common git folder `common`, absolute; a `UserError` when it names none. */
async function configuredWorktree(cwd: string, common: string, here: string): Promise<string> {
  const r = await gitRaw(cwd, ['config', '--file', join(common, 'config'), '--get', 'core.worktree']);
  const named = r.exitCode === 0 ? r.stdout.trim() : '';
  if (named) return realNearest(isAbsolute(named) ? named : join(common, named));
  const bare = await gitRaw(cwd, [
    'config',
    '--file',
    join(common, 'config'),
    '--bool',
    '--get',
    'core.bare',
  ]);
  if (bare.stdout.trim() === 'true') {
    throw new UserError(
      'git/no-main-checkout',
      `${here} is a linked worktree of the bare repository ${common}, which has no main checkout`,
      { hint: bareCloneHint(common) },
    );
  }
  throw new UserError(
    'git/no-main-checkout',
    `${here} is a linked worktree of a repository whose git folder (${common}) does not say where its main checkout is`,
    { hint: 'Run Baton in the main checkout, where the config and the contracts are read from.' },
  );
}

/** Resolves a ref to a full commit id, or undefined when it does not exist. */
export async function resolveCommit(
  cwd: string,
  ref: string,
  env?: Readonly<Record<string, string>>,
): Promise<string | undefined> {
  const r = await gitRaw(cwd, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], undefined, env);
  return r.exitCode === 0 ? r.stdout.trim() : undefined;
}

/**
 * The commits of `commits` that the repository at `cwd` (or the git folder `gitDir`) does not have as
 * commits, in one `cat-file --batch-check`: a commit id from the log or from another repository is
 * only a claim until git finds it.
 */
export async function missingCommits(
  cwd: string,
  commits: readonly string[],
  gitDir?: string,
): Promise<string[]> {
  if (commits.length === 0) return [];
  const input = commits.map((c) => `${c}^{commit}\n`).join('');
  const r = await gitRaw(
    cwd,
    [...(gitDir ? [`--git-dir=${gitDir}`] : []), 'cat-file', '--batch-check'],
    input,
  );
  if (r.exitCode !== 0) return [...commits];
  const lines = r.stdout.split('\n');
  return commits.filter((_, i) => lines[i] === undefined || lines[i]?.endsWith(' missing'));
}

/** The current branch name, or undefined on a detached HEAD. */
export async function currentBranch(cwd: string): Promise<string | undefined> {
  // Not `--short`: where `baton/a` is ambiguous (a `refs/tags/baton/a` too) it says `heads/baton/a`.
  const r = await gitRaw(cwd, ['symbolic-ref', '--quiet', 'HEAD']);
  const ref = r.stdout.trim();
  if (r.exitCode !== 0) return undefined;
  return ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : ref;
}

/** Whether `refs/heads/<branch>` exists. */
export async function branchExists(cwd: string, branch: string): Promise<boolean> {
  const r = await gitRaw(cwd, ['show-ref', '--verify', '--quiet', `refs/heads/${branch}`]);
  return r.exitCode === 0;
}

/** Creates a worktree at `path` on a new branch cut from `base`. */
export async function addWorktree(
  cwd: string,
  opts: { path: string; branch: string; base: string },
): Promise<void> {
  await git(cwd, ['worktree', 'add', '--quiet', '-b', opts.branch, opts.path, opts.base]);
}

/** Stages everything in a worktree and commits it; returns the new commit, or undefined if nothing changed. */
export async function commitAll(
  cwd: string,
  message: string,
  author?: { name: string; email: string },
): Promise<string | undefined> {
  await git(cwd, ['add', '--all']);
  const identity = author ?? { name: 'Baton', email: 'baton@localhost' };
  const args = [
    '-c',
    `user.name=${identity.name}`,
    '-c',
    `user.email=${identity.email}`,
    'commit',
    '--quiet',
    '--no-verify',
    '-m',
    message,
  ];
  // Committing straight away saves asking first whether anything is staged; a refusal is then
  // told apart by asking (nothing staged: no commit), never by reading git's words.
  const r = await gitRaw(cwd, args);
  if (r.exitCode !== 0) {
    const staged = await gitRaw(cwd, ['diff', '--cached', '--quiet']);
    if (staged.exitCode === 0) return undefined;
    throw new GitError(args, r);
  }
  return git(cwd, ['rev-parse', 'HEAD']);
}

/** Files changed between two commits (`a...b`: since their merge base when `sinceMergeBase`). */
export async function changedFiles(
  cwd: string,
  from: string,
  to: string,
  sinceMergeBase = true,
): Promise<string[]> {
  return changedFilesOf(await git(cwd, changedFilesArgs(from, to, sinceMergeBase)));
}

/** The paths of `changedFilesArgs`' output (pure). */
export function changedFilesOf(out: string): string[] {
  return out.split('\0').filter((s) => s.length > 0);
}

/** The `git diff` arguments of `changedFiles` (NUL-separated paths), for a caller running it its own way. */
export function changedFilesArgs(from: string, to: string, sinceMergeBase = true): string[] {
  const range = sinceMergeBase ? `${from}...${to}` : `${from}..${to}`;
  return ['diff', '--name-only', '-z', '--no-renames', '--end-of-options', range];
}

/** The merge base of two commits, or undefined when they share no history. */
export async function mergeBase(cwd: string, a: string, b: string): Promise<string | undefined> {
  const r = await gitRaw(cwd, ['merge-base', a, b]);
  return r.exitCode === 0 ? r.stdout.trim() : undefined;
}

/** Whether `commit` is reachable from `target`. */
export async function isAncestor(cwd: string, commit: string, target: string): Promise<boolean> {
  const r = await gitRaw(cwd, ['merge-base', '--is-ancestor', commit, target]);
  return r.exitCode === 0;
}
