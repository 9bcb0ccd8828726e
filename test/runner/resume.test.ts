// @module-tag slow
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { BatonEvent, FeatureStarted } from '../../src/log/events.js';
import { readLog } from '../../src/log/read.js';
import { groupAlive } from '../../src/process/supervise.js';
import { BATON_BIN, runBaton } from '../rig/cli.js';
import { contractFiles } from '../rig/contracts.js';
import { deadRunLines } from '../rig/dead-run.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';
import { until } from '../rig/wait.js';

// Removed after the file, not after each test: the tests below go side by side.
const repos: TempRepo[] = [];
afterAll(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

// Each test has its own repository and mostly waits on agents and timeouts: they go side by side.
describe.concurrent('crash-safe runs', () => {
  it('resumes after the orchestrator is SIGKILLed: orphans stopped, worktrees reused, one agent commit each', async () => {
    const ids = ['r1', 'r2', 'r3', 'r4'];
    // Before the resume each agent works until it is stopped; after it, it writes at once: no agent of
    // the killed run can finish, and the resume waits on no sleep. The flag is beside the repository.
    const agent = (id: string) => ({
      command: `test -f "$BATON_WORKTREE/../../resumed" || sleep 60; mkdir -p src/${id} && echo "$BATON_RUN_ID" > src/${id}/done.txt`,
    });
    const repo = makeRepo(contractFiles(ids.map((id) => ({ id, agent: agent(id) }))));
    repos.push(repo);
    const log = join(repo.root, '.baton', 'log.jsonl');
    const events = () => readLog(log).events as BatonEvent[];
    const child = spawn(process.execPath, [BATON_BIN, 'run'], { cwd: repo.root, stdio: 'ignore' });
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    expect(await until(() => events().filter((e) => e.type === 'feature.started').length === 4, 40_000)).toBe(
      true,
    );
    await new Promise((r) => setTimeout(r, 1000));
    child.kill('SIGKILL');
    await exited;
    const firstRun = events().filter((e): e is FeatureStarted => e.type === 'feature.started');
    const firstGroups = firstRun.map((e) => e.pgid!);
    // The agents outlive their orchestrator (own process groups) until a resume stops them.
    expect(firstGroups.some((g) => groupAlive(g))).toBe(true);
    writeFileSync(join(repo.root, '..', 'resumed'), '');

    const resumed = await runBaton(['run', '--resume'], { cwd: repo.root });
    // The SIGKILLed orchestrator left its run lock: it is taken over, and said so.
    expect(resumed.stderr).toMatch(/^baton: took over a stale lock .* is no longer running\n$/);
    expect(resumed.code).toBe(0);
    expect(firstGroups.filter((g) => groupAlive(g))).toEqual([]);

    const all = events();
    const runs = all.filter((e) => e.type === 'run.started');
    expect(runs).toHaveLength(2);
    const secondRunId = runs[1]!.run_id;
    for (const id of ids) {
      const created = all.filter((e) => e.type === 'worktree.created' && e.feature_id === id);
      expect(created.map((e) => (e.type === 'worktree.created' ? e.reused : null))).toEqual([false, true]);
      // One agent commit on top of main: the resumed agent's work, recorded by the second run.
      expect(repo.git('rev-list', '--count', `main..baton/${id}`)).toBe('1');
      expect(repo.git('show', `baton/${id}:src/${id}/done.txt`)).toBe(secondRunId);
    }
    expect(repo.git('branch', '--list', 'baton/*').split('\n')).toHaveLength(4);
    const status = JSON.parse((await runBaton(['status', '--json'], { cwd: repo.root })).stdout) as {
      features: Array<{ status: string }>;
    };
    expect(status.features.map((f) => f.status)).toEqual(['complete', 'complete', 'complete', 'complete']);
  });

  it('stops an agent at its timeout: a 2-second limit on sleep 60 ends `timeout` long before the agent would have, nothing left running', async () => {
    const repo = makeRepo(
      contractFiles([
        { id: 'slow', timeout_minutes: 2 / 60, agent: { command: 'sleep 60 & sleep 60; wait' } },
      ]),
    );
    repos.push(repo);
    const t0 = Date.now();
    const r = await runBaton(['run'], { cwd: repo.root });
    // Well before the 60 s the agent would sleep: the timeout stopped it (the exact latency is not asserted on a loaded machine).
    expect(Date.now() - t0).toBeLessThan(20_000);
    expect(r.code).toBe(1);
    const log = readLog(join(repo.root, '.baton', 'log.jsonl')).events as BatonEvent[];
    const started = log.find((e): e is FeatureStarted => e.type === 'feature.started')!;
    expect(groupAlive(started.pgid!)).toBe(false);
    const ended = log.find((e) => e.type === 'feature.ended');
    expect(ended).toMatchObject({ status: 'timeout' });
  });

  it('reruns a failed agent in the same worktree when the contract allows retries', async () => {
    const repo = makeRepo(
      contractFiles([
        {
          id: 'flaky',
          retries: 1,
          agent: {
            command:
              'mkdir -p src/flaky; if [ -f src/flaky/.tried ]; then echo ok > src/flaky/x.txt; else touch src/flaky/.tried; exit 1; fi',
          },
        },
      ]),
    );
    repos.push(repo);
    const r = await runBaton(['run'], { cwd: repo.root });
    expect(r.code).toBe(0);
    const starts = (readLog(join(repo.root, '.baton', 'log.jsonl')).events as BatonEvent[]).filter(
      (e) => e.type === 'feature.started',
    );
    expect(starts).toHaveLength(2);
  });
  it("goes on with the dead run's own features when given no ids: a contract the run never had is not started", async () => {
    const agent = (id: string) => ({ command: `mkdir -p src/${id} && echo ok > src/${id}/done.txt` });
    const repo = makeRepo(contractFiles(['a', 'b'].map((id) => ({ id, agent: agent(id) }))));
    repos.push(repo);
    // A run of `a` alone (`baton run a`) whose orchestrator died with `a` running.
    repo.write({
      '.baton/log.jsonl': deadRunLines('a')
        .map((l) => `${JSON.stringify(l)}\n`)
        .join(''),
    });
    const resumed = await runBaton(['run', '--resume'], { cwd: repo.root });
    expect(resumed.code).toBe(0);
    const events = readLog(join(repo.root, '.baton', 'log.jsonl')).events as BatonEvent[];
    const runs = events.filter((e) => e.type === 'run.started');
    expect(runs.map((e) => (e.type === 'run.started' ? e.feature_ids : []))).toEqual([['a'], ['a']]);
    expect(events.filter((e) => e.type === 'feature.started').map((e) => e.feature_id)).toEqual(['a']);
    expect(repo.git('branch', '--list', 'baton/*')).not.toMatch(/baton\/b/);
    // Named, a contract outside the run is taken: the ids say what the resume covers.
    const named = await runBaton(['run', '--resume', 'b'], { cwd: repo.root });
    expect(named.code).toBe(0);
    expect(repo.git('show', 'baton/b:src/b/done.txt')).toBe('ok');
  });

  it('starts nothing when none of the run’s features has a contract any more, and says so', async () => {
    const agent = (id: string) => ({ command: `mkdir -p src/${id} && echo ok > src/${id}/done.txt` });
    const repo = makeRepo(contractFiles(['a', 'b'].map((id) => ({ id, agent: agent(id) }))));
    repos.push(repo);
    // A run of `gone` alone, whose contract was since removed (renamed).
    repo.write({
      '.baton/log.jsonl': deadRunLines('gone')
        .map((l) => `${JSON.stringify(l)}\n`)
        .join(''),
    });
    const resumed = await runBaton(['run', '--resume'], { cwd: repo.root });
    expect(resumed.code).toBe(1);
    expect(resumed.stderr).toContain(
      'the run to resume had gone, and no contract has that id now; nothing was started [run/resume-gone]',
    );
    expect(resumed.stderr).toContain('known ids: a, b');
    const events = readLog(join(repo.root, '.baton', 'log.jsonl')).events as BatonEvent[];
    expect(events.filter((e) => e.type === 'feature.started')).toEqual([]);
    expect(repo.git('branch', '--list', 'baton/*')).toBe('');
  });
});
