import { isBatonEventType, type LogEvent } from '../log/events.js';
import { parseLogEvent } from '../log/parse-event.js';

/** The events the report can trust, and what it left out. */
export interface WellFormed {
  kept: LogEvent[];
  /** Events of a known type with a field of the wrong shape. */
  dropped: number;
  /** Types this version does not know (a newer Baton wrote them), each once. */
  unknownTypes: string[];
}

/** Keeps the events whose type is known and whose fields have the shape the report reads (pure). */
export function keepWellFormed(events: readonly LogEvent[]): WellFormed {
  const kept: LogEvent[] = [];
  let dropped = 0;
  const unknownTypes = new Set<string>();
  for (const e of events) {
    const record = e as unknown as Record<string, unknown>;
    if (e.type !== undefined && !isBatonEventType(e.type)) {
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
