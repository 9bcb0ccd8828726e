import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  AGENT,
  type BatonChild,
  type InProcessBaton,
  type QueuedProject,
  type QueueScope,
  queueScope,
  standInWorker,
  type TestRedis,
  until,
} from './rig.js';

/**
 * A one-feature project whose agent counts itself in `$RUNS` and, with `outageAtPush`, takes the hub
 * away the first time it ends (`$HUB` renamed `$HUB.away`): the worker's push then finds no hub. Its
 * workers get `workerEnv`, the variables the agent reads.
 */
async function setup(
  s: QueueScope,
  opts: { outageAtPush?: boolean } = {},
): Promise<{
  redis: TestRedis;
  p: QueuedProject;
  runs: string;
  away: string;
  workerEnv: NodeJS.ProcessEnv;
}> {
  const redis = await s.redis();
  const hideHub = '{ [ -e "$HUB.once" ] || { touch "$HUB.once" && mv "$HUB" "$HUB.away"; }; }';
  const agent = `echo run >> "$RUNS" && ${AGENT}${opts.outageAtPush ? ` && ${hideHub}` : ''}`;
  const p = s.project(1, { agent });
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
  child: BatonChild | InProcessBaton,
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

// Each test has its own Redis, project and hub, and spends most of its time waiting out a hub: they run at once.
describe.concurrent('a hub that does not answer for a few seconds, on the worker', () => {
  test('at the push: the worker waits it out, the agent runs once, and its commit is promoted', async ({
    onTestFinished,
  }) => {
    const s = queueScope(onTestFinished);
    const { redis, p, runs, away, workerEnv } = await setup(s, { outageAtPush: true });
    const w = s.worker(p, redis.url, 'w1', workerEnv);
    const orch = s.runHere(p, redis);
    await restoreAfter(p, away, w, /push of \S+ failed/);
    expect(await orch.exited, orch.output() + w.output()).toBe(0);
    expect(endOf(p)?.status).toBe('complete');
    expect(runCount(runs)).toBe(1);
    expect(w.output()).toMatch(/push of refs\/baton\/attempts\/feature-001\/\S+ failed \(.*\); trying again/);
    expect(w.output()).toMatch(/the hub answers again/);
    expect(p.repo.git('show', 'baton/feature-001:src/feature-001/index.txt')).toContain('feature-001 by');
  }, 60_000);

  test('at the fetch of the base: the job waits it out instead of spending its attempts', async ({
    onTestFinished,
  }) => {
    const s = queueScope(onTestFinished);
    const { redis, p, runs, away, workerEnv } = await setup(s);
    const orch = s.runHere(p, redis);
    await until(
      () => p.events().some((e) => e.type === 'queue.job' && e.state === 'waiting'),
      'the job to be on the queue',
      20_000,
    );
    // The worker's cached clone is there already: only the fetch of the run's base needs the hub.
    const clone = join(p.scratch, 'w1', 'hub.git');
    execFileSync('git', ['clone', '-q', '--bare', p.hub, clone], { stdio: 'ignore' });
    renameSync(p.hub, away);
    const w = s.worker(p, redis.url, 'w1', workerEnv);
    await restoreAfter(p, away, w, /fetch of \S+ failed/);
    expect(await orch.exited, orch.output() + w.output()).toBe(0);
    expect(endOf(p)?.status).toBe('complete');
    expect(runCount(runs)).toBe(1);
    expect(w.output()).toMatch(/fetch of refs\/baton\/runs\/\S+\/base failed/);
  }, 60_000);

  test('past the retry window at the push: the job fails at once naming where the commit is kept, and the agent is not run again', async ({
    onTestFinished,
  }) => {
    const s = queueScope(onTestFinished);
    const { redis, p, runs, workerEnv } = await setup(s, { outageAtPush: true });
    s.worker(p, redis.url, 'w1', { ...workerEnv, BATON_HUB_RETRY_MS: '1000' });
    const orch = s.runHere(p, redis);
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
function pushThenHideHub(s: QueueScope, p: QueuedProject, redis: TestRedis, away: string): void {
  const w = standInWorker(p, redis.url, () => renameSync(p.hub, away));
  s.defer(() => w.close());
}

describe.concurrent('a hub that does not answer at promotion, on the orchestrator', () => {
  test('for a few seconds: the fetch is tried again at later readings and the attempt is promoted', async ({
    onTestFinished,
  }) => {
    const s = queueScope(onTestFinished);
    const { redis, p, away } = await setup(s);
    const orch = s.runHere(p, redis);
    pushThenHideHub(s, p, redis, away);
    await restoreAfter(p, away, orch, /could not fetch/);
    expect(await orch.exited, orch.output()).toBe(0);
    expect(endOf(p)?.status).toBe('complete');
    expect(orch.output()).toMatch(/could not fetch refs\/baton\/attempts\/feature-001\/\S+ from the hub/);
  }, 60_000);

  test('past the deadline: the feature fails naming the ref that keeps the work, and --resume promotes it', async ({
    onTestFinished,
  }) => {
    const s = queueScope(onTestFinished);
    const { redis, p, away } = await setup(s);
    const env = { BATON_HUB_RETRY_MS: '1000' };
    const orch = s.runHere(p, redis, [], env);
    pushThenHideHub(s, p, redis, away);
    expect(await orch.exited, orch.output()).toBe(1);
    const reason = String(endOf(p)?.reason);
    expect(reason).toMatch(
      /attempt 1 was not promoted: could not fetch (refs\/baton\/attempts\/feature-001\/\S+) from the hub .*; the attempt's work is kept at \1 in the hub/,
    );
    expect(reason).toContain('--resume');
    renameSync(away, p.hub);
    const resumed = s.runHere(p, redis, ['--resume'], env);
    expect(await resumed.exited, resumed.output()).toBe(0);
    expect(resumed.output()).toContain('1 feature');
    const ended = p.events().filter((e) => e.type === 'feature.ended');
    expect(ended.map((e) => e.status)).toEqual(['failed', 'complete']);
    expect(p.repo.git('branch', '--list', 'baton/feature-001')).not.toBe('');
  }, 60_000);
});
