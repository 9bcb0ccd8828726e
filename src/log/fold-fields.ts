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

/**
 * Two usages added up (pure): each figure either reported, summed; the refused calls of both. What a
 * feature's launches of one run cost together, as the report sums its agent exits (`usageOf`).
 */
export function addUsage(a: AgentUsage | undefined, b: AgentUsage): AgentUsage {
  if (a === undefined) return b;
  const out: AgentUsage = {};
  for (const key of USAGE_KEYS) {
    const x = a[key];
    const y = b[key];
    if (x !== undefined || y !== undefined) out[key] = (x ?? 0) + (y ?? 0);
  }
  if (a.permission_denials !== undefined || b.permission_denials !== undefined)
    out.permission_denials = [...(a.permission_denials ?? []), ...(b.permission_denials ?? [])];
  return out;
}

/** A run's queue: its URL and hub only. */
export function declaredQueue(queue: RunQueue): RunQueue {
  return { url: queue.url, hub: queue.hub };
}

/**
 * What a check measured, with its declared fields only. Field by field, not by a loop over the names:
 * a log holds a check line per criterion per run, and the loop's computed keys cost a cold `status`
 * over 1 M events about 2 % of its time.
 */
export function declaredMeasurement(m: CheckMeasurement): CheckMeasurement {
  const out: CheckMeasurement = {};
  if (m.exit_code !== undefined) out.exit_code = m.exit_code;
  if (m.output_tail !== undefined) out.output_tail = m.output_tail;
  if (m.p50_ms !== undefined) out.p50_ms = m.p50_ms;
  if (m.p95_ms !== undefined) out.p95_ms = m.p95_ms;
  if (m.p99_ms !== undefined) out.p99_ms = m.p99_ms;
  if (m.error_rate !== undefined) out.error_rate = m.error_rate;
  if (m.requests !== undefined) out.requests = m.requests;
  if (m.duration_ms !== undefined) out.duration_ms = m.duration_ms;
  if (m.files !== undefined) out.files = [...m.files];
  return out;
}

/** Sets a key as an own property, so ids like `__proto__` from a log line cannot reach a prototype. */
export function setOwn<T>(record: Record<string, T>, key: string, value: T): void {
  // Only `__proto__` is special on assignment (Object.prototype's setter); any other key becomes an own one.
  if (key === '__proto__') {
    Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    record[key] = value;
  }
}
