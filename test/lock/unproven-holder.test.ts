// A lock file is anyone's to write (an agent, a copied `.baton/`), so the pid it names is believed to
// be a live Baton only when proven: its recorded start time matches the live process's, or, where the
// lock records none, the process started before the lock's `since` and runs node on Baton. A lock
// naming pid 1 or the user's own `sleep` used to refuse every command for as long as that process
// lived, with a hint to `kill -INT` it.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { procAvailable, processInfo } from '../../src/guard/proc.js';
import {
  acquireBatonLock,
  batonRunning,
  describeTakeOver,
  holderProof,
  lockPath,
  stopHolderHint,
  unprovenHolders,
} from '../../src/lock/baton-lock.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function tempRoot(): string {
  const root = mkdtempSync(join(tmpdir(), 'baton-unproven-'));
  mkdirSync(join(root, '.baton'));
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  return root;
}

/** A live process running `args` (node's own by default), killed after the test. */
async function live(command: string, args: string[]): Promise<number> {
  const child: ChildProcess = spawn(command, args, { stdio: 'ignore' });
  cleanups.push(() => child.kill('SIGKILL'));
  await new Promise((r) => child.once('spawn', r));
  if (child.pid === undefined) throw new Error('no child');
  return child.pid;
}

function caught(f: () => unknown): UserError {
  try {
    f();
  } catch (err) {
    if (err instanceof UserError) return err;
    throw err;
  }
  throw new Error('did not throw');
}

describe.runIf(procAvailable())('a lock naming a live process not proven to be Baton', () => {
  it('refuses without telling the user to kill it, and says how to remove the lock', async () => {
    const root = tempRoot();
    const pid = await live('sleep', ['60']);
    const path = lockPath(root, 'run');
    // Taken after the sleep started, with no start time: nothing proves the sleep took it.
    writeFileSync(
      path,
      JSON.stringify({ pid, since: new Date(Date.now() + 1000).toISOString(), command: 'run' }),
    );
    const err = caught(() => acquireBatonLock(root, 'verify'));
    expect(err.code).toBe('lock/busy');
    expect(err.message).toContain(`${path} names a live process that is not proven to be Baton (pid ${pid}`);
    expect(err.hint).toContain(`rm ${path}`);
    expect(`${err.message} ${err.hint}`).not.toContain('kill');
    expect(
      holderProof(JSON.parse(JSON.stringify({ pid, since: new Date().toISOString(), command: 'run' }))),
    ).toBe('unproven');
    // `stop` and `clean --dry-run` build their hint by the same rule.
    const running = batonRunning(root);
    expect(running?.pid).toBe(pid);
    expect(stopHolderHint(running as NonNullable<typeof running>, path)).not.toContain('kill');
    // `baton doctor` names it (its `baton lock` line).
    expect(unprovenHolders(root).map((u) => [u.path, u.holder.pid])).toEqual([[path, pid]]);
  });

  it('takes over a lock whose process started after the lock says it was taken (pid 1, a recycled pid)', async () => {
    const root = tempRoot();
    const pid = await live('sleep', ['60']);
    for (const named of [1, pid]) {
      writeFileSync(
        lockPath(root, 'run'),
        JSON.stringify({ pid: named, since: '2020-01-01T00:00:00.000Z', command: 'run' }),
      );
      const lock = acquireBatonLock(root, 'run');
      expect(describeTakeOver(lock)).toContain(
        `pid ${named} (baton run, since 2020-01-01T00:00:00.000Z) is another process now`,
      );
      lock.release();
    }
  });

  it('believes a holder whose recorded start time matches, and one without it that runs node on Baton', async () => {
    const root = tempRoot();
    const sleeper = await live('sleep', ['60']);
    const path = lockPath(root, 'integrate');
    writeFileSync(
      path,
      JSON.stringify({
        pid: sleeper,
        process_started_ms: processInfo(sleeper)?.startMs,
        since: new Date().toISOString(),
        command: 'integrate',
      }),
    );
    const proven = caught(() => acquireBatonLock(root, 'run'));
    expect(proven.message).toContain(`another Baton is running (pid ${sleeper}`);
    expect(proven.hint).toContain(`kill -INT ${sleeper}`);

    // A Baton whose lock records no start time (no /proc where it started): its command line proves it.
    const bin = join(root, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'baton.js'), 'setInterval(() => {}, 1000);\n');
    const baton = await live(process.execPath, [join(bin, 'baton.js'), 'run']);
    writeFileSync(
      path,
      JSON.stringify({ pid: baton, since: new Date(Date.now() + 1000).toISOString(), command: 'integrate' }),
    );
    const named = caught(() => acquireBatonLock(root, 'run'));
    expect(named.message).toContain(`another Baton is running (pid ${baton}`);
    expect(named.hint).toContain(`kill -INT ${baton}`);
  });
});
