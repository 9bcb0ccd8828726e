/**
 * What `status` says of the last integration when it is unfinished and no `baton integrate` works on
 * it (`unfinishedIntegration`): a line under the table, and `integration` in `--json`, both from the
 * folded state the view already has (the fold snapshot, on a warm `status`).
 */
import {
  describeUnfinished,
  stopReason,
  type UnfinishedIntegration,
  unfinishedIntegration,
} from '../integrate/unfinished.js';
import { liveLockHolder } from '../lock/baton-lock.js';
import type { BatonState } from '../log/state.js';
import { escapeControl } from '../text/escape.js';

/** The last integration, unless it finished, none began, or a live `baton integrate` holds its lock. */
export function statusIntegration(state: BatonState, root: string): UnfinishedIntegration | undefined {
  return unfinishedIntegration(state.integration, liveLockHolder(root, 'integrate') !== undefined);
}

/** The line under the table: what stopped it, where, and how to go on (escaped: ids, paths and the test come from the log). */
export function integrationNote(u: UnfinishedIntegration | undefined): string {
  if (!u) return '';
  const { what, goOn } = describeUnfinished(u);
  return `${escapeControl(`${what}: ${goOn}`)}\n`;
}

/** The `--json` shape of it (documented in the README); `null` when the last integration finished or there is none. */
export function integrationJson(u: UnfinishedIntegration | undefined) {
  if (!u) return null;
  return {
    how: u.how,
    merged: u.merged,
    order: u.order,
    stopped_at: u.stop?.feature_id ?? null,
    reason: u.stop ? stopReason(u.stop) : null,
    worktree: u.worktree ?? null,
    command: u.command,
    test_from_log: u.testFromLog,
    go_on: describeUnfinished(u).goOn,
  };
}
