import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkLastRun } from '../../src/doctor/repository.js';
import { interruptionEvents, runLiveness } from '../../src/guard/liveness.js';
import { processesOfRun } from '../../src/guard/proc.js';
import { foldEvents } from '../../src/log/fold.js';
import { BATON_BIN, runBaton } from '../rig/cli.js';
import { contractFiles, type TestContract } from '../rig/contracts.js';
import { deadPid } from '../rig/dead-run.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';
import { until } from '../rig/wait.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

function project(contracts: TestContract[]): TempRepo {
  const repo = makeRepo({
    '.gitignore': '.baton/\n',
    'baton.config.json': '{"agent":"demo"}\n',
    ...contractFiles(contracts),
  });
  repos.push(repo);
  return repo;
}

const logOf = (repo: TempRepo) => join(repo.root, '.baton', 'log.jsonl');
const lines = (repo: TempRepo) =>
  (existsSync(logOf(repo)) ? readFileSync(logOf(repo), 'utf8') : '')
    .trim()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
const append = (repo: TempRepo, ...events: object[]) =>
  appendFileSync(logOf(repo), events.map((e) => `${JSON.stringify(e)}\n`).join(''));

/** The first `run.started` of the log, restamped as a new run by `pid`, now (resumed or not). */
function restartedBy(repo: TempRepo, runId: string, pid: number, resume = false): object {
  const first = lines(repo).find((e) => e.type === 'run.started') as Record<string, unknown>;
  return { ...first, ts: new Date().toISOString(), run_id: runId, pid, ...(resume ? { resume } : {}) };
}

/** Kills a `baton run` and the agents it left in their own groups, found by the run's id in their environment. */
function killRun(run: ReturnType<typeof spawn>, runId: string): void {
  run.kill('SIGKILL');
  for (const p of runId ? processesOfRun(runId) : []) {
    try {
      process.kill(-p.pgid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

const writes = (id: string) => ({ id, agent: { command: `mkdir -p src/${id} && echo x > src/${id}/f` } });

describe('which run the log records is live', () => {
  it('a forged run.started naming a live pid (1) is not a run in progress: nothing stays blocked', async () => {
    const repo = project([writes('feature-001-a')]);
    expect((await runBaton(['run'], { cwd: repo.root })).code).toBe(0);
    append(repo, restartedBy(repo, '20991231T000000Z-forged', 1));

    const status = await runBaton(['status', '--no-disk'], { cwd: repo.root });
    expect(status.stdout).toContain('run 20991231T000000Z-forged (interrupted)');
    expect(status.stdout).not.toContain('in progress');
    const clean = await runBaton(['clean', '--dry-run'], { cwd: repo.root });
    expect(clean.stdout).not.toContain('is working on it');
    const doctor = checkLastRun(foldEvents(lines(repo) as never), runLiveness(repo.root));
    expect(doctor).toMatchObject({
      status: 'warn',
      detail: expect.stringContaining('forged was interrupted'),
    });
    const integrate = await runBaton(['integrate', '--predict-only'], { cwd: repo.root });
    expect(integrate.stderr).not.toContain('no run recorded');
    expect(integrate.stderr).toContain('feature-001-a (interrupted:');
    const report = JSON.parse((await runBaton(['report', '--json'], { cwd: repo.root })).stdout);
    expect(report.run).toMatchObject({ run_id: '20991231T000000Z-forged', outcome: 'interrupted' });
  });

  it("a resume killed right after its run.started leaves the features it never started interrupted, not 'no run recorded'", async () => {
    const repo = project([
      { id: 'feature-001-a', agent: { command: 'exit 3' } },
      { id: 'feature-002-b', agent: { command: 'exit 4' } },
    ]);
    await runBaton(['run'], { cwd: repo.root });
    append(repo, restartedBy(repo, 'r-resume-killed', deadPid(), true));

    const status = JSON.parse((await runBaton(['status', '--json', '--no-disk'], { cwd: repo.root })).stdout);
    expect(status.features.map((f: { status: string }) => f.status)).toEqual(['interrupted', 'interrupted']);
    expect(status.features[0].reason).toContain('never started this feature');
    const integrate = await runBaton(['integrate', '--predict-only'], { cwd: repo.root });
    expect(integrate.stderr).not.toContain('no run recorded');
    expect(integrate.stderr).toContain('feature-001-a (interrupted:');
  });

  it('a run killed outright is live until then, and its inferred end is not before its last recorded event', async () => {
    const repo = project([
      { id: 'feature-001-a', agent: { command: 'sleep 0.3; exit 3' } },
      { id: 'feature-002-b', agent: { command: 'sleep 30' } },
    ]);
    const run = spawn(process.execPath, [BATON_BIN, 'run'], { cwd: repo.root, stdio: 'ignore' });
    let runId = '';
    try {
      const ended = () => lines(repo).some((e) => e.type === 'feature.ended');
      expect(await until(() => ended(), 4000)).toBe(true);
      runId = String(lines(repo)[0]?.run_id);
      expect((await runBaton(['status', '--no-disk'], { cwd: repo.root })).stdout).toContain(
        `run ${runId} (in progress)`,
      );
      run.kill('SIGKILL');
      await until(() => run.exitCode !== null || run.signalCode !== null, 2000);

      const recorded = lines(repo);
      const lastRecorded = recorded
        .map((e) => String(e.ts))
        .sort()
        .at(-1) as string;
      const inferred = interruptionEvents(foldEvents(recorded as never), runLiveness(repo.root));
      const end = inferred.find((e) => e.type === 'run.ended');
      expect(String(end?.ts) >= lastRecorded).toBe(true);
      const report = JSON.parse((await runBaton(['report', '--json'], { cwd: repo.root })).stdout);
      expect(report.run).toMatchObject({ unfinished: true, ended_at: null, outcome: 'interrupted' });
      expect((await runBaton(['report'], { cwd: repo.root })).stdout).toContain('never recorded its end');
    } finally {
      killRun(run, runId);
    }
  }, 10_000);

  it('status --watch shows a run killed outright interrupted from its first table and document', async () => {
    const repo = project([{ id: 'feature-001-a', agent: { command: 'sleep 30' } }]);
    const run = spawn(process.execPath, [BATON_BIN, 'run'], { cwd: repo.root, stdio: 'ignore' });
    let runId = '';
    /** The first table or document `status --watch` prints, then it is stopped. */
    const firstLook = async (flags: string[]) => {
      let stop = () => {};
      let first = '';
      const watching = runBaton(['status', '--watch', '--no-disk', ...flags], {
        cwd: repo.root,
        interrupt: (fire) => {
          stop = fire;
        },
        onStdout: (text) => {
          if (first === '') {
            first = text;
            stop();
          }
        },
      });
      await until(() => first !== '', 4000);
      stop();
      await watching;
      return first;
    };
    try {
      const started = () => lines(repo).some((e) => e.type === 'feature.started');
      expect(await until(() => started(), 4000)).toBe(true);
      runId = String(lines(repo)[0]?.run_id);
      run.kill('SIGKILL');
      await until(() => run.exitCode !== null || run.signalCode !== null, 2000);

      const table = await firstLook([]);
      expect(table).toContain(`run ${runId} (interrupted)`);
      expect(table).toMatch(/^feature-001-a\s+interrupted/m);
      const doc = JSON.parse(await firstLook(['--json']));
      expect(doc.features.map((f: { status: string }) => f.status)).toEqual(['interrupted']);
    } finally {
      killRun(run, runId);
    }
  }, 15_000);
});
