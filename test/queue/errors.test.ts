import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { describe, expect, test } from 'vitest';
import { retryHub } from '../../src/queue/hub-retry.js';
import { jobIdOf, QUEUE_PREFIX, queueName } from '../../src/queue/names.js';
import { BATON_BIN, runBaton } from '../rig/cli.js';
import { freePort, type QueuedProject, type QueueScope, queueScope, until } from './rig.js';

/** The error lines a command printed (without the hint). */
const errorLines = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('baton:'));

/** Redis, a one-feature project, the `command` queue of its hub, and run r1's base pushed to the hub. */
async function queueWithRunBase(s: QueueScope) {
  const redis = await s.redis();
  const p = s.project(1);
  const queue = new Queue(queueName('command', p.hub), {
    connection: { url: redis.url },
    prefix: QUEUE_PREFIX,
  });
  s.defer(() => queue.close());
  const base = p.repo.git('rev-parse', 'HEAD');
  execFileSync('git', ['push', '-q', p.hub, `${base}:refs/baton/runs/r1/base`], { cwd: p.repo.root });
  return { redis, p, queue, base };
}

/** A job's data as `baton run --queue` enqueues it for `feature-001` of run `runId`, with `over` laid on it. */
function jobData(p: QueuedProject, base: string, runId: string, over: Record<string, unknown> = {}) {
  const file = 'specs/feature-001/contract.md';
  return {
    v: 1,
    run_id: runId,
    enqueue: '0000beef',
    feature_id: 'feature-001',
    agent: { command: 'true' },
    agent_name: 'command',
    base_commit: base,
    hub: p.hub,
    base_ref: `refs/baton/runs/${runId}/base`,
    contract: { file, text: readFileSync(join(p.repo.root, file), 'utf8') },
    known_ids: ['feature-001'],
    config: {},
    port: 41000,
    port_base: 41000,
    verify: true,
    ...over,
  };
}

