// Two Batons starting at once must never both run. A stale lock used to be removed by whoever found
// it stale, so a second Baton that had also found it stale removed the first one's new lock and ran
// beside it (seen in 1 of 25 rounds of 6 commands); and a lock a Baton had just created, still empty,
// was taken for junk and removed. The other Baton is a real process here, doing by hand what a
// starting Baton does at the moment the race needs.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { acquireBatonLock, earlierOtherHolder, lockPath } from '../../src/lock/baton-lock.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function tempRoot(): string {
  const root = mkdtempSync(join(tmpdir(), 'baton-takeover-'));
  mkdirSync(join(root, '.baton'));
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  return root;
}

/** A live process that runs `script` (with `fs` and the lock's `path`), then stays alive. */
async function otherBaton(path: string, script: string): Promise<ChildProcess & { pid: number }> {
  const child = spawn(
    process.execPath,
    [
      '-e',
      `const fs = require('node:fs'); const path = ${JSON.stringify(path)}; ${script}; setInterval(() => {}, 1000);`,
    ],
    { stdio: 'ignore' },
  );
  cleanups.push(() => child.kill('SIGKILL'));
  await new Promise((r) => child.once('spawn', r));
  if (child.pid === undefined) throw new Error('no child');
  return child as ChildProcess & { pid: number };
}

/** What a Baton writes into its lock: itself, live, with its start time as /proc gives it. */
const holderOf = (command: string) =>
  `JSON.stringify({ pid: process.pid, process_started_ms: ${START_MS}, since: new Date().toISOString(), command: ${JSON.stringify(command)} })`;

/** This process's start time (ms since the epoch) the way Baton reads it from /proc (guard/proc.ts). */
const START_MS = `(() => {
  const stat = fs.readFileSync('/proc/self/stat', 'utf8');
  const ticks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
  const boot = Number(/^btime (\\d+)$/m.exec(fs.readFileSync('/proc/stat', 'utf8'))[1]) * 1000;
  return boot + ticks * 10;
})()`;

/** A stale lock: a pid that is not running. */
const stale = JSON.stringify({ pid: 2 ** 22 - 7, since: '2026-12-01T00:00:00.000Z', command: 'verify' });

describe('taking the lock while another Baton starts', () => {
  it('waits for a lock another Baton has created and not yet written, then refuses it', async () => {
    const root = tempRoot();
    const path = lockPath(root, 'verify');
    // The other Baton's open(O_EXCL) has made the file; its write comes 300 ms later.
    writeFileSync(path, '');
    const other = await otherBaton(
      path,
      `setTimeout(() => fs.writeFileSync(path, ${holderOf('verify')}), 300)`,
    );
    expect(() => acquireBatonLock(root, 'verify')).toThrow(`another Baton is running (pid ${other.pid}`);
  });

  it('leaves a stale lock to the Baton taking it over, and refuses the lock that one takes', async () => {
    const root = tempRoot();
    const path = lockPath(root, 'verify');
    writeFileSync(path, stale);
    // The other Baton found it stale first and holds the takeover guard: it replaces the stale lock
    // with its own (in one step here, so that no moment without a lock lets this one in by its
    // O_EXCL create, which would be as right), then lets go of the guard.
    writeFileSync(`${path}.takeover`, '1\n');
    const other = await otherBaton(
      path,
      `setTimeout(() => { fs.writeFileSync(path + '.next', ${holderOf('verify')}); fs.renameSync(path + '.next', path); fs.unlinkSync(path + '.takeover'); }, 300)`,
    );
    expect(() => acquireBatonLock(root, 'verify')).toThrow(`another Baton is running (pid ${other.pid}`);
  });

  it('takes over a stale lock once no other Baton is taking it over, and a guard its taker left behind', () => {
    const root = tempRoot();
    const path = lockPath(root, 'verify');
    writeFileSync(path, stale);
    // A Baton that died holding the guard, a minute ago.
    writeFileSync(`${path}.takeover`, '1\n');
    const minuteAgo = new Date(Date.now() - 60_000);
    utimesSync(`${path}.takeover`, minuteAgo, minuteAgo);
    const lock = acquireBatonLock(root, 'verify');
    cleanups.push(() => lock.release());
    expect(lock.tookOver?.pid).toBe(2 ** 22 - 7);
  });

  it('of two kinds taken at once, the one whose lock came second gives way, by the times they recorded', async () => {
    const root = tempRoot();
    const theirs = lockPath(root, 'verify');
    const other = await otherBaton(theirs, `fs.writeFileSync(path, ${holderOf('verify')})`);
    await expect.poll(() => existsSync(theirs) && readFileSync(theirs, 'utf8').length > 0).toBe(true);
    const since = String(JSON.parse(readFileSync(theirs, 'utf8')).since);
    const at = (ms: number) => new Date(Date.parse(since) + ms).toISOString();
    // Their lock rewritten after ours was made (a run records its run id so): its file is newer, its
    // holder still came first.
    const later = new Date(Date.now() + 5_000);
    utimesSync(theirs, later, later);
    expect(
      earlierOtherHolder(root, 'run', { pid: process.pid, since: at(1), command: 'run' })?.holder.pid,
    ).toBe(other.pid);
    // Ours first: theirs gives way, not ours.
    expect(
      earlierOtherHolder(root, 'run', { pid: process.pid, since: at(-1), command: 'run' }),
    ).toBeUndefined();
    // The same millisecond: the lower pid came first, for both.
    const tie = earlierOtherHolder(root, 'run', { pid: process.pid, since, command: 'run' });
    expect(tie?.holder.pid).toBe(other.pid < process.pid ? other.pid : undefined);
  });
});
