import type { BatonEventType, LogEvent } from '../log/events.js';
import { parseLogEvent } from '../log/parse-event.js';

/** Every event type this version knows; a new type fails to compile until it is listed here. */
const KNOWN_TYPES = {
  'run.started': true,
  'run.ended': true,
  'phase.started': true,
  'phase.ended': true,
  'worktree.created': true,
  'feature.started': true,
  'agent.exited': true,
  hook: true,
  'feature.ended': true,
  'feature.escaped': true,
  'check.passed': true,
  'check.failed': true,
  'check.unverifiable': true,
  'integration.started': true,
  'merge.clean': true,
  'merge.conflict': true,
  'merge.skipped': true,
  'integration.tested': true,
  'integration.ended': true,
  'integration.discarded': true,
  'collision.detected': true,
  'collision.resolved': true,
  'queue.job': true,
  'user.intervention': true,
  'attempt.started': true,
  'attempt.ended': true,
  'attempt.selected': true,
  'attempt.picked': true,
} as const satisfies Record<BatonEventType, true>;

/** The events the report can trust, and what it left out. */
export interface WellFormed {
  kept: LogEvent[];
  /** Events of a known type with a field of the wrong shape. */
  dropped: number;
  /** Types this version does not know (a newer Baton wrote them), each once. */
  unknownTypes: string[];
}

function isKnown(type: string): type is BatonEventType {
  return Object.hasOwn(KNOWN_TYPES, type);
}

/** Keeps the events whose type is known and whose fields have the shape the report reads (pure). */
export function keepWellFormed(events: readonly LogEvent[]): WellFormed {
  const kept: LogEvent[] = [];
  let dropped = 0;
  const unknownTypes = new Set<string>();
  for (const e of events) {
    const record = e as unknown as Record<string, unknown>;
    if (e.type !== undefined && !isKnown(e.type)) {
      unknownTypes.add(String(e.type));
      continue;
    }
    // One shape per event, the log's own (zod): the fold trusts its input, so what does not fit stays out.
    const fits =
      parseLogEvent(e) !== undefined && (!('feature_id' in record) || typeof record.feature_id === 'string');
    if (fits) kept.push(e);
    else dropped++;
  }
  return { kept, dropped, unknownTypes: [...unknownTypes] };
}
