import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import {
  AGENT,
  type BatonChild,
  kill,
  makeQueuedProject,
  type QueuedProject,
  spawnBaton,
  spawnWorker,
  standInWorker,
  startRedis,
  type TestRedis,
  until,
} from './rig.js';

let cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

/**
 * A one-feature project whose agent counts itself in `$RUNS` and, with `outageAtPush`, takes the hub
 * away the first time it ends (`$HUB` renamed `$HUB.away`): the worker's push then finds no hub. Its
 * workers get `workerEnv`, the variables the agent reads.
 */
async function setup(opts: { outageAtPush?: boolean } = {}): Promise<{
  redis: TestRedis;
  p: QueuedProject;
  runs: string;
  away: string;
  workerEnv: NodeJS.ProcessEnv;
}> {
  const redis = await startRedis();
  const hideHub = '{ [ -e "$HUB.once" ] || { touch "$HUB.once" && mv "$HUB" "$HUB.away"; }; }';
  const agent = `echo run >> "$RUNS" && ${AGENT}${opts.outageAtPush ? ` && ${hideHub}` : ''}`;
  const p = makeQueuedProject(1, { agent });
  cleanups.push(
    () => redis.stop(),
    () => p.cleanup(),
  );
  const runs = join(p.scratch, 'runs');
  return { redis, p, runs, away: `${p.hub}.away`, workerEnv: { HUB: p.hub, RUNS: runs } };
}

/**
 * The hub put back `ms` after `child` said `failed` (the first try that found no hub). 2 s outlasts two
 * tries more (the worker's 0.5 s and 1 s waits, the orchestrator's readings every 0.5 s) and the job's lock
 * (2 s in these tests): the hub is waited out, not caught at the first try again.
 */
async function restoreAfter(
  p: QueuedProject,
  away: string,
  child: BatonChild,
  failed: RegExp,
  ms = 2000,
): Promise<void> {
  await until(() => existsSync(away) && failed.test(child.output()), 'a try to find no hub', 30_000);
  await new Promise((r) => setTimeout(r, ms));
  renameSync(away, p.hub);
}

const endOf = (p: QueuedProject) =>
  p.events().find((e) => e.type === 'feature.ended' && e.feature_id === 'feature-001');

const runCount = (runs: string) =>
  existsSync(runs) ? readFileSync(runs, 'utf8').trim().split('\n').length : 0;

describe('a hub that does not answer for a few seconds, on the worker', () => {
  test('at the push: the worker waits it out, the agent runs once, and its commit is promoted', async () => {
    const { redis, p, runs, away, workerEnv } = await setup({ outageAtPush: true });
    const w = spawnWorker(p, redis.url, 'w1', workerEnv);
    cleanups.push(() => kill(w));
    const orch = spawnBaton(['run', '--queue', redis.url, '--hub', p.hub], { cwd: p.repo.root });
    cleanups.push(() => kill(orch));
    await restoreAfter(p, away, w, /push of \S+ failed/);
    expect(await orch.exited, orch.output() + w.output()).toBe(0);
    expect(endOf(p)?.status).toBe('complete');
    expect(runCount(runs)).toBe(1);
    expect(w.output()).toMatch(/push of refs\/baton\/attempts\/feature-001\/\S+ failed \(.*\); trying again/);
    expect(w.output()).toMatch(/the hub answers again/);
    expect(p.repo.git('show', 'baton/feature-001:src/feature-001/index.txt')).toContain('feature-001 by');
  }, 60_000);

  test('at the fetch of the base: the job waits it out instead of spending its attempts', async () => {
    const { redis, p, runs, away, workerEnv } = await setup();
    const orch = spawnBaton(['run', '--queue', redis.url, '--hub', p.hub], { cwd: p.repo.root });
    cleanups.push(() => kill(orch));
    await until(
      () => p.events().some((e) => e.type === 'queue.job' && e.state === 'waiting'),
      'the job to be on the queue',
      20_000,
    );
    // The worker's cached clone is there already: only the fetch of the run's base needs the hub.
    const clone = join(p.scratch, 'w1', 'hub.git');
    execFileSync('git', ['clone', '-q', '--bare', p.hub, clone], { stdio: 'ignore' });
    renameSync(p.hub, away);
    const w = spawnWorker(p, redis.url, 'w1', workerEnv);
    cleanups.push(() => kill(w));
    await restoreAfter(p, away, w, /fetch of \S+ failed/);
    expect(await orch.exited, orch.output() + w.output()).toBe(0);
    expect(endOf(p)?.status).toBe('complete');
    expect(runCount(runs)).toBe(1);
    expect(w.output()).toMatch(/fetch of refs\/baton\/runs\/\S+\/base failed/);
  }, 60_000);

  test('past the retry window at the push: the job fails at once naming where the commit is kept, and the agent is not run again', async () => {
    const { redis, p, runs, workerEnv } = await setup({ outageAtPush: true });
    const w = spawnWorker(p, redis.url, 'w1', { ...workerEnv, BATON_HUB_RETRY_MS: '1000' });
    cleanups.push(() => kill(w));
    const orch = spawnBaton(['run', '--queue', redis.url, '--hub', p.hub], { cwd: p.repo.root });
    cleanups.push(() => kill(orch));
    expect(await orch.exited, orch.output()).toBe(1);
    const reason = String(endOf(p)?.reason);
    expect(reason).toMatch(/could not push refs\/baton\/attempts\/feature-001\/\S+ to the hub/);
    expect(reason).toMatch(
      /the agent's commit [0-9a-f]{12} is kept on .* \(branch baton\/\S+ of .*hub\.git\)/,
    );
    expect(runCount(runs)).toBe(1);
  }, 60_000);
});

