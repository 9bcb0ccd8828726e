/**
 * `--continue` applies the integration's rule again before it goes on: what no longer passes since
 * the integration began is left out, or keeps `--into` from moving, or is not committed.
 */
import { printableArg } from '../agents/shell-words.js';
import { UserError } from '../errors.js';
import type { FeatureStatus, IntegrationExclusion } from '../log/events.js';
import { foldForFeatures } from '../log/fold-from-end.js';
import type { FeatureState } from '../log/state.js';
import { basesOf } from './choose.js';
import { freshCommandOf } from './continue-command.js';
import type { ResumeState } from './resume-state.js';
import { noLongerTaken } from './selection.js';
import { excludeWithDependents, type Session } from './session.js';

/** What `--continue` found no longer passing, to apply once the merge being resolved is committed. */
export interface Recheck {
  failing: IntegrationExclusion[];
  /**
   * Features taken only because the integration's `--include` covers the status they have now (their
   * checks failed since it began): let in by `--include` as much as those it began with.
   */
  letIn: Array<{ feature_id: string; status: FeatureStatus }>;
  statusOf: (id: string) => FeatureStatus;
}

/**
 * Applies the integration's rule again before going on (`noLongerTaken`), reading the log and
 * emitting nothing, so a `--continue` refused for another reason changes nothing: the conflict being
 * resolved is refused here when its feature no longer passes; the rest waits for `applyRecheck`.
 * Also reads each feature's fork point for `--into`. A feature verified since on another commit than
 * the one this integration recorded is not judged by that check (the recorded commit's pass stands,
 * and it is the one merged); a note says so.
 */
export function recheck(session: Session, r: ResumeState): Recheck {
  const state = foldForFeatures(session.s.logPath, session.order);
  const stateOf = (id: string) => (Object.hasOwn(state.features, id) ? state.features[id] : undefined);
  const statusOf = (id: string): FeatureStatus => stateOf(id)?.status ?? 'pending';
  session.bases = basesOf(session.order, stateOf);
  // An integration logged before commits were recorded has nothing to compare with.
  if (Object.keys(r.commits).length === 0) return { failing: [], letIn: [], statusOf };
  const sameCommit = session.order.filter((id) => {
    const checked = stateOf(id)?.commit;
    const recorded = r.commits[id];
    if (checked === undefined || recorded === undefined || checked === recorded) return true;
    session.notes.push(changedSinceNote(id, stateOf(id), checked, recorded, freshCommandOf(session)));
    return false;
  });
  const rule = { include: r.include, trust: session.s.trust ?? { trustWorkers: false } };
  const failing = noLongerTaken(session.s.plan, sameCommit, stateOf, rule, r.commits);
  const pending = failing.find((x) => x.feature_id === r.pending?.feature_id);
  if (pending) {
    throw new UserError(
      'integrate/no-longer-passes',
      `${pending.feature_id} no longer passes since this integration began (${pending.reason}); its merge is left uncommitted in ${session.worktree}`,
      {
        hint: `Fix it, then start over: git -C ${printableArg(session.worktree)} merge --abort && ${freshCommandOf(session)}`,
      },
    );
  }
  const letIn = sameCommit.flatMap((id) => {
    const status = statusOf(id);
    const counted =
      status === 'complete' ||
      failing.some((x) => x.feature_id === id) ||
      session.included.some((x) => x.feature_id === id);
    return counted ? [] : [{ feature_id: id, status }];
  });
  return { failing, letIn, statusOf };
}

/**
 * Why a feature's commit differs from the one this integration recorded, in words: `baton pick` put
 * another attempt on its branch (the fold's winner is picked and holds that commit), or a check ran on
 * a newer commit (`baton verify`). Either way `--continue` merges the recorded one; `fresh` (the start
 * over, `freshCommandOf`) takes the new one.
 */
function changedSinceNote(
  id: string,
  f: FeatureState | undefined,
  current: string,
  recorded: string,
  fresh: string,
): string {
  const attemptOf = (c: string) => Object.values(f?.attempts ?? {}).find((a) => a.commit === c);
  const picked = f?.winner?.picked ? attemptOf(current) : undefined;
  if (picked !== undefined && picked.attempt === f?.winner?.attempt) {
    const was = attemptOf(recorded);
    return `${id}: attempt ${picked.attempt} (${current.slice(0, 10)}, ${picked.status}) was picked since this integration began; it merges ${recorded.slice(0, 10)}${was ? ` (attempt ${was.attempt})` : ''}, the commit it recorded (\`${fresh}\` takes the pick)`;
  }
  return `${id} was checked on ${current.slice(0, 10)} since this integration began; it merges ${recorded.slice(0, 10)}, the commit selected (\`${fresh}\` takes the newer one)`;
}

/**
 * What `recheck` found, applied: a feature still to merge that no longer passes is left out (and its
 * dependents), one already merged keeps `--into` from moving, and one taken now only by `--include`
 * is counted as let in by it (`session.included`), which keeps `--into` from moving too.
 */
export function applyRecheck(session: Session, found: Recheck): void {
  session.stale = found.failing.filter((x) => session.merged.includes(x.feature_id));
  for (const x of session.stale)
    session.notes.push(`${x.feature_id} was merged but no longer passes: ${x.reason}`);
  // Left out before (a conflict skipped, a dependency): not merged, so not let in.
  const letIn = found.letIn.filter((x) => (session.steps.get(x.feature_id)?.status ?? 'merged') === 'merged');
  session.included.push(...letIn);
  for (const x of letIn) {
    session.notes.push(
      `${x.feature_id} is ${x.status} since this integration began; --include ${x.status} lets it in, so --into will not move a branch onto it`,
    );
  }
  for (const x of found.failing) {
    if (session.steps.has(x.feature_id)) continue;
    excludeWithDependents(session, x, found.statusOf);
  }
}
