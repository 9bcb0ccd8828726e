/**
 * `--continue` applies the integration's rule again before it goes on: what no longer passes since
 * the integration began is left out, or keeps `--into` from moving, or is not committed.
 */
import { UserError } from '../errors.js';
import { foldForFeatures } from '../log/fold-from-end.js';
import type { ResumeState } from './resume-state.js';
import { noLongerTaken } from './selection.js';
import { excludeWithDependents, type Session } from './session.js';

/**
 * Applies the integration's rule again before going on (`noLongerTaken`): a feature still to merge
 * that no longer passes is left out (and its dependents), one already merged keeps `--into` from
 * moving, and the conflict being resolved is not committed for one.
 */
export async function leaveOutNoLongerPassing(session: Session, r: ResumeState): Promise<void> {
  const state = foldForFeatures(session.s.logPath, session.order);
  const stateOf = (id: string) => (Object.hasOwn(state.features, id) ? state.features[id] : undefined);
  session.bases = Object.fromEntries(
    session.order.flatMap((id) => {
      const base = stateOf(id)?.base_commit;
      return base === undefined ? [] : [[id, base]];
    }),
  );
  // An integration logged before commits were recorded has nothing to compare with.
  if (Object.keys(r.commits).length === 0) return;
  const failing = noLongerTaken(session.s.plan, session.order, stateOf, r.include, r.commits);
  const pending = failing.find((x) => x.feature_id === r.pending?.feature_id);
  if (pending) {
    throw new UserError(
      'integrate/no-longer-passes',
      `${pending.feature_id} no longer passes since this integration began (${pending.reason}); its merge is left uncommitted in ${session.worktree}`,
      {
        hint: `Fix it, then start over: git -C ${session.worktree} merge --abort && baton integrate --fresh.`,
      },
    );
  }
  session.stale = failing.filter((x) => session.merged.includes(x.feature_id));
  for (const x of session.stale)
    session.notes.push(`${x.feature_id} was merged but no longer passes: ${x.reason}`);
  for (const x of failing) {
    if (session.steps.has(x.feature_id) || x.feature_id === r.pending?.feature_id) continue;
    excludeWithDependents(session, x, (id) => stateOf(id)?.status ?? 'pending');
  }
}
