import { type BatonState, type FeatureState, featureAt, pendingFeature } from '../log/fold.js';
import { splitRunFeatures } from '../metrics/runs.js';
import { escapeControl } from '../text/escape.js';

/**
 * Features only events outside the last run name (a hook for a feature no run started), by the
 * report's rule (`splitRunFeatures`): their events are left out of the table, as the report leaves them out.
 */
export function outsideRun(state: BatonState): string[] {
  const unstarted = Object.values(state.features).filter((f) => f.run_id === undefined);
  const listed = state.run_id === undefined ? undefined : state.run_feature_ids;
  return splitRunFeatures(listed, unstarted.map((f) => f.feature_id).sort()).outside;
}

/** The table's rows: the plan's features, then the log's; one outside the run is pending if planned, else not shown. */
export function rowsOf(state: BatonState, ids: readonly string[]): FeatureState[] {
  const outside = new Set(outsideRun(state));
  const order = [
    ...ids,
    ...Object.keys(state.features)
      .filter((id) => !ids.includes(id) && !outside.has(id))
      .sort(),
  ];
  return order.map((id) => (outside.has(id) ? undefined : featureAt(state, id)) ?? pendingFeature(id));
}

/** The line under the table naming the features left out of it (`outsideRun`), or ''. */
export function outsideRunNote(state: BatonState): string {
  const outside = outsideRun(state);
  return outside.length ? `events for features not in this run: ${escapeControl(outside.join(', '))}\n` : '';
}
