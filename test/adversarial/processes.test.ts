import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { proveRunGroup } from '../../src/guard/group-proof.js';
import { orphanClaim, scanOrphans, stopOrphans } from '../../src/guard/orphans.js';
import { ownProcessGroup } from '../../src/guard/proc.js';
import { acquireBatonLock } from '../../src/lock/baton-lock.js';
import { foldEvents } from '../../src/log/fold.js';
import { runBaton } from '../rig/cli.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';
import {
  BATON_BIN,
  built,
  events,
  expectErrorLine,
  hostileRepo,
  unrelatedSleeper,
  watchWorld,
} from './rig.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});
function repo(): TempRepo {
  const r = makeRepo();
  cleanups.push(() => r.cleanup());
  return r;
}
const ts = (d = new Date()) => d.toISOString();
const RUN = '20260101T000000Z-abcdef';
/** The log of the repository a test's process claims are judged for. */
const LOG = '/nowhere/repo/.baton/log.jsonl';

describe('adversarial: never act on what the log claims', () => {
  it('--resume leaves a forged pgid alone (an unrelated setsid sleep, pgid 1, Baton’s own group) and says why', async () => {
    const bystander = unrelatedSleeper();
    cleanups.push(() => bystander.kill());
    await new Promise((r) => setTimeout(r, 100));
    const forged = (feature_id: string, pgid: number) => ({
      v: 1,
      ts: ts(),
      run_id: RUN,
      type: 'feature.started',
      feature_id,
      status: 'running',
      agent: 'x',
      branch: `baton/${feature_id}`,
      worktree: '/tmp/x',
      log_file: '/tmp/x',
      port: 1,
      pid: pgid,
      pgid,
    });
    const state = foldEvents([
      forged('feature-001-a', bystander.pid),
      forged('feature-002-b', 1),
      forged('feature-003-c', ownProcessGroup() as number),
    ] as never);
    const { orphans, refused } = scanOrphans(state, LOG);
    expect(orphans).toEqual([]);
    expect(refused.map((r) => r.feature_id).sort()).toEqual([
      'feature-001-a',
      'feature-002-b',
      'feature-003-c',
    ]);
    expect(refused.find((r) => r.feature_id === 'feature-001-a')?.reason).toMatch(/lack BATON_RUN_ID/);
    await stopOrphans(orphans, orphanClaim(state, LOG), 200);
    expect(bystander.alive()).toBe(true);
  });

  it('baton run --resume, given a log that names the bystander’s group, pgid 1 and Baton’s own group, signals none of them and says why', async () => {
    const agent = 'mkdir -p "src/$BATON_FEATURE_ID" && echo done > "src/$BATON_FEATURE_ID/a.txt"';
    const r = hostileRepo({ 'feature-001-a': agent, 'feature-002-b': agent, 'feature-003-c': agent });
    cleanups.push(() => r.cleanup());
    const world = watchWorld(r);
    const base = r.git('rev-parse', 'HEAD');
    const dead = spawnSync('true').pid as number;
    const forged = (feature_id: string, pgid: number) => ({
      v: 1,
      ts: ts(),
      run_id: RUN,
      type: 'feature.started',
      feature_id,
      status: 'running',
      agent: 'command',
      branch: `baton/${feature_id}`,
      // Paths the log claims: outside the repository, where nothing may be touched.
      worktree: dirname(r.root),
      log_file: join(dirname(r.root), 'canary.txt'),
      port: 1,
      pid: pgid,
      pgid,
    });
    const lines = [
      {
        v: 1,
        ts: ts(),
        type: 'run.started',
        run_id: RUN,
        feature_ids: ['feature-001-a', 'feature-002-b', 'feature-003-c'],
        concurrency: 3,
        base: 'main',
        base_commit: base,
        mode: 'contract-first',
        pid: dead,
      },
      forged('feature-001-a', world.bystander.pid),
      forged('feature-002-b', 1),
      // The test runs Baton in-process: Baton's own group is this test's, which must survive too.
      forged('feature-003-c', ownProcessGroup() as number),
    ];
    mkdirSync(join(r.root, '.baton'), { recursive: true });
    writeFileSync(join(r.root, '.baton', 'log.jsonl'), lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
    const res = await runBaton(['run', '--resume'], { cwd: r.root });
    expect(res.code, res.stderr + res.stdout).toBe(0);
    expect(res.stdout).toContain(`left group ${world.bystander.pid} of feature-001-a alone`);
    const started = events(r)
      .filter((e) => e.type === 'run.started')
      .at(-1) as unknown as {
      refused_orphans?: Array<{ feature_id: string; pgid: number; reason: string }>;
    };
    expect(started.refused_orphans?.map((o) => [o.feature_id, o.pgid]).sort()).toEqual([
      ['feature-001-a', world.bystander.pid],
      ['feature-002-b', 1],
      ['feature-003-c', ownProcessGroup()],
    ]);
    world.expectUntouched();
  });

  it('proves and stops a real agent group that carries the run’s BATON_RUN_ID, this repository’s BATON_LOG and its unit', async () => {
    const child = spawn('sleep', ['300'], {
      detached: true,
      stdio: 'ignore',
      env: { ...process.env, BATON_RUN_ID: RUN, BATON_LOG: LOG, BATON_FEATURE_ID: 'feature-001-a' },
    });
    const pgid = child.pid as number;
    cleanups.push(() => {
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        // gone
      }
    });
    const bystander = unrelatedSleeper();
    cleanups.push(() => bystander.kill());
    await new Promise((r) => setTimeout(r, 100));
    const claim = { pgid, runId: RUN, logPath: LOG, unitId: 'feature-001-a' };
    expect(proveRunGroup(claim)).toMatchObject({ ok: true });
    expect(proveRunGroup({ ...claim, pgid: bystander.pid })).toMatchObject({ ok: false });
    expect(proveRunGroup({ ...claim, runId: 'another-run' })).toMatchObject({ ok: false });
    // The run id is the log's word: another repository's log, or another unit, proves nothing.
    expect(proveRunGroup({ ...claim, logPath: '/elsewhere/repo/.baton/log.jsonl' })).toMatchObject({
      ok: false,
    });
    expect(proveRunGroup({ ...claim, unitId: 'feature-002-b' })).toMatchObject({ ok: false });
    const exited = new Promise((r) => child.once('exit', r));
    await stopOrphans([{ feature_id: 'feature-001-a', pgid }], () => claim, 2000);
    await exited;
    expect(bystander.alive()).toBe(true);
  });

  it('a run whose orchestrator died shows interrupted in status, not running forever', async () => {
    const r = repo();
    const dead = spawnSync('true').pid as number;
    mkdirSync(join(r.root, '.baton'));
    const world = watchWorld(r);
    const lines = [
      {
        v: 1,
        ts: ts(),
        type: 'run.started',
        run_id: RUN,
        feature_ids: ['feature-001-a'],
        concurrency: 1,
        base: 'HEAD',
        base_commit: 'abc',
        mode: 'contract-first',
        pid: dead,
      },
      {
        v: 1,
        ts: ts(),
        run_id: RUN,
        type: 'feature.started',
        feature_id: 'feature-001-a',
        status: 'running',
        agent: 'x',
        branch: 'baton/feature-001-a',
        worktree: '/tmp/x',
        log_file: '/etc/passwd',
        port: 1,
      },
    ];
    writeFileSync(join(r.root, '.baton', 'log.jsonl'), lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
    const status = await runBaton(['status', '--json'], { cwd: r.root });
    const json = JSON.parse(status.stdout) as { features: Array<{ feature_id: string; status: string }> };
    expect(json.features.find((f) => f.feature_id === 'feature-001-a')?.status).toBe('interrupted');
    const text = await runBaton(['status'], { cwd: r.root });
    expect(text.stdout).toContain(`run ${RUN} (interrupted)`);
    world.expectUntouched();
  });
});

describe.runIf(built)('adversarial: one Baton at a time', () => {
  it('refuses a second Baton while one holds the lock, and takes over a dead one’s lock, saying so', async () => {
    const r = hostileRepo({ 'feature-001-a': 'touch never-run' });
    cleanups.push(() => r.cleanup());
    const world = watchWorld(r);
    const holder = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { acquireBatonLock } from ${JSON.stringify(join(BATON_BIN, '..', '..', 'dist', 'lock', 'baton-lock.js'))};
         acquireBatonLock(${JSON.stringify(r.root)}, 'run'); console.log('held'); setInterval(() => {}, 1000);`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    cleanups.push(() => holder.kill('SIGKILL'));
    await new Promise<void>((resolve) => holder.stdout?.once('data', () => resolve()));
    expect(() => acquireBatonLock(r.root, 'run')).toThrow(
      `another Baton is running (pid ${holder.pid}, since`,
    );
    expect(() => acquireBatonLock(r.root, 'integrate')).toThrow(
      expect.objectContaining({ code: 'lock/busy' }),
    );
    const second = await runBaton(['run'], { cwd: r.root });
    expect(second.code).toBe(1);
    expect(expectErrorLine(second.stderr, 'lock/busy')).toContain(
      `another Baton is running (pid ${holder.pid}`,
    );
    const integrate = await runBaton(['integrate'], { cwd: r.root });
    expect(integrate.code).toBe(1);
    expect(expectErrorLine(integrate.stderr, 'lock/busy')).toContain(`(pid ${holder.pid}`);
    expect(r.git('branch', '--list', 'baton/*')).toBe('');
    world.expectUntouched();
    const gone = new Promise((res) => holder.once('exit', res));
    holder.kill('SIGKILL');
    await gone;
    const lock = acquireBatonLock(r.root, 'run');
    expect(lock.tookOver?.pid).toBe(holder.pid);
    lock.release();
    world.expectUntouched();
  });
});
