import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeExit, groupAlive, spawnSupervised } from '../../src/process/supervise.js';

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
