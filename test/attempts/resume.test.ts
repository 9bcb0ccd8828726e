// @module-tag slow
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { AttemptEnded, BatonEvent, RunStarted } from '../../src/log/events.js';
import { readLog } from '../../src/log/read.js';
import { freePortBase } from '../checks/rig.js';
import { BATON_BIN, fixture, runBaton } from '../rig/cli.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';
import { until } from '../rig/wait.js';

const repos: TempRepo[] = [];
const undo: Array<() => void> = [];
afterEach(() => {
  for (const u of undo.splice(0)) u();
  for (const r of repos.splice(0)) r.cleanup();
});

const AGENT = fixture('attempts', 'agent.mjs');

describe('best-of-N and --resume', () => {
  it('after a SIGKILL, finished attempts are kept (not re-run), the unfinished one runs again, then a winner is selected', async () => {
    const base = await freePortBase(12);
    const repo = makeRepo({ 'README.md': '# app\n' });
    repos.push(repo);
    // Outside the repository and its worktrees: each agent appends its unit id here as it starts.
    const starts = join(dirname(repo.root), 'starts.txt');
    const agent = (args: string) => ({
      command: `${JSON.stringify(process.execPath)} ${JSON.stringify(AGENT)} api 0 ${args} --starts ${JSON.stringify(starts)}`,
    });
    const contract = {
      feature_id: 'api',
      title: 'API',
      owns: ['src/api/**'],
      acceptance_criteria: [
        { id: 'server', text: 'the server exists', run: 'test -f src/api/server.mjs' },
        { id: 'ok', text: 'the ok marker exists', run: 'test -f src/api/ok' },
      ],
      // 1 passes with 30 extra lines, 2 fails a criterion, 3 passes with fewer lines but hangs on its first start.
      attempts: [agent('--lines 30'), agent('--no-ok'), agent('--sleep-first 120')],
    };
    repo.commit('contracts', {
      'baton.config.json': JSON.stringify({ port_base: base }),
      'specs/api/contract.md': `---\n${stringify(contract)}---\nBuild the API.\n`,
    });
    const log = join(repo.root, '.baton', 'log.jsonl');
    const events = () => readLog(log).events as BatonEvent[];
    const ended = () => events().filter((e): e is AttemptEnded => e.type === 'attempt.ended');

    // No -j and no config concurrency: the three attempts are three units, all started at once.
    const child = spawn(process.execPath, [BATON_BIN, 'run'], { cwd: repo.root, stdio: 'ignore' });
    undo.push(() => child.kill('SIGKILL'));
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    const twoEnded = await until(
      () =>
        ended().length === 2 &&
        events().some((e) => e.type === 'attempt.started' && e.attempt === 3) &&
        readFileSync(starts, 'utf8').includes('api.a3'),
      60_000,
    );
    expect(twoEnded, JSON.stringify(events().map((e) => e.type))).toBe(true);
    child.kill('SIGKILL');
    await exited;
    const first = events().find((e): e is RunStarted => e.type === 'run.started')!;
    expect(first.concurrency).toBe(3);
    expect(
      ended()
        .map((e) => [e.attempt, e.status])
        .sort(),
    ).toEqual([
      [1, 'complete'],
      [2, 'failed-checks'],
    ]);
    expect(events().some((e) => e.type === 'attempt.selected')).toBe(false);

    const resumed = await runBaton(['run', '--resume'], { cwd: repo.root });
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);

    // Attempts 1 and 2 started once (the first run); attempt 3 twice (its agent was stopped and run again).
    const lines = readFileSync(starts, 'utf8').trim().split('\n').sort();
    expect(lines).toEqual(['api.a1', 'api.a2', 'api.a3', 'api.a3']);
    const all = events();
    const runs = all.filter((e): e is RunStarted => e.type === 'run.started');
    expect(runs).toHaveLength(2);
    const second = runs[1]!.run_id;
    const inSecond = all.filter((e) => e.run_id === second);
    expect(inSecond.filter((e) => e.type === 'attempt.started').map((e) => e.attempt)).toEqual([3]);
    expect(
      inSecond.filter((e): e is AttemptEnded => e.type === 'attempt.ended').map((e) => [e.attempt, e.status]),
    ).toEqual([[3, 'complete']]);
    // The selection happened once, in the resumed run, over all three attempts: the kept ones' facts count.
    const selected = all.filter((e) => e.type === 'attempt.selected');
    expect(selected).toHaveLength(1);
    expect(selected[0]).toMatchObject({ run_id: second, winner: 3, ranking: [3, 1, 2] });
    expect(selected[0]?.type === 'attempt.selected' && selected[0].reasons).toEqual([
      expect.stringMatching(/^attempt 3 over attempt 1: fewer lines changed \(\d+ vs \d+\)$/),
      'attempt 3 over attempt 2: every criterion passes (3/3 vs 2/3)',
    ]);
    expect(repo.git('rev-parse', 'baton/api')).toBe(repo.git('rev-parse', 'baton/api.a3'));
    // The kept attempts' branches still hold the first run's commits.
    const firstEnded = all.filter(
      (e): e is AttemptEnded => e.type === 'attempt.ended' && e.run_id === first.run_id,
    );
    for (const e of firstEnded) expect(repo.git('rev-parse', `baton/api.a${e.attempt}`)).toBe(e.commit);
    const status = JSON.parse((await runBaton(['status', '--json'], { cwd: repo.root })).stdout);
    const api = status.features.find((f: { feature_id: string }) => f.feature_id === 'api');
    expect(api.status).toBe('complete');
    expect(api.winner).toMatchObject({ attempt: 3 });
  });
});
