// @module-tag slow
/**
 * A resume without `-j` keeps the concurrency of the run it continues (as its `run.started` recorded
 * it, once proven a whole number ≥ 1: the log is a file anyone can append to); `-j` given wins. A
 * run whose `-j` was unset recorded only its unit count, which is no limit: its resume starts all of its
 * own units at once.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { BatonEvent } from '../../src/log/events.js';
import { readLog } from '../../src/log/read.js';
import { runBaton } from '../rig/cli.js';
import { contractFiles } from '../rig/contracts.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

const logOf = (repo: TempRepo) => join(repo.root, '.baton', 'log.jsonl');
const lastStart = (repo: TempRepo) =>
  (readLog(logOf(repo)).events as BatonEvent[]).findLast((e) => e.type === 'run.started') as
    | { concurrency: number; concurrency_chosen?: boolean; resume?: boolean }
    | undefined;

describe('run --resume and -j', () => {
  it('keeps the continued run’s -j, in the run and in the report; -j given wins; a recorded value that is no whole number ≥ 1 is not used', async () => {
    const failing = (id: string) => ({ id, agent: { command: 'exit 1' } });
    const repo = makeRepo(
      contractFiles([
        failing('a'),
        failing('b'),
        { id: 'c', agent: { command: 'mkdir -p src/c && echo c > src/c/x.txt' } },
      ]),
    );
    repos.push(repo);
    const first = await runBaton(['run', '-j', '2'], { cwd: repo.root });
    expect(first.code).toBe(1);
    expect(first.stdout).toContain('3 features, 2 at a time');

    const resumed = await runBaton(['run', '--resume'], { cwd: repo.root });
    expect(resumed.code).toBe(1);
    expect(resumed.stdout).toMatch(/: 3 features \(1 complete in an earlier run, kept: c\), 2 at a time/);
    expect(lastStart(repo)).toMatchObject({ resume: true, concurrency: 2 });
    const report = await runBaton(['report', '--json'], { cwd: repo.root });
    expect((JSON.parse(report.stdout) as { run: { concurrency: number } }).run.concurrency).toBe(2);

    const given = await runBaton(['run', '--resume', '-j', '1'], { cwd: repo.root });
    expect(given.stdout).toContain(', 1 at a time');
    expect(lastStart(repo)?.concurrency).toBe(1);

    // A log edited to record a concurrency no run can have: the resume does not take it.
    for (const forged of ['2.5', '-4', '0', '"2"']) {
      const text = readFileSync(logOf(repo), 'utf8');
      writeFileSync(logOf(repo), text.replace(/"concurrency":[^,]+,/g, `"concurrency":${forged},`));
      const r = await runBaton(['run', '--resume'], { cwd: repo.root });
      expect(r.stdout, forged).toContain(', 3 at a time');
    }
  });

  it('does not take a run’s unit count for a -j: a run of b alone, -j unset, then a resume of two features runs both at once', async () => {
    const repo = makeRepo(
      contractFiles(
        ['a', 'b', 'c'].map((id) => ({
          id,
          agent: { command: `mkdir -p src/${id} && echo ${id} > src/${id}/x.txt` },
        })),
      ),
    );
    repos.push(repo);
    const first = await runBaton(['run', 'b'], { cwd: repo.root });
    expect(first.stdout).toContain('1 feature, 1 at a time');
    const resumed = await runBaton(['run', '--resume', 'a', 'c'], { cwd: repo.root });
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain('2 features, 2 at a time');
    expect(lastStart(repo)).toMatchObject({ resume: true, concurrency: 2, concurrency_chosen: false });
  });
});
