import { unitWords } from '../contracts/feature-id.js';
import { UserError } from '../errors.js';
import { type BatonState, unitAt } from '../log/fold.js';
import { escapeControl } from '../text/escape.js';
import { runsHeadless } from './headless-feature.js';
import { namePanes, sessionPanes } from './panes.js';
import { answersTo, type FeatureWindow, featureWindow, unitRunId } from './target.js';
import { otherServerError, printedTmux, type Tmux, tmuxFor } from './tmux.js';

/**
 * A unit's agent pane that is open now, or a clear error (for `attach` and `send`). The pane is the
 * one whose program is proven to be the unit's agent in this run of this repository (`sessionPanes`),
 * found whatever its window is called; the target names that pane, so a window the user renamed is
 * still found and another window of the unit's name is never typed into. A feature's id also finds
 * its best-of-N attempts' agents (`answersTo`), and names them when more than one is open; `unitId`
 * is the unit whose agent the pane is.
 */
export async function openWindow(
  state: BatonState,
  featureId: string,
  env: NodeJS.ProcessEnv,
  run: { logPath: string; interactive: boolean; tmuxSocket?: string | undefined },
): Promise<{ w: FeatureWindow; tmux: Tmux; unitId: string }> {
  const { logPath } = run;
  const w = featureWindow(state, featureId);
  const tmux = tmuxFor(env);
  const runId = unitRunId(state, featureId) ?? '';
  const panes = await sessionPanes(tmux, w.session, { runId, logPath });
  const mine = panes.agents.filter((a) => answersTo(featureId, a.unitId));
  const units = [...new Set(mine.map((a) => a.unitId))].sort();
  if (units.length > 1) {
    const named = units.map((u) => escapeControl(u)).join(', ');
    throw new UserError(
      'interactive/which-attempt',
      `feature ${escapeControl(featureId)} has ${units.length} attempts with an agent window open: ${named}; Baton does not guess which`,
      { hint: `Name the attempt instead of the feature, one of: ${named}.`, exitCode: 2 },
    );
  }
  const [only] = mine;
  if (mine.length === 1 && only) return { w: { ...w, target: only.paneId }, tmux, unitId: only.unitId };
  if (mine.length > 1) {
    throw new UserError(
      'interactive/ambiguous-window',
      `feature ${escapeControl(featureId)} has ${mine.length} agent windows open in ${escapeControl(w.session)}: ${namePanes(mine)}; Baton does not guess which`,
      {
        hint: `Close the ones you do not want (${printedTmux(tmux, ['kill-pane', '-t'])} <pane>), then try again.`,
        exitCode: 1,
      },
    );
  }
  const named = panes.others.filter((o) => answersTo(featureId, o.name));
  if (named.length === 0) {
    const why =
      noWindowReason(state, featureId, run.interactive) ??
      (await otherServerError(env, { runId, tmuxSocket: run.tmuxSocket }));
    if (why) throw why;
  }
  const alone = named.length > 0 ? `; left alone, not proven to be its agent: ${namePanes(named)}` : '';
  throw new UserError(
    'interactive/no-window',
    `${escapeControl(unitWords(featureId))} has no tmux window open (${escapeControl(w.target)})${alone}`,
    {
      hint: 'Only features of a running `baton run --interactive` have one; see `baton status`.',
      exitCode: 1,
    },
  );
}

/** Why a unit has no window when the reason is known from the log: a headless run or feature, an agent not started yet or one that ended. */
function noWindowReason(state: BatonState, featureId: string, interactive: boolean): UserError | undefined {
  const runId = unitRunId(state, featureId) ?? '';
  if (!interactive) {
    return new UserError(
      'interactive/headless-run',
      `run ${escapeControl(runId)} is headless (started without --interactive): its agents have no tmux window`,
      {
        hint: 'Start it with `baton run --interactive` to attach or type to its agents; `baton status` names each agent log.',
        exitCode: 1,
      },
    );
  }
  if (runsHeadless(state, featureId)) {
    return new UserError(
      'interactive/headless-feature',
      `${escapeControl(unitWords(featureId))} runs headless in run ${escapeControl(runId)}: only the run's interactive features have a tmux window`,
      {
        hint: '`interactive: true` in its contract gives it a window in its next run; `baton status` names its agent log.',
        exitCode: 1,
      },
    );
  }
  const status = unitAt(state, featureId)?.status;
  if (status === undefined || status === 'running' || status === 'needs-input') return undefined;
  if (status === 'pending') {
    return new UserError(
      'interactive/not-started',
      `${escapeControl(unitWords(featureId))} has not started yet (pending: waiting for a free slot or for the features it depends on), so it has no window to open`,
      { hint: 'Try again once `baton status` shows it running.', exitCode: 1 },
    );
  }
  return new UserError(
    'interactive/agent-ended',
    `${escapeControl(unitWords(featureId))} is ${status}: its agent has ended, so it has no window to open`,
    { hint: '`baton status` says how it ended and names its agent log.', exitCode: 1 },
  );
}
