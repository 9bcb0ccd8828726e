import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { proveRunGroup } from '../../src/guard/group-proof.js';
import { ownProcessGroup } from '../../src/guard/proc.js';
import { acquireBatonLock } from '../../src/lock/baton-lock.js';
import { foldEvents } from '../../src/log/fold.js';
import { scanOrphans, stopOrphans } from '../../src/runner/resume.js';
import { runBaton } from '../rig/cli.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';
import { BATON_BIN, built, hostileRepo, unrelatedSleeper } from './rig.js';

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
    const { orphans, refused } = scanOrphans(state);
    expect(orphans).toEqual([]);
    expect(refused.map((r) => r.feature_id).sort()).toEqual([
      'feature-001-a',
      'feature-002-b',
      'feature-003-c',
    ]);
    expect(refused.find((r) => r.feature_id === 'feature-001-a')?.reason).toMatch(/lack BATON_RUN_ID/);
    await stopOrphans(orphans, 200);
    expect(bystander.alive()).toBe(true);
  });

  it('proves and stops a real agent group that carries the run’s BATON_RUN_ID', async () => {
    const child = spawn('sleep', ['300'], {
      detached: true,
      stdio: 'ignore',
      env: { ...process.env, BATON_RUN_ID: RUN },
    });
    const pgid = child.pid as number;
    cleanups.push(() => {
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        // gone
      }
    });
    await new Promise((r) => setTimeout(r, 100));
    expect(proveRunGroup({ pgid, runId: RUN })).toMatchObject({ ok: true });
    expect(proveRunGroup({ pgid, runId: 'another-run' })).toMatchObject({ ok: false });
    const exited = new Promise((r) => child.once('exit', r));
    await stopOrphans([{ feature_id: 'feature-001-a', pgid }], 2000);
    await exited;
  });

  it('a run whose orchestrator died shows interrupted in status, not running forever', async () => {
    const r = repo();
    const dead = spawnSync('true').pid as number;
    mkdirSync(join(r.root, '.baton'));
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
  });
});

describe.runIf(built)('adversarial: one Baton at a time', () => {
  it('refuses a second Baton while one holds the lock, and takes over a dead one’s lock, saying so', async () => {
    const r = hostileRepo({ 'feature-001-a': 'touch never-run' });
    cleanups.push(() => r.cleanup());
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
    expect(second.stderr).toContain(`another Baton is running (pid ${holder.pid}`);
    expect(r.git('branch', '--list', 'baton/*')).toBe('');
    const gone = new Promise((res) => holder.once('exit', res));
    holder.kill('SIGKILL');
    await gone;
    const lock = acquireBatonLock(r.root, 'run');
    expect(lock.tookOver?.pid).toBe(holder.pid);
    lock.release();
  });
});
