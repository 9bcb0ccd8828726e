/**
 * A feature that runs headless in a run with tmux windows (one contract says `interactive: true`,
 * another does not): the run is interactive, but this agent has no window for `stop`, `attach` or
 * `send` to act on. Its `feature.started` says so (`interactive: false`), read here (pure).
 */
import { type BatonState, featureAt } from '../log/fold.js';

/** Whether the feature's agent is running headless in a run with windows: it was launched without one. */
export function runsHeadless(state: BatonState, featureId: string): boolean {
  const f = featureAt(state, featureId);
  return f?.interactive === false && (f.status === 'running' || f.status === 'needs-input');
}
