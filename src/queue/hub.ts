import { existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UserError } from '../errors.js';
import { git, gitRaw } from '../git/git.js';
import { escapeControl } from '../text/escape.js';

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

/** The error of a hub that does not answer, with git's last words and what to do (which depends on who asks). */
function hubUnreachable(hub: string, stderr: string, hint: string): UserError {
  return new UserError('queue/hub-unreachable', `the git hub ${hub} is not reachable: ${gitReason(stderr)}`, {
    hint,
  });
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

/** Proves the hub answers (`git ls-remote`); a UserError naming it otherwise. */
export async function assertHubReachable(cwd: string, hub: string): Promise<void> {
  const r = await gitRaw(cwd, ['ls-remote', '--heads', hub]);
  if (r.exitCode !== 0) {
    throw hubUnreachable(
      hub,
      r.stderr,
      'Pass --hub with a git URL every worker can reach (ssh://, https://, file:// or a path), e.g. a bare repo made with `git init --bare`.',
    );
  }
}

/** Pushes the run's base commit to the hub under a ref of the run, so workers can fetch it by name. */
export async function pushBase(root: string, hub: string, commit: string, ref: string): Promise<void> {
  const r = await gitRaw(root, ['push', '--quiet', hub, `${commit}:${ref}`]);
  if (r.exitCode !== 0) {
    throw new UserError(
      'queue/hub-push',
      `could not push the base commit to the hub ${hub}: ${gitReason(r.stderr)}`,
      {
        hint: 'Check that the hub accepts pushes from this machine.',
      },
    );
  }
}

/** Fetches one ref from the hub into the same ref name locally; returns the commit it names. */
export async function fetchRef(cwd: string, hub: string, ref: string): Promise<string> {
  const r = await gitRaw(cwd, ['fetch', '--quiet', '--no-tags', hub, `+${ref}:${ref}`]);
  if (r.exitCode !== 0) {
    throw new UserError(
      'queue/hub-fetch',
      `could not fetch ${ref} from the hub ${hub}: ${gitReason(r.stderr)}`,
    );
  }
  return git(cwd, ['rev-parse', '--verify', `${ref}^{commit}`]);
}

/** A worker's cached bare clone of the hub: created once, then only fetched into. */
export async function ensureHubClone(dir: string, hub: string): Promise<void> {
  if (existsSync(dir)) return;
  mkdirSync(dirname(dir), { recursive: true });
  const r = await gitRaw(dirname(dir), ['clone', '--quiet', '--bare', '--no-tags', hub, dir]);
  if (r.exitCode !== 0) {
    throw hubUnreachable(
      hub,
      r.stderr,
      'Give the worker the same --hub URL as the orchestrator, reachable from this machine.',
    );
  }
  await git(dir, ['config', 'gc.auto', '0']);
}

/** Pushes a worker's result commit to its attempt ref in the hub. */
export async function pushAttempt(cwd: string, hub: string, commit: string, ref: string): Promise<void> {
  const r = await gitRaw(cwd, ['push', '--quiet', '--force', hub, `${commit}:${ref}`]);
  if (r.exitCode !== 0) {
    throw new Error(`could not push ${ref} to the hub ${hub}: ${gitReason(r.stderr)}`);
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
