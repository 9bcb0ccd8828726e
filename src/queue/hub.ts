import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../errors.js';
import { git, gitEnvironment, gitRaw, HARDENED_GIT_OPTIONS } from '../git/git.js';
import { spawnSupervised } from '../process/supervise.js';
import { realOr } from '../real-nearest.js';
import { escapeControl } from '../text/escape.js';
import { envMs } from './env-ms.js';
import { describeWindow, HubAnswered } from './hub-retry.js';

/**
 * What git said went wrong, in one line: its first `fatal:` or `error:` line (the advice git prints
 * after it, "Please make sure you have the correct access rights / and the repository exists.", says
 * nothing about this hub), else its last line; control characters escaped.
 */
function gitReason(text: string): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const error = lines.find((l) => /^(fatal|error):/.test(l));
  return escapeControl(error ?? lines.at(-1) ?? 'no output');
}

/** How long a git command against the hub may go without a word before it is stopped (ms), by default. */
export const HUB_TIMEOUT_MS = 10_000;

/** The hub's deadline a command's environment asks for (`BATON_HUB_TIMEOUT_MS`, above 0), else `HUB_TIMEOUT_MS`. */
export function hubTimeoutMsOf(env: NodeJS.ProcessEnv): number {
  return envMs(env, 'BATON_HUB_TIMEOUT_MS', HUB_TIMEOUT_MS, 'refused');
}

/** The hub as git commands reach it: its URL, how long a command may wait for an answer, and what cuts it short. */
export interface HubRemote {
  url: string;
  timeoutMs: number;
  /** Stops a command at once (Ctrl-C): its result is a failure, which the caller no longer acts on. */
  signal?: AbortSignal;
}

/** The hub at `url` with the deadline `env` asks for (`hubTimeoutMsOf`). */
export function hubRemote(url: string, env: NodeJS.ProcessEnv, signal?: AbortSignal): HubRemote {
  return { url, timeoutMs: hubTimeoutMsOf(env), ...(signal ? { signal } : {}) };
}

/** Whether git reaches `url` over ssh: `ssh://` (or `git+ssh://`, `ssh+git://`), or the scp-like `host:path`. */
function isSshUrl(url: string): boolean {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  if (scheme) return ['ssh', 'git+ssh', 'ssh+git'].includes(scheme);
  const colon = url.indexOf(':');
  return colon > 0 && !url.slice(0, colon).includes('/');
}

/**
 * The environment that gives ssh a connect timeout (`ConnectTimeout`, which covers its banner
 * exchange too), for an ssh hub whose ssh command is git's plain `ssh`: one the user set
 * (GIT_SSH_COMMAND, GIT_SSH, `core.sshCommand`) is theirs and left as it is; the deadline still holds.
 */
async function sshTimeoutEnv(cwd: string, url: string, seconds: number): Promise<Record<string, string>> {
  if (!isSshUrl(url) || process.env.GIT_SSH_COMMAND || process.env.GIT_SSH) return {};
  const own = await gitRaw(cwd, ['config', '--get', 'core.sshCommand']);
  if (own.exitCode === 0 && own.stdout.trim()) return {};
  return { GIT_SSH_COMMAND: `ssh -o ConnectTimeout=${seconds}` };
}

/** A hub command's outcome: git's exit code and output, and why it failed in one line. */
interface HubOutput {
  exitCode: number;
  stdout: string;
  reason: string;
}

/**
 * Runs one git command against the hub with a deadline: a hub that takes the connection and never
 * answers must not hang a run or a worker for ever. Git runs in its own process group, stopped (the
 * whole group: its transport helper, ssh) once it has printed nothing for `timeoutMs`, when the reason
 * is `no answer in N s`; transfers pass `--progress`, so one that moves keeps its time. Git's own
 * transports are told to give up a second later (curl below 1 byte/s, ssh's connect), for the case
 * where Baton is gone and no one watches. A stopped command is a failure like any other, so the
 * retry windows apply to it (`retryHub`, the orchestrator's later readings).
 */