describe('bad input to a queued run names the thing in one line', () => {
  test('an unreachable Redis URL', async ({ onTestFinished }) => {
    const s = queueScope(onTestFinished);
    const p = s.project(1);
    const port = await freePort();
    const r = await runBaton(['run', '--queue', `redis://127.0.0.1:${port}`, '--hub', p.hub], {
      cwd: p.repo.root,
    });
    expect(r.code).toBe(1);
    expect(errorLines(r.stderr)).toEqual([
      expect.stringContaining(`cannot reach Redis at redis://127.0.0.1:${port}`),
    ]);
    expect(p.repo.git('branch', '--list', 'baton/*')).toBe('');
  }, 60_000);

  test('a wrong password, shown redacted', async ({ onTestFinished }) => {
    const s = queueScope(onTestFinished);
    const redis = await s.redis({ password: 's3cret' });
    const p = s.project(1);
    const url = `redis://:wrong@127.0.0.1:${redis.port}`;
    const r = await runBaton(['run', '--queue', url, '--hub', p.hub], { cwd: p.repo.root });
    expect(r.code).toBe(1);
    const lines = errorLines(r.stderr);
    expect(lines).toEqual([
      expect.stringContaining(`Redis at redis://:***@127.0.0.1:${redis.port} refused the password`),
    ]);
    expect(r.stderr).not.toContain('wrong');
  }, 60_000);

  test('a hub that is not reachable', async ({ onTestFinished }) => {
    const s = queueScope(onTestFinished);
    const redis = await s.redis();
    const p = s.project(1);
    const r = await runBaton(['run', '--queue', redis.url, '--hub', '/nonexistent/hub.git'], {
      cwd: p.repo.root,
    });
    expect(r.code).toBe(1);
    // git's own error, not the advice it prints after it ("… and the repository exists.").
    expect(errorLines(r.stderr)).toEqual([
      "baton: the git hub /nonexistent/hub.git is not reachable: fatal: '/nonexistent/hub.git' does not appear to be a git repository [queue/hub-unreachable]",
    ]);
  }, 60_000);

  test('a database index that is not a number, or that the server does not have, stops the command in one line (exit 2)', async ({
    onTestFinished,
  }) => {
    const s = queueScope(onTestFinished);
    const redis = await s.redis();
    const p = s.project(1);
    const cases: Array<[string[], string]> = [
      [['workers', '--queue', `${redis.url}/abc`], 'bad database index in the queue URL'],
      [['workers', '--queue', `${redis.url}/16`], 'has no database 16 (ERR DB index is out of range)'],
      [['run', '--queue', `${redis.url}/x1`, '--hub', p.hub], 'bad database index in the queue URL'],
      [['run', '--queue', `${redis.url}/99`, '--hub', p.hub], 'has no database 99'],
      // The client reads ?db= too: only the path names the database.
      [['workers', '--queue', `${redis.url}?db=99`], 'names its database as ?db='],
    ];
    for (const [args, said] of cases) {
      const r = await runBaton(args, { cwd: p.repo.root });
      expect(r.code, r.stderr).toBe(2);
      expect(errorLines(r.stderr)).toEqual([expect.stringContaining(said)]);
      expect(r.stderr).not.toMatch(/ReplyError|\n\s+at /);
    }
    const w = s.worker(p, `${redis.url}/16`, 'w1');
    const code = await Promise.race([
      w.exited,
      new Promise((r) => setTimeout(() => r('still running'), 15_000)),
    ]);
    expect(code, w.output()).toBe(2);
    expect(w.output()).toContain('[queue/bad-db]');
    expect(
      execFileSync('redis-cli', ['-p', String(redis.port), 'keys', '*'], { encoding: 'utf8' }).trim(),
    ).toBe('');
  }, 60_000);

  test('a worker whose hub is not reachable says so and exits (its Redis connection closed)', async ({
    onTestFinished,
  }) => {
    const s = queueScope(onTestFinished);
    const redis = await s.redis();
    const p = s.project(1);
    const w = s.baton(
      [
        'worker',
        '--queue',
        redis.url,
        '--hub',
        '/nonexistent/hub.git',
        '--dir',
        join(p.scratch, 'wz'),
        '--agents',
        'command',
      ],
      { cwd: p.scratch },
    );
    const code = await Promise.race([
      w.exited,
      new Promise((r) => setTimeout(() => r('still running'), 15_000)),
    ]);
    expect(code, w.output()).toBe(1);
    expect(errorLines(w.output())).toEqual([
      expect.stringContaining('the git hub /nonexistent/hub.git is not reachable'),
    ]);
  }, 60_000);

  test('a worker asked for an agent it does not have', async ({ onTestFinished }) => {
    const s = queueScope(onTestFinished);
    const redis = await s.redis();
    const p = s.project(1);
    const home = mkdtempSync(join(tmpdir(), 'baton-home-'));
    s.defer(() => rmSync(home, { recursive: true, force: true }));
    const r = spawnSync(
      process.execPath,
      [BATON_BIN, 'worker', '--queue', redis.url, '--hub', p.hub, '--agents', 'claude'],
      { env: { PATH: '/nonexistent', HOME: home, NO_COLOR: '1' }, encoding: 'utf8', cwd: home },
    );
    expect(r.status).toBe(1);
    expect(errorLines(r.stderr)).toEqual([
      expect.stringContaining('agent "claude" (Claude Code) is not installed'),
    ]);
  }, 60_000);

  test('a contract the worker cannot parse fails its job at once, with the file named, and the job is kept', async ({
    onTestFinished,
  }) => {
    const s = queueScope(onTestFinished);
    const { redis, p, queue, base } = await queueWithRunBase(s);
    const jobId = jobIdOf('r1', 'feature-001');
    await queue.add(
      'feature',
      jobData(p, base, 'r1', {
        contract: { file: 'specs/feature-001/contract.md', text: '---\nfeature_id: [unclosed\n---\n' },
      }),
      { jobId, attempts: 3 },
    );
    s.worker(p, redis.url, 'w1');
    await until(async () => (await queue.getJob(jobId))?.failedReason !== undefined, 'the job to fail');
    const job = await queue.getJob(jobId);
    expect(await job?.getState()).toBe('failed');
    expect(job?.attemptsMade).toBe(1);
    expect(job?.failedReason).toMatch(/^this worker cannot parse specs\/feature-001\/contract\.md:/);
    expect(job?.data.contract.text).toContain('[unclosed');
  }, 60_000);

  test('a job whose base the hub answers it does not have fails at once, not waited on as a hub outage', async ({
    onTestFinished,
  }) => {
    const s = queueScope(onTestFinished);
    const { redis, p, queue, base } = await queueWithRunBase(s);
    const jobId = jobIdOf('r2', 'feature-001');
    await queue.add('feature', jobData(p, base, 'r2'), { jobId, attempts: 3 });
    // The hub retry window is long: a refusal within it shows the answer was not waited on.
    const w = s.worker(p, redis.url, 'w1', { BATON_HUB_RETRY_MS: '600000' });
    await until(
      async () => (await queue.getJob(jobId))?.failedReason !== undefined,
      'the job to fail',
      20_000,
    );
    const job = await queue.getJob(jobId);
    expect(await job?.getState()).toBe('failed');
    expect(job?.attemptsMade).toBe(1);
    expect(job?.failedReason).toBe(
      `the hub ${p.hub} has no refs/baton/runs/r2/base: the run's base is not there`,
    );
    expect(w.output()).not.toContain('trying again');
  }, 60_000);
});

