import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeExit, groupAlive, spawnSupervised } from '../../src/process/supervise.js';

/** The built module (\`npm run build\`), run by a Node whose open-file limit a test lowers. */
const SUPERVISE_BUILT = resolve(import.meta.dirname, '..', '..', 'dist', 'process', 'supervise.js');

describe('spawnSupervised', () => {
  it('captures output and the exit code', async () => {
    const p = spawnSupervised('echo hello; exit 3', { cwd: tmpdir(), env: process.env, shell: true });
    const exit = await p.exited;
    expect(exit.exitCode).toBe(3);
    expect(exit.stdout).toContain('hello');
    expect(describeExit(exit)).toBe('exit 3');
  });

  it('appends output to a log file', async () => {
    const log = join(mkdtempSync(join(tmpdir(), 'baton-proc-')), 'agent.log');
    const p = spawnSupervised('echo out; echo err >&2', {
      cwd: tmpdir(),
      env: process.env,
      shell: true,
      logFile: log,
    });
    await p.exited;
    const text = readFileSync(log, 'utf8');
    expect(text).toContain('out');
    expect(text).toContain('err');
  });

  it('stops the whole process group at its timeout, grandchildren included', async () => {
    const p = spawnSupervised('sleep 60 & sleep 60 & wait', {
      cwd: tmpdir(),
      env: process.env,
      shell: true,
      timeoutMs: 300,
      killGraceMs: 500,
    });
    const started = Date.now();
    const exit = await p.exited;
    expect(Date.now() - started).toBeLessThan(3000);
    expect(exit.timedOut).toBe(true);
    expect(groupAlive(p.pgid!)).toBe(false);
  });

  it('stops a group that says nothing for `silenceMs`, and lets one that keeps talking run past it', async () => {
    const opts = { cwd: tmpdir(), env: process.env, shell: true, silenceMs: 400, killGraceMs: 500 };
    const silent = spawnSupervised('sleep 60 & wait', opts);
    const started = Date.now();
    const quiet = await silent.exited;
    expect(Date.now() - started).toBeLessThan(3000);
    expect(quiet.timedOut).toBe(true);
    expect(groupAlive(silent.pgid!)).toBe(false);
    const talking = await spawnSupervised('for i in 1 2 3 4 5; do echo $i >&2; sleep 0.2; done', opts).exited;
    expect(talking.timedOut).toBe(false);
    expect(talking.exitCode).toBe(0);
  });

  it('force-kills a group that ignores SIGTERM', async () => {
    const p = spawnSupervised("trap '' TERM; sleep 30 & wait", {
      cwd: tmpdir(),
      env: process.env,
      shell: true,
      killGraceMs: 300,
    });
    await new Promise((r) => setTimeout(r, 100));
    await p.stop('interrupt');
    const exit = await p.exited;
    expect(exit.stoppedBy).toBe('interrupt');
    expect(groupAlive(p.pgid!)).toBe(false);
  });
});

describe('spawnSupervised without a wrapper library', () => {
  it('writes the input to stdin, and runs a file with its argv without a shell', async () => {
    const p = spawnSupervised('cat', { cwd: tmpdir(), env: process.env, input: 'to the agent\n' });
    expect((await p.exited).stdout).toBe('to the agent\n');
    const q = spawnSupervised('printf', { cwd: tmpdir(), env: process.env, args: ['%s|', 'a b', '$HOME'] });
    expect((await q.exited).stdout).toBe('a b|$HOME|');
  });

  it('gives exit 127 with the reason when the program cannot start, and the signal of a killed one', async () => {
    const missing = await spawnSupervised('/no/such/program', { cwd: tmpdir(), env: process.env }).exited;
    expect(missing.exitCode).toBe(127);
    expect(missing.stderr).toMatch(/ENOENT/);
    const killed = await spawnSupervised('kill -KILL $$', { cwd: tmpdir(), env: process.env, shell: true })
      .exited;
    expect(killed).toMatchObject({ exitCode: null, signal: 'SIGKILL' });
    expect(describeExit(killed)).toBe('killed by SIGKILL (exit 137)');
  });

  it('a spawn that throws at once (an argument over 128 KiB: E2BIG) is an exit 127 with the reason, not a throw', async () => {
    const p = spawnSupervised('/bin/echo', { cwd: tmpdir(), env: process.env, args: ['x'.repeat(200_000)] });
    expect(p.pid).toBeUndefined();
    await p.stop();
    const exit = await p.exited;
    expect(exit.exitCode).toBe(127);
    expect(exit.stderr).toMatch(/^Command failed to start: spawn E2BIG/);
  });

  it('a program not started for want of open files (EMFILE) is not called "command not found"', () => {
    // A real shortage: a Node under `ulimit -n 64` opens files until none is left, then spawns.
    const script = [
      `import { openSync } from 'node:fs';`,
      `import { describeExit, spawnSupervised } from ${JSON.stringify(SUPERVISE_BUILT)};`,
      `const fds = []; try { for (;;) fds.push(openSync('/dev/null', 'r')); } catch {}`,
      `const exit = await spawnSupervised('/bin/true', { cwd: '/', env: process.env }).exited;`,
      `console.log(JSON.stringify({ code: exit.exitCode, said: describeExit(exit) }));`,
    ].join('\n');
    const r = spawnSync(
      '/bin/sh',
      ['-c', 'ulimit -n 64 && exec "$0" --input-type=module -e "$1"', process.execPath, script],
      {
        encoding: 'utf8',
      },
    );
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({ code: 127, said: 'not started: too many open files (EMFILE)' });
  });

  it('stops what the leader left running once it exits (settle), output to a log file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'baton-proc-'));
    const p = spawnSupervised('sleep 60 & echo started', {
      cwd: dir,
      env: process.env,
      shell: true,
      logFile: join(dir, 'out.log'),
      settleMs: 100,
      killGraceMs: 500,
    });
    const exit = await p.exited;
    expect(exit.exitCode).toBe(0);
    expect(groupAlive(p.pgid!)).toBe(false);
    expect(readFileSync(join(dir, 'out.log'), 'utf8')).toBe('started\n');
  });
});

describe('spawnSupervised and a process that left the group holding the output pipes', () => {
  it('ends once the leader and its group are gone, keeping what was read, not when the pipe closes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'baton-proc-'));
    const pidFile = join(dir, 'daemon.pid');
    // The daemon leaves the group (setsid) with the leader's stdout and stderr: it holds the pipes for 60 s.
    const p = spawnSupervised(`echo before; setsid sleep 60 & echo $! > ${pidFile}; exit 0`, {
      cwd: dir,
      env: process.env,
      shell: true,
      timeoutMs: 30_000,
    });
    try {
      // Without the bound on the pipes this waits the daemon's 60 s: the test's own limit fails it.
      const exit = await p.exited;
      expect(exit).toMatchObject({ exitCode: 0, timedOut: false });
      expect(exit.stdout).toBe('before\n');
    } finally {
      try {
        process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGKILL');
      } catch {}
      rmSync(dir, { recursive: true, force: true });
    }
  }, 20_000);
});
