// The lock names the command that holds it as the user typed it (`pick` takes the run lock), and what
// it prints from a lock file, anyone's to write, has its control characters escaped.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { processInfo } from '../../src/guard/proc.js';
import { acquireBatonLock, describeTakeOver, lockPath } from '../../src/lock/baton-lock.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function tempRoot(): string {
  const root = mkdtempSync(join(tmpdir(), 'baton-lock-'));
  mkdirSync(join(root, '.baton'));
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  return root;
}

function liveChild(): number {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  cleanups.push(() => child.kill('SIGKILL'));
  if (child.pid === undefined) throw new Error('no child');
  return child.pid;
}

describe('the Baton lock', () => {
  it('records the command that took it under another kind, and a second Baton names it', () => {
    const root = tempRoot();
    const lock = acquireBatonLock(root, 'run', { as: 'pick' });
    const held = JSON.parse(readFileSync(lock.path, 'utf8'));
    expect(held).toMatchObject({ command: 'run', as: 'pick', pid: process.pid });
    lock.release();

    const pid = liveChild();
    writeFileSync(
      lockPath(root, 'run'),
      JSON.stringify({
        pid,
        process_started_ms: processInfo(pid)?.startMs,
        since: '2026-12-03T00:00:00.000Z',
        command: 'run',
        as: 'pick',
      }),
    );
    expect(() => acquireBatonLock(root, 'integrate')).toThrow(
      `another Baton is running (pid ${pid}, since 2026-12-03T00:00:00.000Z: baton pick)`,
    );
  });

  it('escapes control characters a lock file carries', () => {
    const root = tempRoot();
    const pid = liveChild();
    writeFileSync(
      lockPath(root, 'verify'),
      JSON.stringify({ pid, since: 'now\u001b[2J', command: 'verify', as: 'x\u001b]0;owned\u0007' }),
    );
    let message = '';
    try {
      acquireBatonLock(root, 'run');
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('baton x\\x1b]0;owned\\x07');
    expect(message).toContain('since now\\x1b[2J');
    expect(message).not.toContain('\u001b');
  });

  it('says which command left a stale lock it took over', () => {
    const root = tempRoot();
    // A pid that is not running: the lock is stale.
    writeFileSync(
      lockPath(root, 'run'),
      JSON.stringify({ pid: 2 ** 22 - 7, since: '2026-12-03T00:00:00.000Z', command: 'run', as: 'pick' }),
    );
    const lock = acquireBatonLock(root, 'run');
    cleanups.push(() => lock.release());
    expect(describeTakeOver(lock)).toContain(
      '(baton pick, since 2026-12-03T00:00:00.000Z) is no longer running',
    );
  });
});
