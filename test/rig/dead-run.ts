import { spawnSync } from 'node:child_process';

/**
 * Log lines of a run whose orchestrator no longer exists: its pid is that of a real process that has
 * exited, and one feature was left `running`.
 */
export function deadRunLines(featureId = 'a'): object[] {
  const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
    encoding: 'utf8',
  });
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
      pid: Number(gone.stdout),
    },
    { feature_id: featureId, status: 'running', ts: now },
  ];
}