describe('a job whose base ref is not its run’s', () => {
  test('is refused at once, for good, and no byte of it reaches the terminal raw', async ({
    onTestFinished,
  }) => {
    const s = queueScope(onTestFinished);
    const { redis, p, queue, base } = await queueWithRunBase(s);
    const jobId = jobIdOf('r1', 'feature-001');
    const base_ref = 'refs/baton/runs/r1/base\u001b]0;PWNED\u0007\u001b[31mRED';
    await queue.add('feature', jobData(p, base, 'r1', { base_ref }), { jobId, attempts: 3 });
    // A long retry window: a refusal within the test's time was not waited on as a hub outage.
    const w = s.worker(p, redis.url, 'w1', { BATON_HUB_RETRY_MS: '600000' });
    await until(async () => (await queue.getJob(jobId))?.failedReason !== undefined, 'the job to fail');
    const job = await queue.getJob(jobId);
    expect(job?.attemptsMade).toBe(1);
    expect(job?.failedReason).toBe(
      'job r1.feature-001 is refused: its base ref is not the one Baton gives its run (refs/baton/runs/<run id>/base)',
    );
    await until(() => w.output().includes('is refused'), 'the refusal said');
    expect(w.output()).not.toContain('\u001b');
    expect(w.output()).not.toContain('\u0007');
    expect(w.output()).not.toContain('trying again');
  }, 60_000);

  test('the hub retry lines escape what they quote', async () => {
    const said: string[] = [];
    const work = () => Promise.reject(new Error("fatal: invalid refspec '\u001b[31mx'"));
    const what = 'fetch of refs/baton/runs/r1/base\u001b]0;PWNED\u0007';
    await expect(retryHub(work, { windowMs: 1, what, say: (l) => said.push(l) })).rejects.toThrow();
    expect(said).toEqual([
      "fetch of refs/baton/runs/r1/base\\x1b]0;PWNED\\x07 failed (fatal: invalid refspec '\\x1b[31mx'); trying again for up to 0 s",
    ]);
  });
});

describe('without --queue', () => {
  test('baton run loads nothing of BullMQ or Redis; with --queue it does', async ({ onTestFinished }) => {
    const s = queueScope(onTestFinished);
    const p = s.project(2);
    const hooks = join(import.meta.dirname, 'fixtures', 'trace-imports.mjs');
    const trace = (args: string[]) => {
      const file = join(p.scratch, `trace-${Math.random().toString(36).slice(2)}.txt`);
      spawnSync(process.execPath, ['--import', hooks, BATON_BIN, ...args], {
        cwd: p.repo.root,
        // The module tree, not the bundle: each module is a file of its own, so the trace names them.
        env: { ...process.env, BATON_TRACE_FILE: file, BATON_QUEUE: '', BATON_UNBUNDLED: '1' },
        encoding: 'utf8',
      });
      return readFileSync(file, 'utf8');
    };
    const local = trace(['run', '--dry-run']);
    expect(local).toContain('/dist/runner/run.js');
    expect(local).not.toMatch(/node_modules\/(bullmq|ioredis)\//);
    const queued = trace(['run', '--queue', `redis://127.0.0.1:${await freePort()}`, '--hub', p.hub]);
    expect(queued).toMatch(/node_modules\/bullmq\//);
    expect(queued).toMatch(/node_modules\/ioredis\//);
  }, 60_000);

  test("a job whose id is not Baton's is refused before it names a folder: one escaped line, nothing outside --dir touched", async ({
    onTestFinished,
  }) => {
    const s = queueScope(onTestFinished);
    const { redis, p, queue, base } = await queueWithRunBase(s);
    const data = jobData(p, base, 'r1', {
      agent: { command: 'mkdir -p src/feature-001 && echo ok > src/feature-001/index.txt' },
    });
    // A folder beside the worker's --dir that the attempt folder of `../../victim` would be (and be removed).
    const victim = join(p.scratch, 'victim.0000beef.1');
    mkdirSync(victim);
    writeFileSync(join(victim, 'keep.txt'), 'mine\n');
    const ids = ['\u001b]0;pwned\u0007\u001b[31mr1.feature-001', '../../victim'];
    for (const jobId of ids) await queue.add('feature', data, { jobId, attempts: 3 });
    const w = s.worker(p, redis.url, 'w1');
    for (const jobId of ids)
      await until(async () => (await queue.getJob(jobId))?.failedReason !== undefined, 'the job to fail');
    for (const jobId of ids) {
      const job = await queue.getJob(jobId);
      expect(job?.attemptsMade).toBe(1);
      expect(job?.failedReason).toMatch(
        /is refused: its id is not the one Baton gives the job of its run and feature/,
      );
    }
    expect(readFileSync(join(victim, 'keep.txt'), 'utf8')).toBe('mine\n');
    expect(existsSync(join(victim, 'worktree'))).toBe(false);
    await until(() => (w.output().match(/is refused/g) ?? []).length === 2, 'the refusals said');
    const out = w.output();
    // Neither the ESC nor the BEL of the id reaches the terminal.
    expect(out).not.toContain('\u001b');
    expect(out).not.toContain('\u0007');
    const refusals = out.split('\n').filter((l) => l.includes('is refused'));
    expect(refusals).toHaveLength(2);
    expect(refusals).toEqual(
      expect.arrayContaining([
        expect.stringContaining(
          'baton worker: \\x1b]0;pwned\\x07\\x1b[31mr1.feature-001: attempt failed: job \\x1b]0;pwned',
        ),
        expect.stringContaining('baton worker: ../../victim: attempt failed: job ../../victim is refused'),
      ]),
    );
    expect(p.repo.git('ls-remote', p.hub, 'refs/baton/attempts/*')).toBe('');
  }, 60_000);
});