async function hubGit(cwd: string, args: string[], remote: HubRemote): Promise<HubOutput> {
  const seconds = Math.ceil(remote.timeoutMs / 1000) + 1;
  const transport = ['-c', 'http.lowSpeedLimit=1', '-c', `http.lowSpeedTime=${seconds}`];
  const child = spawnSupervised('git', {
    cwd,
    args: [...HARDENED_GIT_OPTIONS, ...transport, ...args],
    env: gitEnvironment(await sshTimeoutEnv(cwd, remote.url, seconds)),
    silenceMs: remote.timeoutMs,
    killGraceMs: 1000,
  });
  const stop = () => void child.stop('interrupt');
  if (remote.signal?.aborted) stop();
  remote.signal?.addEventListener('abort', stop, { once: true });
  const r = await child.exited.finally(() => remote.signal?.removeEventListener('abort', stop));
  const exitCode = r.exitCode ?? 1;
  const reason =
    r.stoppedBy === 'timeout'
      ? `no answer in ${describeWindow(remote.timeoutMs)}`
      : r.stoppedBy === 'interrupt'
        ? 'stopped before it answered'
        : gitReason(r.stderr);
  return { exitCode: r.stoppedBy ? 1 : exitCode, stdout: r.stdout, reason };
}

/** The error of a hub that does not answer, with why in one line and what to do (which depends on who asks). */
function hubUnreachable(hub: string, reason: string, hint: string): UserError {
  return new UserError('queue/hub-unreachable', `the git hub ${hub} is not reachable: ${reason}`, { hint });
}

/**
 * The hub as the orchestrator and every worker name it: a URL (`ssh://`, `https://`, `file://`…) or
 * scp-like address (`git@host:srv/app.git`, git's rule: a colon before any slash) as it is, less a
 * trailing slash; a path made absolute from `cwd`, the folder it was given in. Git runs in other
 * folders (the worker's clone, an attempt's worktree), where a relative path names nothing, and the
 * hub's spelling names its queues (`queueName`).
 */
export function absoluteHub(hub: string, cwd: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(hub)) return hub.replace(/\/+$/, '');
  const colon = hub.indexOf(':');
  if (colon > 0 && !hub.slice(0, colon).includes('/')) return hub;
  return resolve(cwd, hub);
}

/**
 * Proves the hub answers (`git ls-remote`) within its deadline, and that it is not the repository at
 * `cwd` itself (`assertHubIsNotRepository`); a UserError naming it otherwise.
 */
export async function assertHubReachable(cwd: string, hub: HubRemote): Promise<void> {
  const r = await hubGit(cwd, ['ls-remote', '--heads', hub.url], hub);
  if (r.exitCode !== 0) {
    throw hubUnreachable(
      hub.url,
      r.reason,
      'Pass --hub with a git URL every worker can reach (ssh://, https://, file:// or a path), e.g. a bare repo made with `git init --bare`.',
    );
  }
  await assertHubIsNotRepository(cwd, hub.url);
}

/** The folder a hub names on this machine (a path, or a `file://` URL), absolute; undefined for another host's. */
function localHubPath(url: string): string | undefined {
  if (/^file:\/\//i.test(url)) {
    try {
      return fileURLToPath(url);
    } catch {
      return undefined;
    }
  }
  return isAbsolute(url) ? url : undefined;
}

/**
 * The real path of the common git folder of the repository at `path` itself, or undefined when `path`
 * is none: git is kept from looking in the folders above it (`GIT_CEILING_DIRECTORIES`), as a push to
 * that path would not look there either.
 */
async function realCommonDirAt(path: string, ceiling?: string): Promise<string | undefined> {
  if (!existsSync(path)) return undefined;
  const env = ceiling ? { GIT_CEILING_DIRECTORIES: ceiling } : undefined;
  const r = await gitRaw(path, ['rev-parse', '--path-format=absolute', '--git-common-dir'], undefined, env);
  const dir = r.stdout.trim();
  return r.exitCode === 0 && dir ? realOr(dir) : undefined;
}

/**
 * Refuses a hub that is the repository `cwd` is in (the same common git folder: its checkout, one of
 * its worktrees, its `.git`). Workers, and every agent they run (its worktree's `origin`), push to the
 * hub, so any branch of that repository would move on a worker's word, where only checked work may.
 */
