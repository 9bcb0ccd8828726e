import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readLog } from '../../src/log/read.js';
import { BATON_BIN } from '../rig/cli.js';
import { contractFiles } from '../rig/contracts.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';
import { until } from '../rig/wait.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

/** A repository of one feature whose agent writes a file, then waits for `go` (or the repository's removal). */
function waitingRepo(): { repo: TempRepo; log: string; go: () => void } {
  const repo = makeRepo();
  repos.push(repo);
  const flag = join(repo.root, '.git', 'go');
  const command = `mkdir -p src/w1 && echo one > src/w1/a.txt && while [ ! -f '${flag}' ] && [ -d '${repo.root}' ]; do sleep 0.1; done`;
  repo.commit('contract', contractFiles([{ id: 'w1', agent: { command } }]));
  return { repo, log: join(repo.root, '.baton', 'log.jsonl'), go: () => writeFileSync(flag, '') };
}

/** The log's events, by the fields these tests read. */
type Seen = { type?: string; status?: string; outcome?: string; reason?: string };
const events = (log: string): Seen[] => (existsSync(log) ? (readLog(log).events as Seen[]) : []);
const has = (log: string, type: string) => events(log).some((e) => e.type === type);

describe('baton run whose standard output is closed mid-run (`baton run | tee run.log`, and tee dies)', () => {
  it('carries on to the end, records every event, says so once on stderr and exits as the run did', async () => {
    const { repo, log, go } = waitingRepo();
    const child = spawn(process.execPath, [BATON_BIN, 'run'], {
      cwd: repo.root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1' },
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    expect(await until(() => has(log, 'feature.started'), 40_000)).toBe(true);
    // The reader goes: Baton's next line meets EPIPE.
    child.stdout.destroy();
    go();
    expect(await exited).toBe(0);
    const ended = events(log).filter((e) => e.type === 'feature.ended' || e.type === 'run.ended');
    expect(ended.map((e) => [e.type, e.status ?? e.outcome])).toEqual([
      ['feature.ended', 'complete'],
      ['run.ended', 'complete'],
    ]);
    expect(err).toContain('baton: standard output was closed (EPIPE): carrying on without printing');
    expect(err).not.toMatch(/internal error|\n\s+at /);
  });
});

describe.skipIf(!existsSync('/dev/full'))(
  'baton whose standard output is on a full disk (> /dev/full)',
  () => {
    /** Runs `baton <args>` with stdout on /dev/full (every write fails with ENOSPC). */
    function toFullDisk(root: string, args: string[]) {
      const full = openSync('/dev/full', 'w');
      try {
        return spawnSync(process.execPath, [BATON_BIN, ...args], {
          cwd: root,
          stdio: ['ignore', full, 'pipe'],
          encoding: 'utf8',
          env: { ...process.env, NO_COLOR: '1' },
        });
      } finally {
        closeSync(full);
      }
    }

    it('run: carries on to the end without printing, says why once on stderr, no uncaught ENOSPC', () => {
      const { repo, log, go } = waitingRepo();
      go();
      const r = toFullDisk(repo.root, ['run']);
      expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
      expect(r.stderr).toContain(
        'baton: standard output cannot be written (ENOSPC: no space left on device)',
      );
      expect(events(log).find((e) => e.type === 'run.ended')?.outcome).toBe('complete');
      expect(r.status).toBe(0);
    });

    it('status: ends with exit 1 and one line on stderr naming ENOSPC, no stack', () => {
      const { repo } = waitingRepo();
      const r = toFullDisk(repo.root, ['status']);
      expect(r.stderr).toBe('baton: standard output cannot be written (ENOSPC: no space left on device)\n');
      expect(r.status).toBe(1);
    });
  },
);

const hasScript = spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;

/**
 * Runs `baton <args>` on a pseudo-terminal of its own (util-linux `script`), stderr to a file: Baton
 * leads the terminal's session (`exec`), as a shell in a terminal window does, so its closing sends
 * Baton the SIGHUP. Resolves Baton's pid once it started.
 */
async function onTerminal(root: string, args: string) {
  const pidFile = join(root, '.git', 'baton-pid');
  const errFile = join(root, '.git', 'baton-err');
  const screen = join(root, '.git', 'baton-screen');
  const command = `echo $$ > '${pidFile}'; exec '${process.execPath}' '${BATON_BIN}' ${args} 2>'${errFile}'`;
  // detached: `script` leads a session of its own, and the terminal closed is the one it made.
  const terminal = spawn('script', ['-qfc', command, screen], { cwd: root, detached: true, stdio: 'ignore' });
  expect(await until(() => existsSync(pidFile), 40_000)).toBe(true);
  const pid = Number(readFileSync(pidFile, 'utf8'));
  return {
    /** Kills the terminal program, as closing its window does. */
    close: () => process.kill(terminal.pid!, 'SIGKILL'),
    ended: () => until(() => !running(pid), 15_000),
    err: () => readFileSync(errFile, 'utf8'),
    /** What reached the terminal so far. */
    screen: () => (existsSync(screen) ? readFileSync(screen, 'utf8') : ''),
  };
}

/** Whether `pid` runs (a zombie waiting for its parent counts as ended). */
function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

const CRASH = /Error: write EIO|Assertion failed|internal error|\n\s+at /;

describe.skipIf(!hasScript)('baton in a terminal that is closed (the terminal program killed)', () => {
  it('run: SIGHUP stops the agents and records it; no EIO exception, no native assertion', async () => {
    const { repo, log } = waitingRepo();
    const terminal = await onTerminal(repo.root, 'run');
    expect(await until(() => has(log, 'feature.started'), 40_000)).toBe(true);
    terminal.close();
    expect(await terminal.ended()).toBe(true);
    expect(events(log).find((e) => e.type === 'feature.ended')?.reason).toContain(
      'the terminal was closed (SIGHUP)',
    );
    expect(events(log).find((e) => e.type === 'run.ended')?.outcome).toBe('interrupted');
    expect(terminal.err()).toContain('stopping every agent');
    expect(terminal.err()).not.toMatch(CRASH);
  });

  it('status --watch: ends quietly, without a native assertion on the hung-up terminal', async () => {
    const { repo } = waitingRepo();
    const terminal = await onTerminal(repo.root, 'status --watch');
    expect(await until(() => terminal.screen().includes('w1'), 40_000)).toBe(true);
    terminal.close();
    expect(await terminal.ended()).toBe(true);
    expect(terminal.err()).not.toMatch(CRASH);
  });
});
