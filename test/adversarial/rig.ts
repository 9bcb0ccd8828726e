import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { expect, onTestFinished } from 'vitest';
import type { CliContext } from '../../src/cli/context.js';
import { reportError } from '../../src/cli/main.js';
import { HARDENED_GIT_OPTIONS } from '../../src/git/git.js';
import type { BatonEvent } from '../../src/log/events.js';
import { readLog } from '../../src/log/read.js';
import { contractFiles, type TestContract } from '../rig/contracts.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

/** A repository with contracts whose agents are the given hostile shell commands. */
export function hostileRepo(agents: Record<string, string>, extra: Record<string, string> = {}): TempRepo {
  const contracts: TestContract[] = Object.entries(agents).map(([id, command]) => ({
    id,
    agent: { command },
  }));
  return makeRepo({ 'README.md': '# app\n', ...contractFiles(contracts), ...extra });
}

/** The events of the repository's log. */
export function events(repo: TempRepo): BatonEvent[] {
  return readLog(join(repo.root, '.baton', 'log.jsonl'), undefined, { final: true }).events as BatonEvent[];
}

/**
 * What a hostile case must leave as it found it, outside what Baton owns: the user's checkout (HEAD,
 * index, working tree), every ref but Baton's own (`refs/heads/baton/*`, `refs/baton/*`), the shared
 * `.git/config` bytes, and every file beside the repository other than its worktrees folder (a canary
 * included). Read with hooks and fsmonitor off, as Baton reads: an agent may have planted either.
 */
export interface WorldSnapshot {
  head: string;
  index: string;
  status: string;
  refs: Map<string, string>;
  config: string;
  outside: string[];
}

/** Differences a case is about, so `expectUntouched` does not count them. */
export interface Allowed {
  /** Refs (full names) the hostile agent itself created, moved or deleted. */
  refs?: readonly string[];
  /** The shared config was changed by the agent (the case checks what it holds). */
  config?: boolean;
  /** The working tree was changed by the agent (the case checks how). */
  status?: boolean;
}

const BATONS_OWN_REF = /^refs\/(heads\/baton\/|baton\/)/;

/** Git in the user's repository, with hooks and fsmonitor off (the options Baton itself uses). */
function userGit(root: string, ...args: string[]): string {
  return execFileSync('git', [...HARDENED_GIT_OPTIONS, ...args], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, GIT_OPTIONAL_LOCKS: '0' },
  }).trim();
}

/** Every entry under `dir` but `skip`, with its type, mode, size, mtime and a hash of its bytes. */
function listTree(dir: string, skip: ReadonlySet<string>, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (skip.has(path)) continue;
    const s = lstatSync(path);
    const kind = s.isDirectory() ? 'd' : s.isSymbolicLink() ? 'l' : s.isFile() ? 'f' : 'o';
    const content = s.isFile()
      ? createHash('sha1').update(readFileSync(path)).digest('hex')
      : s.isSymbolicLink()
        ? readlinkSync(path)
        : '';
    out.push(`${kind} ${s.mode.toString(8)} ${s.size} ${s.mtimeMs} ${path} ${content}`);
    if (s.isDirectory()) listTree(path, skip, out);
  }
  return out;
}

/** The folders a case's run may write: the repository and the worktrees folder beside it. */
function ownedBy(repo: TempRepo, extra: readonly string[]): Set<string> {
  return new Set([repo.root, `${repo.root}.baton-worktrees`, ...extra]);
}

/** Takes the snapshot `expectUntouched` compares; see `WorldSnapshot`. */
export function snapshotWorld(repo: TempRepo, worktrees: readonly string[] = []): WorldSnapshot {
  const refs = new Map<string, string>();
  for (const line of userGit(repo.root, 'for-each-ref', '--format=%(refname) %(objectname)').split('\n')) {
    const [name, id] = line.split(' ');
    if (name && id && !BATONS_OWN_REF.test(name)) refs.set(name, id);
  }
  return {
    head: `${userGit(repo.root, 'rev-parse', '--symbolic-full-name', 'HEAD')} ${userGit(repo.root, 'rev-parse', 'HEAD')}`,
    index: userGit(repo.root, 'ls-files', '--stage'),
    status: userGit(repo.root, 'status', '--porcelain', '--untracked-files=all', '--', '.', ':!.baton'),
    refs,
    config: readFileSync(join(repo.root, '.git', 'config'), 'utf8'),
    outside: listTree(dirname(repo.root), ownedBy(repo, worktrees)),
  };
}

/** The world a hostile case runs in: a snapshot, a canary beside the repository and a bystander process. */
export interface World {
  readonly before: WorldSnapshot;
  /** The unrelated process in its own session that nothing may signal. */
  readonly bystander: ReturnType<typeof unrelatedSleeper>;
  /** Asserts (a) checkout, refs and config, (b) the bystander, (c) files outside; see `Allowed`. */
  expectUntouched(allowed?: Allowed): void;
}

