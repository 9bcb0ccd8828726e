/**
 * Who changed the main checkout or the repository while agents ran (pure): the evidence a change is
 * named by (`attributeChange`) and the `feature.escaped` events that record it (`escapeEvents`).
 * Attributed best-effort: the user working in their checkout meanwhile looks like an agent, so a name
 * rests on what the features own, or on one agent having been the only one running — never on a guess
 * between several.
 */
import { featureOfUnit } from '../contracts/feature-id.js';
import type { NewEvent } from '../log/events.js';

/** When one agent ran: its feature and its window, for best-effort attribution. */
export interface AgentWindow {
  feature_id: string;
  startMs: number;
  endMs?: number;
}

/**
 * Who a change is taken to be by, and on what evidence: `owns` when it lies in what one running
 * feature owns, `run-window` when only one feature's agents ran while it happened (you, working in
 * your checkout meanwhile, look the same: the words say "while it ran", never more), else `unknown`.
 */
export interface Attribution {
  /** A unit (a feature, or a best-of-N attempt `<id>.a<n>`), or `unknown`. */
  agent: string;
  by: 'owns' | 'run-window' | 'unknown';
}

/** The one unit among `units`, else their one feature (the feature is known, the attempt is not), else none. */
function oneUnit(units: ReadonlySet<string>): string | undefined {
  if (units.size === 1) return [...units][0] as string;
  const features = new Set([...units].map((id) => featureOfUnit(id)));
  return features.size === 1 ? ([...features][0] as string) : undefined;
}

/**
 * Who made a change seen at `nowMs`, last checked at `sinceMs` (pure). Among the units whose windows
 * overlap that span: the one whose feature owns the change (`owned`, given for a path: an agent
 * writing its own files into the main checkout), else the one unit (or feature, when only its
 * attempts ran) there is; `unknown` when none or several features ran and what they own does not
 * tell them apart (never a confident wrong name).
 */
export function attributeChange(
  windows: readonly AgentWindow[],
  sinceMs: number,
  nowMs: number,
  owned?: (featureId: string) => boolean,
): Attribution {
  const units = new Set(
    windows.filter((w) => w.startMs <= nowMs && (w.endMs ?? nowMs) >= sinceMs).map((w) => w.feature_id),
  );
  const owners = new Set([...units].filter((id) => owned?.(featureOfUnit(id)) === true));
  const owner = oneUnit(owners);
  if (owner !== undefined) return { agent: owner, by: 'owns' };
  const ran = oneUnit(units);
  return ran !== undefined ? { agent: ran, by: 'run-window' } : { agent: 'unknown', by: 'unknown' };
}

/**
 * The `feature.escaped` events for attributed changes of one `kind` (a main-checkout path, a
 * repository change in words), grouped by agent; `unknown` ones go under `endingFeature`, marked so.
 */
export function escapeEvents(
  changes: ReadonlyArray<{ text: string } & Attribution>,
  endingFeature: string,
  kind: 'checkout' | 'repository',
): NewEvent[] {
  const groups = new Map<string, { agent: string; by: Attribution['by']; files: string[] }>();
  for (const c of changes) {
    const key = `${c.agent}\0${c.by}`;
    const group = groups.get(key) ?? { agent: c.agent, by: c.by, files: [] };
    group.files.push(c.text);
    groups.set(key, group);
  }
  return [...groups.values()].map(
    ({ agent, by, files }) =>
      ({
        type: 'feature.escaped',
        feature_id: by === 'unknown' ? endingFeature : agent,
        files,
        kind,
        attribution: by,
      }) as NewEvent,
  );
}
