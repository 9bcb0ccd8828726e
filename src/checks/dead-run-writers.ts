/**
 * A `baton run` killed outright (kill -9, the OOM killer) leaves its agents working in their
 * worktrees, where no lock says so any more: `verify` looks for them by the rule `clean` and
 * `run --resume` use (`deadRunGroups`) and checks no worktree one of them is still writing.
 */
import { deadRunGroups } from '../clean/left-behind.js';
import { featureOfUnit } from '../contracts/feature-id.js';
import { UserError } from '../errors.js';
import { runLiveness } from '../guard/liveness.js';
import type { BatonState } from '../log/fold.js';
import { escapeControl } from '../text/escape.js';

/**
 * Throws `verify/agent-still-running` when a dead run's proven process group (an agent, a setup) is
 * still alive for one of `featureIds` (its attempts too), naming each group and how to stop it.
 */
export function refuseDeadRunWriters(root: string, state: BatonState, featureIds: readonly string[]): void {
  const asked = new Set(featureIds);
  const groups = deadRunGroups(state, runLiveness(root), root).filter((g) =>
    asked.has(featureOfUnit(g.feature_id)),
  );
  if (groups.length === 0) return;
  const named = groups
    .map((g) => `${g.feature_id}: group ${g.pgid} (${escapeControl(g.command)})`)
    .join('; ');
  const units = [...new Set(groups.map((g) => g.feature_id))].join(', ');
  throw new UserError(
    'verify/agent-still-running',
    `a dead run's agent is still working in the worktree of ${units} (${named}): its checks would judge work still being written`,
    {
      hint: `\`baton run --resume\` stops them and goes on with the run; or stop them (\`kill -TERM -- ${groups.map((g) => `-${g.pgid}`).join(' ')}\`), then verify again.`,
    },
  );
}