/**
 * Sets up the world of a hostile case: a canary file beside the repository (outside it and outside its
 * worktrees), a bystander `setsid sleep` started by the test in its own session (stopped when the test
 * ends), and the snapshot. `worktrees` names extra folders the case lets Baton write; `finished` registers
 * the bystander's stop for the end of the test.
 */
export function watchWorld(
  repo: TempRepo,
  worktrees: readonly string[] = [],
  // A concurrent test passes its context's own hook: the global one cannot tell which test is running.
  finished: (fn: () => void) => void = onTestFinished,
): World {
  writeFileSync(join(dirname(repo.root), 'canary.txt'), 'nothing may touch this file\n');
  const bystander = unrelatedSleeper();
  finished(() => bystander.kill());
  const before = snapshotWorld(repo, worktrees);
  return {
    before,
    bystander,
    expectUntouched(allowed = {}) {
      expectUntouched(before, snapshotWorld(repo, worktrees), allowed);
      expect(bystander.alive(), 'the bystander process outside the run is still alive').toBe(true);
    },
  };
}

/** Compares two snapshots: equal but for what `allowed` names. */
export function expectUntouched(before: WorldSnapshot, after: WorldSnapshot, allowed: Allowed = {}): void {
  expect(after.head, 'HEAD of the main checkout').toBe(before.head);
  expect(after.index, 'index of the main checkout').toBe(before.index);
  if (!allowed.status) expect(after.status, 'working tree of the main checkout').toBe(before.status);
  const others = (refs: Map<string, string>) =>
    [...refs].filter(([name]) => !allowed.refs?.includes(name)).map(([name, id]) => `${name} ${id}`);
  expect(others(after.refs), 'refs outside baton/*').toEqual(others(before.refs));
  if (!allowed.config) expect(after.config, 'the shared .git/config').toBe(before.config);
  expect(after.outside, 'files outside the repository and its worktrees').toEqual(before.outside);
}

/**
 * (d) The error a hostile input gets: exactly one `baton:` line, ending with its code, and no stack
 * trace. Returns that line.
 */
export function expectErrorLine(stderr: string, code: string): string {
  const lines = stderr.split('\n').filter((l) => l.startsWith('baton:'));
  expect(lines, stderr).toHaveLength(1);
  expect(lines[0]).toMatch(new RegExp(`^baton: \\S.* \\[${code.replace(/[/.-]/g, '\\$&')}\\]$`));
  expect(stderr, 'no stack trace').not.toMatch(/\n\s+at /);
  return lines[0] as string;
}

/** Starts an unrelated long sleeper in its own session (setsid): it must survive whatever Baton does. */
export function unrelatedSleeper(): { pid: number; alive(): boolean; kill(): void } {
  const child = spawn('setsid', ['sleep', '300'], { stdio: 'ignore', detached: false });
  const pid = child.pid as number;
  return {
    pid,
    alive: () => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        return !/\) [ZX] /.test(stat);
      } catch {
        return false;
      }
    },
    kill: () => {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    },
  };
}

/** Live processes whose command line contains `needle`. */
export function processesMatching(needle: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8').replace(/\0/g, ' ');
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      if (cmd.includes(needle) && !/\) [ZX] /.test(stat)) out.push(Number(name));
    } catch {
      // gone
    }
  }
  return out;
}

/**
 * What the CLI prints on stderr for the error `act` throws, through `reportError` (the one printer of
 * every command): for a hostile case that calls a library function rather than the CLI.
 */
export async function printedError(act: () => unknown): Promise<string> {
  let stderr = '';
  try {
    await act();
  } catch (err) {
    const capture = {
      write: (text: string) => {
        stderr += text;
      },
      isTTY: false,
    };
    reportError(err, { stderr: capture } as CliContext);
    return stderr;
  }
  throw new Error('expected an error, got none');
}

/** Path of the built CLI (tests that need a second real process run it). */
export const BATON_BIN = join(import.meta.dirname, '..', '..', 'bin', 'baton.js');

/** Whether dist/ is built (the CLI shim loads it). */
export const built = existsSync(join(import.meta.dirname, '..', '..', 'dist'));

/** Runs the built CLI as a real process; returns its exit code and output. */
export function runBin(
  args: string[],
  opts: { cwd: string; input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): { code: number; stdout: string; stderr: string } {
  try {
    const stdout = execFileSync(process.execPath, [BATON_BIN, ...args], {
      cwd: opts.cwd,
      input: opts.input ?? '',
      env: { ...process.env, NO_COLOR: '1', ...opts.env },
      encoding: 'utf8',
      timeout: opts.timeoutMs ?? 20_000,
      // A process blocked in a system call (open() on a FIFO) never runs its signal handlers.
      killSignal: 'SIGKILL',
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    return { code: 0, stdout, stderr: '' };
  } catch (err) {
    const e = err as { status?: number; stdout?: string; stderr?: string };
    return { code: e.status ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}
