/**
 * How often, and how long, the conductor had to step into each interactive feature (pure): the
 * method's measure of how well its contract was written. A wait runs from a hook that set
 * `needs-input` to the next sign of the agent carrying on (any later hook, an intervention, its
 * exit or retry, or the feature's end); an intervention is a `user.intervention` event (`baton send`,
 * `attach`, `stop`).
 */
import type { LogEvent } from '../log/events.js';

/** One feature's interventions and waits. */
export interface FeatureInterventions {
  feature_id: string;
  /** `user.intervention` events: messages sent, windows attached, agents stopped. */
  interventions: number;
  /** Times the agent asked for input. */
  waits: number;
  /** Total time spent in `needs-input`, ms (an open wait counts up to the last event seen). */
  waiting_ms: number;
}

/** Counts interventions and waits per feature from the log's events, in log order (pure). */
export function countInterventions(events: Iterable<LogEvent>): FeatureInterventions[] {
  const byFeature = new Map<string, FeatureInterventions & { since?: number | undefined }>();
  const of = (id: string) => {
    let f = byFeature.get(id);
    if (!f) {
      f = { feature_id: id, interventions: 0, waits: 0, waiting_ms: 0 };
      byFeature.set(id, f);
    }
    return f;
  };
  let lastTs: number | undefined;
  for (const e of events) {
    if (e.type === undefined) continue;
    const ts = Date.parse(e.ts);
    if (Number.isFinite(ts)) lastTs = ts;
    if (
      e.type !== 'hook' &&
      e.type !== 'user.intervention' &&
      e.type !== 'feature.ended' &&
      e.type !== 'agent.exited' &&
      e.type !== 'agent.retrying'
    ) {
      continue;
    }
    const f = of(e.feature_id);
    if (f.since !== undefined && Number.isFinite(ts)) {
      f.waiting_ms += Math.max(0, ts - f.since);
      f.since = undefined;
    }
    if (e.type === 'user.intervention') f.interventions++;
    if (e.type === 'hook' && e.status === 'needs-input') {
      f.waits++;
      if (Number.isFinite(ts)) f.since = ts;
    }
  }
  return [...byFeature.values()]
    .map(({ since, ...f }) => ({
      ...f,
      waiting_ms:
        f.waiting_ms + (since !== undefined && lastTs !== undefined ? Math.max(0, lastTs - since) : 0),
    }))
    .filter((f) => f.interventions > 0 || f.waits > 0);
}