/**
 * A stand-in worker that takes the hub away before it reports the job complete: the orchestrator's
 * fetch at promotion finds no hub.
 */
function pushThenHideHub(p: QueuedProject, redis: TestRedis, away: string): void {
  const w = standInWorker(p, redis.url, () => renameSync(p.hub, away));
  cleanups.push(() => w.close());
}

describe('a hub that does not answer at promotion, on the orchestrator', () => {
  test('for a few seconds: the fetch is tried again at later readings and the attempt is promoted', async () => {
    const { redis, p, away } = await setup();
    const orch = spawnBaton(['run', '--queue', redis.url, '--hub', p.hub], { cwd: p.repo.root });
    cleanups.push(() => kill(orch));
    pushThenHideHub(p, redis, away);
    await restoreAfter(p, away, orch, /could not fetch/);
    expect(await orch.exited, orch.output()).toBe(0);
    expect(endOf(p)?.status).toBe('complete');
    expect(orch.output()).toMatch(/could not fetch refs\/baton\/attempts\/feature-001\/\S+ from the hub/);
  }, 60_000);

  test('past the deadline: the feature fails naming the ref that keeps the work, and --resume promotes it', async () => {
    const { redis, p, away } = await setup();
    const env = { BATON_HUB_RETRY_MS: '1000' };
    const orch = spawnBaton(['run', '--queue', redis.url, '--hub', p.hub], { cwd: p.repo.root, env });
    cleanups.push(() => kill(orch));
    pushThenHideHub(p, redis, away);
    expect(await orch.exited, orch.output()).toBe(1);
    const reason = String(endOf(p)?.reason);
    expect(reason).toMatch(
      /attempt 1 was not promoted: could not fetch (refs\/baton\/attempts\/feature-001\/\S+) from the hub .*; the attempt's work is kept at \1 in the hub/,
    );
    expect(reason).toContain('--resume');
    renameSync(away, p.hub);
    const resumed = spawnBaton(['run', '--queue', redis.url, '--hub', p.hub, '--resume'], {
      cwd: p.repo.root,
      env,
    });
    cleanups.push(() => kill(resumed));
    expect(await resumed.exited, resumed.output()).toBe(0);
    expect(resumed.output()).toContain('1 feature');
    const ended = p.events().filter((e) => e.type === 'feature.ended');
    expect(ended.map((e) => e.status)).toEqual(['failed', 'complete']);
    expect(p.repo.git('branch', '--list', 'baton/feature-001')).not.toBe('');
  }, 60_000);
});
