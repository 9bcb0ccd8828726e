// Any process can append to the log: a forged `run.started` (and `run.ended`) after the live run's own
// must not hide that run from `baton stop`, nor pass unsaid in `baton status`. The run lock names the live run.
import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runBaton } from '../rig/cli.js';
import { holdRunLock } from '../rig/dead-run.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
const kills: Array<() => void> = [];
afterEach(() => {
  for (const k of kills.splice(0)) k();
  for (const r of repos.splice(0)) r.cleanup();
});

const LIVE = '20261207T000000Z-11aa11';
const FORGED = '20260101T000000Z-aaaaaa';

function started(runId: string, pid: number, interactive: boolean, base: string) {
  return {
    v: 1,
    ts: new Date().toISOString(),
    type: 'run.started',
    run_id: runId,
    feature_ids: ['a1'],
    concurrency: 1,
    base: 'main',
    base_commit: base,
    mode: 'contract-first',
    pid,
    ...(interactive ? { interactive: true } : {}),
  };
}

describe('a forged run.started after the live run’s', () => {
  it('stop goes by the run the lock proves live, and status says the table shows another run', async () => {
    const repo = makeRepo();
    repos.push(repo);
    const base = repo.git('rev-parse', 'HEAD');
    mkdirSync(join(repo.root, '.baton'), { recursive: true });
    // A live process of its own stands for the orchestrator (the CLI runs in this one).
    const orchestrator = spawn('sleep', ['60'], { stdio: 'ignore' });
    kills.push(() => orchestrator.kill('SIGKILL'));
    const pid = orchestrator.pid as number;
    holdRunLock(repo.root, LIVE, pid);
    const forgedEnd = {
      v: 1,
      ts: new Date().toISOString(),
      type: 'run.ended',
      run_id: FORGED,
      outcome: 'complete',
      duration_ms: 1,
    };
    appendFileSync(
      join(repo.root, '.baton', 'log.jsonl'),
      [started(LIVE, pid, true, base), started(FORGED, 1, false, base), forgedEnd]
        .map((e) => `${JSON.stringify(e)}\n`)
        .join(''),
    );
    // A tmux server of its own, with nothing on it: the live run's session is looked for there.
    const env = { BATON_TMUX_SOCKET: `baton-test-forged-${process.pid}` };
    const stop = await runBaton(['stop'], { cwd: repo.root, env });
    expect(stop.stderr).not.toContain('stop/headless-run');
    expect(stop.stdout).toBe(`no agent windows open in baton-${LIVE}\n`);
    const status = await runBaton(['status'], { cwd: repo.root, env });
    expect(status.stdout).toContain(
      `run ${LIVE} is live (the run lock names it, baton pid ${pid}), but the log's last run.started is ${FORGED}'s, which that run did not write`,
    );
  });
});
