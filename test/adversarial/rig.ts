import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
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

/** What the user's checkout, refs and config look like, to compare before and after. */
export function userState(repo: TempRepo): { refs: string; head: string; status: string; config: string } {
  return {
    refs: repo.git('for-each-ref', '--format=%(refname) %(objectname)', 'refs/heads/main', 'refs/tags'),
    head: repo.git('rev-parse', 'HEAD'),
    status: repo.git('status', '--porcelain', '--untracked-files=all', '--', '.', ':!.baton'),
    config: readFileSync(join(repo.root, '.git', 'config'), 'utf8'),
  };
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
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    return { code: 0, stdout, stderr: '' };
  } catch (err) {
    const e = err as { status?: number; stdout?: string; stderr?: string };
    return { code: e.status ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}
