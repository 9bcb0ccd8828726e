import { type BatonState, type FeatureState, featureAt, pendingFeature } from '../log/fold.js';
import { splitRunFeatures } from './runs.js';

/**
 * Features only events outside the last run name (a hook for a feature no run started), by the
 * report's rule (`splitRunFeatures`): `status` and the dashboard leave them off the board, as the
 * report leaves them out.
 */
export function outsideRun(state: BatonState): string[] {
  const unstarted = Object.values(state.features).filter((f) => f.run_id === undefined);
  const listed = state.run_id === undefined ? undefined : state.run_feature_ids;
  return splitRunFeatures(listed, unstarted.map((f) => f.feature_id).sort()).outside;
}

/**
 * The rows `status` and the dashboard show: the plan's features (`ids`, pending until the log names
 * them), then those only the log knows, sorted; one outside the run is pending if planned, else not shown.
 */
export function featureRows(state: BatonState, ids: readonly string[]): FeatureState[] {
  const outside = new Set(outsideRun(state));
  const order = [
    ...ids,
    ...Object.keys(state.features)
      .filter((id) => !ids.includes(id) && !outside.has(id))
      .sort(),
  ];
  return order.map((id) => (outside.has(id) ? undefined : featureAt(state, id)) ?? pendingFeature(id));
}
