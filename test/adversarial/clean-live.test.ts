/**
 * `baton clean` while another Baton runs: refused with "another Baton is running (pid N, since …)",
 * `--force` or not, and the live run's agent, worktree and branch are untouched (a real live run).
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runBaton } from '../rig/cli.js';
import { until } from '../rig/wait.js';
import {
  BATON_BIN,
  built,
  expectErrorLine,
  hostileRepo,
  processesMatching,
  runBin,
  watchWorld,
} from './rig.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

describe.runIf(built)('adversarial: clean while another Baton runs', () => {
  it('is refused with the holder named, and the live agent is untouched', async () => {
    const marker = `baton-clean-live-${process.pid}-${Date.now()}`;
    // The agent: a shell whose command line carries a unique marker, so the test can find it.
    const r = hostileRepo({ 'feature-001-a': `sleep 60 && echo ${marker}` });
    cleanups.push(() => r.cleanup());
    const world = watchWorld(r);
    const run = spawn(process.execPath, [BATON_BIN, 'run'], {
      cwd: r.root,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: 'ignore',
    });
    cleanups.push(() => run.kill('SIGKILL'));
    const lock = join(r.root, '.baton', 'run.lock');
    // One process carries the marker once settled: the agent's shell (its child, between fork and
    // exec of `sleep`, shows the same command line for a moment).
    expect(await until(() => processesMatching(marker).length === 1 && existsSync(lock), 30_000)).toBe(true);
    const agents = processesMatching(marker);
    const since = (JSON.parse(readFileSync(lock, 'utf8')) as { since: string }).since;
    const worktree = r.git('worktree', 'list', '--porcelain');
    for (const args of [['clean'], ['clean', '--force'], ['clean', '--force', '--all', 'feature-001-a']]) {
      // The first through the real binary (its exit code and stderr as a process gives them), the rest in-process.
      const c = args.length === 1 ? runBin(args, { cwd: r.root }) : await runBaton(args, { cwd: r.root });
      expect(c.code, c.stderr).toBe(1);
      expect(expectErrorLine(c.stderr, 'lock/busy')).toContain(
        `baton: another Baton is running (pid ${run.pid}, since ${since}`,
      );
    }
    const json = await runBaton(['clean', '--json'], { cwd: r.root });
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, error: { code: 'lock/busy' } });
    // --dry-run changes nothing and may still look; its hint says to wait, since --force is refused too.
    const dry = await runBaton(['clean', '--dry-run'], { cwd: r.root });
    expect(dry.stderr).not.toContain('another Baton');
    expect(dry.stdout).toContain('Refused 1');
    expect(dry.stdout).not.toContain('--force');
    expect(dry.stdout).toContain(
      `hint: another Baton is running (pid ${run.pid}: baton run), and clean removes nothing while it runs: wait for it to finish, or stop it (kill -INT ${run.pid}), then clean.`,
    );
    // The live run's agent, worktree and branch are all still there.
    expect(processesMatching(marker)).toEqual(agents);
    expect(r.git('worktree', 'list', '--porcelain')).toBe(worktree);
    expect(r.git('branch', '--list', 'baton/feature-001-a')).toContain('baton/feature-001-a');
    world.expectUntouched();
    const ended = new Promise((res) => run.once('exit', res));
    run.kill('SIGINT');
    await ended;
    expect(await until(() => processesMatching(marker).length === 0, 15_000)).toBe(true);
    // Once the run is gone, clean works again.
    const after = await runBaton(['clean', '--force'], { cwd: r.root });
    expect(after.stderr).not.toContain('another Baton');
    world.expectUntouched();
  });
});
