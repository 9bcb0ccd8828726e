/**
 * What `status` says of the last integration when it is unfinished and no `baton integrate` works on
 * it (`unfinishedIntegration`): a line under the table, and `integration` in `--json`, from the folded
 * state the view already has (the fold snapshot, on a warm `status`) and what git shows of it (its
 * branch, its proven worktree), looked at again only when the integration changed.
 */

import { featureBranch } from '../git/refs.js';
import {
  describeUnfinished,
  isUnfinished,
  stopReason,
  type UnfinishedIntegration,
  unfinishedIntegration,
} from '../integrate/unfinished.js';
import { integrationOnDisk } from '../integrate/worktree-proof.js';
import { liveLockHolder } from '../lock/baton-lock.js';
import type { BatonState } from '../log/state.js';
import { escapeControl } from '../text/escape.js';

/** The last integration, unless it finished, none began, its branch is gone or a live `baton integrate` holds its lock. */
export type Stopped = UnfinishedIntegration | undefined;

/**
 * The stopped integration of `root`, looked at (`look`: true when what is shown changed) once for each
 * change of the folded integration, so a `--watch` asks git only then, not on each redraw; `shown`
 * gives the last look, and with `redraw` looks again and redraws once that changed what is shown.
 */
export interface IntegrationLook {
  look: (state: BatonState) => Promise<boolean>;
  shown: (state: BatonState, redraw?: () => void) => Stopped;
}

/** What a look depends on: the folded integration and whether a live Baton holds the integrate lock. */
function lookKey(integration: BatonState['integration'], live: boolean): string {
  const { started_at, ended_at, outcome, open, merges, tests } = integration;
  return JSON.stringify([started_at, ended_at, outcome, open, merges.length, tests.length, live]);
}

/** The looks at `root`'s stopped integration (`IntegrationLook`); a later look wins over an earlier one under way. */
export function lookAtIntegration(root: string): IntegrationLook {
  let key: string | undefined;
  let shown: Stopped;
  let looks = 0;
  const look = async (state: BatonState): Promise<boolean> => {
    const integration = state.integration;
    const live = liveLockHolder(root, 'integrate') !== undefined;
    const k = lookKey(integration, live);
    if (k === key) return false;
    key = k;
    const mine = ++looks;
    // Git is asked only when the log says it is unfinished.
    const found = isUnfinished(integration, live)
      ? unfinishedIntegration(integration, live, await integrationOnDisk(root))
      : undefined;
    if (mine !== looks) return false;
    shown = found;
    return true;
  };
  return {
    look,
    shown: (state, redraw) => {
      if (redraw)
        void look(state).then(
          (changed) => changed && redraw(),
          () => {},
        );
      return shown;
    },
  };
}

/** The line under the table: what stopped it, where, and how to go on (escaped: ids, paths and the test come from the log). */
export function integrationNote(u: UnfinishedIntegration | undefined): string {
  if (!u) return '';
  const { what, goOn } = describeUnfinished(u);
  return `${escapeControl(`${what}: ${goOn}`)}\n`;
}

/** The `--json` shape of it (documented in the README); `null` when the last integration finished, its branch is gone, or there is none. */
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
    branches_gone: u.gone.map((g) => featureBranch(g.id)),
    go_on: describeUnfinished(u).goOn,
  };
}