export async function assertHubIsNotRepository(cwd: string, hub: string): Promise<void> {
  const path = localHubPath(hub);
  if (!path) return;
  const own = await realCommonDirAt(cwd);
  if (!own || own !== (await realCommonDirAt(path, dirname(path)))) return;
  throw new UserError(
    'queue/hub-is-repository',
    `the git hub ${escapeControl(hub)} is this repository (${escapeControl(own)}): workers and their agents push to the hub, so they could move your branches`,
    {
      hint: 'Give --hub a repository of its own that every worker can reach, e.g. a bare clone: `git clone --bare . ../hub.git`, then `--hub ../hub.git`.',
      exitCode: 2,
    },
  );
}

/** Pushes the run's base commit to the hub under a ref of the run, so workers can fetch it by name. */
export async function pushBase(root: string, hub: HubRemote, commit: string, ref: string): Promise<void> {
  const r = await hubGit(root, ['push', '--progress', hub.url, `${commit}:${ref}`], hub);
  if (r.exitCode !== 0) {
    throw new UserError(
      'queue/hub-push',
      `could not push the base commit to the hub ${hub.url}: ${r.reason}`,
      {
        hint: 'Check that the hub accepts pushes from this machine.',
      },
    );
  }
}

/** Fetches one ref from the hub into the same ref name locally; returns the commit it names. */
export async function fetchRef(cwd: string, hub: HubRemote, ref: string): Promise<string> {
  const r = await hubGit(cwd, ['fetch', '--progress', '--no-tags', hub.url, `+${ref}:${ref}`], hub);
  if (r.exitCode !== 0 && /couldn't find remote ref/i.test(r.reason)) {
    // The hub answered: it has no such ref. Asking again will not make one.
    throw new HubAnswered('queue/hub-no-ref', `the hub ${hub.url} has no ${ref}`);
  }
  if (r.exitCode !== 0) {
    throw new UserError('queue/hub-fetch', `could not fetch ${ref} from the hub ${hub.url}: ${r.reason}`);
  }
  return git(cwd, ['rev-parse', '--verify', `${ref}^{commit}`]);
}

/**
 * A worker's cached bare clone of the hub: created once, then only fetched into. It is made beside its
 * place and moved there whole, so a clone stopped halfway (its deadline, a killed worker) is never taken
 * for the cache.
 */
export async function ensureHubClone(dir: string, hub: HubRemote): Promise<void> {
  if (existsSync(dir)) return;
  mkdirSync(dirname(dir), { recursive: true });
  const partial = `${dir}.partial`;
  rmSync(partial, { recursive: true, force: true });
  const r = await hubGit(dirname(dir), ['clone', '--progress', '--bare', '--no-tags', hub.url, partial], hub);
  if (r.exitCode !== 0) {
    rmSync(partial, { recursive: true, force: true });
    throw hubUnreachable(
      hub.url,
      r.reason,
      'Give the worker the same --hub URL as the orchestrator, reachable from this machine.',
    );
  }
  await git(partial, ['config', 'gc.auto', '0']);
  renameSync(partial, dir);
}

/** Pushes a worker's result commit to its attempt ref in the hub. */
export async function pushAttempt(cwd: string, hub: HubRemote, commit: string, ref: string): Promise<void> {
  const r = await hubGit(cwd, ['push', '--progress', '--force', hub.url, `${commit}:${ref}`], hub);
  if (r.exitCode !== 0) {
    throw new Error(`could not push ${ref} to the hub ${hub.url}: ${r.reason}`);
  }
}

/** The all-zero object id: `git update-ref` reads it as "the ref must not exist yet". */
const ZERO_OID = '0000000000000000000000000000000000000000';

/**
 * Moves `refs/heads/<branch>` to `next` only if it still points at `expected` (or does not exist
 * when `expected` is undefined): the orchestrator's compare-and-swap promotion of an attempt.
 */
export async function compareAndSwapBranch(
  root: string,
  branch: string,
  next: string,
  expected: string | undefined,
): Promise<{ ok: true } | { ok: false; reason: string }> {
  const r = await gitRaw(root, [
    'update-ref',
    '-m',
    'baton: promote attempt',
    `refs/heads/${branch}`,
    next,
    expected ?? ZERO_OID,
  ]);
  return r.exitCode === 0 ? { ok: true } : { ok: false, reason: gitReason(r.stderr) };
}
