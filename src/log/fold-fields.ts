/**
 * The declared fields of an event's nested objects, copied field by field into the fold's state: the
 * reader keeps extra fields as written (`parse-event.ts`), and the state (and its snapshot on disk)
 * holds only what the schema in `event-fields.ts` declares, so no unbounded object enters it.
 */
import type { AgentUsage, CheckMeasurement } from './events.js';
import type { RunQueue } from './state.js';

/** The fields of `from` named in `keys` that are present, in a new object. */
function pickDeclared<T extends object>(from: T, keys: readonly (keyof T)[]): T {
  const out: Partial<T> = {};
  for (const key of keys) if (from[key] !== undefined) out[key] = from[key];
  return out as T;
}

const USAGE_KEYS = ['cost_usd', 'input_tokens', 'output_tokens', 'turns'] as const;

/** An agent's usage with its declared fields only (a refused call's `tool` and `detail` among them). */
export function declaredUsage(usage: AgentUsage): AgentUsage {
  const out = pickDeclared(usage, USAGE_KEYS);
  if (usage.permission_denials !== undefined)
    out.permission_denials = usage.permission_denials.map((d) => pickDeclared(d, ['tool', 'detail']));
  return out;
}

/** A run's queue: its URL and hub only. */
export function declaredQueue(queue: RunQueue): RunQueue {
  return { url: queue.url, hub: queue.hub };
}

const MEASUREMENT_KEYS = [
  'exit_code',
  'output_tail',
  'p50_ms',
  'p95_ms',
  'p99_ms',
  'error_rate',
  'requests',
  'duration_ms',
] as const;

/** What a check measured, with its declared fields only. */
export function declaredMeasurement(measured: CheckMeasurement): CheckMeasurement {
  const out = pickDeclared(measured, MEASUREMENT_KEYS);
  if (measured.files !== undefined) out.files = [...measured.files];
  return out;
}
