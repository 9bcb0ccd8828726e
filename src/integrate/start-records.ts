/**
 * What a fresh integration records before its first merge, besides `integration.started`: the attempt
 * `--fresh` discards, and the features it leaves out (no branch, or did not pass).
 */
import { git } from '../git/git.js';
import { readLog } from '../log/read.js';
import { discardedEvent } from './discarded.js';
import { notRunReason } from './selection.js';
import { emit, type Session } from './session.js';
import type { StartIntegrationOptions } from './types.js';

/** The `ts` of the last `integration.started` the log records, if any. */
function lastIntegrationStart(logPath: string): string | undefined {
  const events = readLog(logPath, undefined, { final: true }).events;
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i];
    if (e?.type === 'integration.started') return e.ts;
  }
  return undefined;
}

/** Records that `--fresh` discarded the previous attempt, so its merges and time no longer count. */
export async function recordDiscarded(session: Session, o: StartIntegrationOptions): Promise<void> {
  const startedAt = lastIntegrationStart(o.logPath);
  if (!session.backup && startedAt === undefined) return;
  const commit = session.backup ? await git(o.root, ['rev-parse', session.backup]) : undefined;
  emit(
    session,
    discardedEvent({
      branch: o.branch,
      ...(startedAt ? { startedAt } : {}),
      ...(commit ? { commit } : {}),
      ...(session.backup ? { backup: session.backup } : {}),
    }),
  );
}

/** Records what this integration leaves out: features without a branch and features that did not pass. */
export function recordLeftOut(session: Session, o: StartIntegrationOptions): void {
  for (const id of o.notRun) {
    const reason = notRunReason(id, o.undecided?.[id]);
    session.steps.set(id, { feature_id: id, status: 'not-run', reason });
    emit(session, { type: 'merge.skipped', feature_id: id, reason, kind: 'not-run' });
  }
  for (const x of o.excluded ?? []) {
    const recheck = o.recheck?.includes(x.feature_id) ? { recheck: true as const } : {};
    session.steps.set(x.feature_id, {
      feature_id: x.feature_id,
      status: 'not-merged',
      feature_status: x.status,
      reason: x.reason,
      ...recheck,
    });
    // Recorded too: `--continue` rebuilds the step from this event, and names verify for it as this start does.
    emit(session, {
      type: 'merge.skipped',
      feature_id: x.feature_id,
      reason: x.reason,
      kind: 'excluded',
      status: x.status,
      ...recheck,
    });
  }
}
