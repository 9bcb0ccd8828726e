/** Log lines as Baton writes them, for tests that build a log by hand. */

/** One event line (without its newline): the stamp, the type and the fields. */
export function logLine(type: string, fields: Record<string, unknown>): string {
  return JSON.stringify({ v: 1, ts: '2026-01-01T00:00:00Z', type, ...fields });
}

/** A `run.started` line with every field the reader requires. */
export function runStartedLine(
  runId: string,
  featureIds: readonly string[],
  opts: { resume?: boolean; adopted?: readonly string[] } = {},
): string {
  return logLine('run.started', {
    run_id: runId,
    feature_ids: featureIds,
    concurrency: 2,
    base: 'main',
    base_commit: 'a'.repeat(40),
    mode: 'contract-first',
    pid: 1,
    ...(opts.resume ? { resume: true } : {}),
    ...(opts.adopted?.length
      ? { adopted_windows: opts.adopted.map((feature_id) => ({ feature_id, pgid: 9 })) }
      : {}),
  });
}
