import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { processInfo } from '../../src/guard/proc.js';

/**
 * Log lines of a run whose orchestrator no longer exists: its pid is that of a real process that has
 * exited, and one feature was left `running`.
 */
export function deadRunLines(featureId = 'a'): object[] {
  const now = new Date().toISOString();
  return [
    {
      v: 1,
      ts: now,
      type: 'run.started',
      run_id: 'r-dead',
      feature_ids: [featureId],
      concurrency: 1,
      base: 'HEAD',
      base_commit: '0'.repeat(40),
      mode: 'contract-first',
      pid: deadPid(),
    },
    { feature_id: featureId, status: 'running', ts: now },
  ];
}

/** The pid of a real process that has exited (nothing of ours runs under it). */
export function deadPid(): number {
  const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
    encoding: 'utf8',
  });
  return Number(gone.stdout);
}

/**
 * Makes this test process (or `pid`) the live orchestrator of `runId`, as `baton run` is: the run lock names
 * it and the run (`recordRunInLock`). A log's `run.started` with `pid: process.pid` then reads live.
 */
export function holdRunLock(root: string, runId: string, pid: number = process.pid): void {
  mkdirSync(join(root, '.baton'), { recursive: true });
  const started = processInfo(pid)?.startMs;
  const holder = {
    pid,
    ...(started !== undefined ? { process_started_ms: started } : {}),
    since: new Date().toISOString(),
    command: 'run',
    run_id: runId,
  };
  writeFileSync(join(root, '.baton', 'run.lock'), `${JSON.stringify(holder)}\n`);
}
