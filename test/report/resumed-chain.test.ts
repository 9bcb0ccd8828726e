// @module-tag slow
// A contract-first chain interrupted by Ctrl-C and finished by `run --resume` after a pause: its
// features overlapped in both runs, so the diagnosis must not call the chain "in a row", nor count
// the pause between the runs as worktree setup, checks or waiting.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { BatonEvent } from '../../src/log/events.js';
import { readLog } from '../../src/log/read.js';
import type { Report } from '../../src/metrics/types.js';
import { BATON_BIN, runBaton } from '../rig/cli.js';
import { contractFiles } from '../rig/contracts.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';
import { until } from '../rig/wait.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

/** The pause between the interrupted run and its resume: longer than the agents' time together. */
const PAUSE_MS = 7000;

const logOf = (repo: TempRepo) => readLog(join(repo.root, '.baton', 'log.jsonl')).events as BatonEvent[];

describe('a contract-first chain interrupted and resumed after a pause', () => {
  it('is not called "in a row", and the pause between the runs is not counted as setup or waiting', async () => {
    const repo = makeRepo({ 'README.md': '# app\n', 'baton.config.json': '{}\n' });
    repos.push(repo);
    const flag = join(dirname(repo.root), 'resumed');
    // Before the resume each agent works until it is stopped; after it, 2 s more.
    const agent = (id: string) => ({
      command: `if test -f ${flag}; then sleep 2; else sleep 60; fi; mkdir -p src/${id} && echo ${id} > src/${id}/x.txt`,
    });
    repo.commit(
      'contracts',
      contractFiles([
        { id: 'a', agent: agent('a') },
        { id: 'b', depends: ['a'], agent: agent('b') },
      ]),
    );
    const child = spawn(process.execPath, [BATON_BIN, 'run'], { cwd: repo.root, stdio: 'ignore' });
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    const started = () => logOf(repo).filter((e) => e.type === 'feature.started').length === 2;
    expect(await until(started, 20_000)).toBe(true);
    // Both agents work side by side for 2 s, then Ctrl-C.
    await new Promise((r) => setTimeout(r, 2000));
    child.kill((process.env.SIG as NodeJS.Signals) ?? 'SIGINT');
    await exited;
    await new Promise((r) => setTimeout(r, PAUSE_MS));
    writeFileSync(flag, '');
    expect((await runBaton(['run', '--resume'], { cwd: repo.root })).code).toBe(0);

    const json = JSON.parse((await runBaton(['report', '--json'], { cwd: repo.root })).stdout) as Report;
    const md = (await runBaton(['report'], { cwd: repo.root })).stdout;
    expect(json.run.resumed_by).toHaveLength(1);
    const measured = json.critical_path.measured;
    expect(measured?.feature_ids).toEqual(['a', 'b']);
    const agentMin = measured?.minutes ?? 0;
    const pauseMin = PAUSE_MS / 60_000;
    // The features' bars cover the pause: judged by the chain's span, it ran "in a row".
    const span =
      Math.max(...json.features.map((f) => f.end_min ?? 0)) -
      Math.min(...json.features.map((f) => f.start_min ?? 0));
    expect(span).toBeGreaterThan(agentMin * 0.95);
    const diagnosis = json.diagnosis.join('\n');
    expect(diagnosis).not.toContain('in a row, which no number of agents shortens');
    expect(diagnosis).toContain('The dependency chain `a` → `b` did not run in a row');
    expect(md).not.toContain('in a row, which no number of agents shortens');
    expect(md).toMatch(/Critical path \(measured\): a → b, [^\n]* of agent time, overlapping into /);
    // The two runs as the log has them, and the pause between them as it really was (at least PAUSE_MS).
    const runs = logOf(repo).filter((e) => e.type === 'run.started' || e.type === 'run.ended');
    const at = (i: number) => Date.parse(runs[i]?.ts ?? '') / 60_000;
    expect(runs.map((e) => e.type)).toEqual(['run.started', 'run.ended', 'run.started', 'run.ended']);
    const paused = at(2) - at(1);
    expect(paused).toBeGreaterThanOrEqual(pauseMin);
    // Both runs and a tenth of the pause: judged so, a loaded machine's slower runs cannot fail it.
    const withoutPause = at(3) - at(0) - paused * 0.9;
    // Its agents' own wall-clock leaves the pause out, and is less than their time: they overlapped.
    expect(measured?.wall_min).not.toBeNull();
    expect(measured?.wall_min ?? 0).toBeLessThan(agentMin);
    expect(measured?.wall_min ?? 0).toBeLessThan(withoutPause);
    // The implementation's wall-clock is its two runs' spans: the pause is not in it, so none of it
    // is among what "went outside agent time (worktree setup, checks, waiting)" counts.
    const actual = json.worksheet.rows.find((r) => r.phase === 'implementation')?.parallel_actual_min ?? null;
    expect(actual).not.toBeNull();
    expect(actual ?? 0).toBeLessThan(withoutPause);
  }, 120_000);
});
