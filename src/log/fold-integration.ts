/** The integration part of the fold (pure): `integration.*` and `merge.*` events onto `state.integration`. */
import { unreachable } from '../errors.js';
import type {
  BatonEvent,
  IntegrationDiscarded,
  IntegrationEnded,
  IntegrationStarted,
  IntegrationTested,
  MergeClean,
  MergeConflict,
  MergeSkipped,
} from './events.js';
import type { BatonState } from './state.js';

/** An event of `baton integrate`. */
export type IntegrationEvent =
  | IntegrationStarted
  | MergeClean
  | MergeConflict
  | MergeSkipped
  | IntegrationTested
  | IntegrationEnded
  | IntegrationDiscarded;

/** The integration's event types: the events that name a feature but record no run's work on it. */
const INTEGRATION_TYPES: ReadonlySet<BatonEvent['type']> = new Set<IntegrationEvent['type']>([
  'integration.started',
  'merge.clean',
  'merge.conflict',
  'merge.skipped',
  'integration.tested',
  'integration.ended',
  'integration.discarded',
]);

/** Whether an event is the integration's: one of its own, or a check run on its result or before a promotion. */
export function aboutIntegration(ev: BatonEvent): boolean {
  if (INTEGRATION_TYPES.has(ev.type)) return true;
  return (
    (ev.type === 'check.passed' || ev.type === 'check.failed' || ev.type === 'check.unverifiable') &&
    ev.on !== 'worktree'
  );
}

/** Applies one integration event to the state in place; the switch is exhaustive over `IntegrationEvent`. */
export function applyIntegrationEvent(state: BatonState, ev: IntegrationEvent): void {
  switch (ev.type) {
    case 'integration.started':
      // A new attempt ends the one before (discarded with `--fresh`, or nothing left of it on the
      // branch): its after-integration criteria judged a result that is gone, so they count no more.
      for (const f of Object.values(state.features)) {
        if (Object.keys(f.integration_checks).length > 0) f.integration_checks = {};
      }
      state.integration = {
        started_at: ev.ts,
        branch: ev.branch,
        worktree: ev.worktree,
        order: [...ev.order],
        merges: [],
        tests: [],
        ...(ev.test !== undefined ? { test: ev.test } : {}),
        ...(ev.test_timeout_s !== undefined ? { test_timeout_s: ev.test_timeout_s } : {}),
        ...(ev.into !== undefined ? { asked_into: ev.into } : {}),
        ...(ev.on_conflict !== undefined ? { on_conflict: ev.on_conflict } : {}),
        ...(ev.include !== undefined ? { include: [...ev.include] } : {}),
        ...(ev.named !== undefined ? { named: [...ev.named] } : {}),
        ...(ev.base_ref !== undefined ? { base_ref: ev.base_ref } : {}),
      };
      break;
    case 'merge.clean':
      state.integration.merges.push({
        feature_id: ev.feature_id,
        outcome: 'clean',
        files: [],
        with: [],
        duration_ms: ev.duration_ms,
        commit: ev.commit,
        ...(ev.resolved === undefined ? {} : { resolved: ev.resolved }),
        ts: ev.ts,
      });
      break;
    case 'merge.conflict':
      state.integration.merges.push({
        feature_id: ev.feature_id,
        outcome: 'conflict',
        files: [...ev.files],
        with: [...ev.with],
        duration_ms: ev.duration_ms,
        ...(ev.base_lacks_cut === undefined ? {} : { base_lacks_cut: ev.base_lacks_cut }),
        ts: ev.ts,
      });
      break;
    case 'merge.skipped':
      state.integration.merges.push({
        feature_id: ev.feature_id,
        outcome: 'skipped',
        files: [],
        with: [],
        reason: ev.reason,
        ts: ev.ts,
      });
      break;
    case 'integration.tested':
      state.integration.tests.push({
        after_feature: ev.after_feature,
        passed: ev.passed,
        exit_code: ev.exit_code,
        ts: ev.ts,
        ...(ev.reason === undefined ? {} : { left: ev.reason }),
      });
      break;
    case 'integration.ended':
      applyEnded(state.integration, ev);
      break;
    case 'integration.discarded':
      // The next `integration.started` resets the integration state and the features' integration
      // criteria; the report reads this one itself.
      break;
    default:
      unreachable(ev);
  }
  // Begun, merged or tested since its last end (a `--continue` killed before recording its own): open.
  state.integration.open = ev.type !== 'integration.ended' && ev.type !== 'integration.discarded';
}

/** An integration's recorded end, onto its state in place. */
function applyEnded(integration: BatonState['integration'], ev: IntegrationEnded): void {
  integration.ended_at = ev.ts;
  integration.outcome = ev.outcome;
  integration.duration_ms = ev.duration_ms;
  if (ev.commit) integration.commit = ev.commit;
  if (ev.into) integration.into = ev.into;
  // A `--continue` that stops again at the next conflict names the branch it still has to move.
  if (ev.into_asked) integration.asked_into = ev.into_asked;
  // A `--continue` given a longer test timeout: the commands that go on from its end name it.
  if (ev.test_timeout_s !== undefined) integration.test_timeout_s = ev.test_timeout_s;
}
