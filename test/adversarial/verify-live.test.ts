/**
 * `baton verify` takes part in "one Baton at a time": while a live run holds its lock, verify is
 * refused with "another Baton is running (pid N, since …)" and checks nothing (the agent is still
 * writing the worktree); while a verify runs, `run`, `integrate` and `clean` are refused in turn,
 * naming it. Real processes: a live run, then a live verify.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runBaton } from '../rig/cli.js';
import { contractFiles } from '../rig/contracts.js';
import { makeRepo } from '../rig/repo.js';
import { until } from '../rig/wait.js';
import { BATON_BIN, built, events, expectErrorLine, processesMatching, runBin, watchWorld } from './rig.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

/** Starts `baton <args>` in the background; killed when the test ends. */
function startBaton(root: string, args: string[]) {
  const child = spawn(process.execPath, [BATON_BIN, ...args], {
    cwd: root,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: 'ignore',
  });
  cleanups.push(() => child.kill('SIGKILL'));
  return child;
}

/** The `since` the lock file records. */
const since = (lock: string) => (JSON.parse(readFileSync(lock, 'utf8')) as { since: string }).since;

describe.runIf(built)('adversarial: verify and the one-Baton lock', () => {
  it('is refused while a run holds the lock, and holds it itself while its checks run', async () => {
    const agent = `baton-verify-live-agent-${process.pid}-${Date.now()}`;
    const check = `baton-verify-live-check-${process.pid}-${Date.now()}`;
    const r = makeRepo({
      'README.md': '# app\n',
      ...contractFiles([
        {
          id: 'feature-001-a',
          agent: { command: `sleep 60 && echo ${agent}` },
          criteria: [
            { id: 'slow', text: 'takes its time', run: `sleep 60 && echo ${check}` },
            { id: 'quick', text: 'passes at once', run: 'true' },
          ],
        },
      ]),
    });
    cleanups.push(() => r.cleanup());
    const world = watchWorld(r);

    // A live run whose agent is still working in the worktree.
    const run = startBaton(r.root, ['run']);
    const runLock = join(r.root, '.baton', 'run.lock');
    expect(await until(() => processesMatching(agent).length > 0 && existsSync(runLock), 30_000)).toBe(true);
    for (const args of [['verify', 'feature-001-a'], ['verify'], ['verify', '--on', 'integration']]) {
      // One through the real binary (its exit code and stderr as a process gives them), the rest in-process.
      const v = args.length === 1 ? runBin(args, { cwd: r.root }) : await runBaton(args, { cwd: r.root });
      expect(v.code, v.stderr).toBe(1);
      expect(expectErrorLine(v.stderr, 'lock/busy')).toBe(
        `baton: another Baton is running (pid ${run.pid}, since ${since(runLock)}: baton run) [lock/busy]`,
      );
    }
    // Nothing was checked under the agent.
    expect(events(r).filter((e) => e.type.startsWith('check.'))).toEqual([]);
    const ended = new Promise((res) => run.once('exit', res));
    run.kill('SIGINT');
    await ended;
    expect(await until(() => processesMatching(agent).length === 0, 15_000)).toBe(true);

    // Now a verify runs (its slow check in the worktree), and holds the lock against the others.
    const verify = startBaton(r.root, ['verify', 'feature-001-a']);
    const verifyLock = join(r.root, '.baton', 'verify.lock');
    expect(await until(() => processesMatching(check).length > 0 && existsSync(verifyLock), 30_000)).toBe(
      true,
    );
    for (const args of [['run'], ['integrate'], ['clean', '--force'], ['verify']]) {
      // One through the real binary, the rest in-process.
      const other = args[0] === 'run' ? runBin(args, { cwd: r.root }) : await runBaton(args, { cwd: r.root });
      expect(other.code, other.stderr).toBe(1);
      expect(expectErrorLine(other.stderr, 'lock/busy')).toBe(
        `baton: another Baton is running (pid ${verify.pid}, since ${since(verifyLock)}: baton verify) [lock/busy]`,
      );
    }
    const stopped = new Promise<number | null>((res) => verify.once('exit', (code) => res(code)));
    verify.kill('SIGINT');
    expect(await stopped).toBe(1);
    expect(await until(() => processesMatching(check).length === 0, 15_000)).toBe(true);
    // The locks went with their holders.
    expect(existsSync(verifyLock)).toBe(false);
    expect(existsSync(runLock)).toBe(false);
    world.expectUntouched();
  });
});
