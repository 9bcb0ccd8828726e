/**
 * The edge where a parsed JSON value becomes an event: each value is checked against its type's
 * schema in `events.ts`, so the fold and every renderer can trust the types. Extra fields are
 * allowed (newer writers add them) and kept as written.
 */
import type { z } from 'zod';
import { EVENT_SCHEMAS, type LogEvent } from './events.js';

const SCHEMAS: ReadonlyMap<string, z.ZodType> = new Map(Object.entries(EVENT_SCHEMAS));

function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}

function valueAt(record: unknown, path: readonly PropertyKey[]): unknown {
  let v = record;
  for (const key of path)
    v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[key] : undefined;
  return v;
}

/** Checks a parsed JSON value: the event it is, or why it cannot be used (unknown type, a field missing or mistyped). */
export function checkLogValue(value: unknown): { event: LogEvent } | { problem: string } {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return { problem: 'not a JSON object' };
  const record = value as Record<string, unknown>;
  if (typeof record.type === 'string') {
    const schema = SCHEMAS.get(record.type);
    if (schema === undefined) return { problem: `unknown event type "${record.type}"` };
    const result = schema.safeParse(record);
    if (result.success) return { event: record as unknown as LogEvent };
    const issue = result.error.issues[0];
    const path = issue?.path ?? [];
    const field = path.map(String).join('.');
    return {
      problem: `${record.type}: "${field}" ${issue?.message ?? 'is invalid'}, got ${describeValue(valueAt(record, path))}`,
    };
  }
  if (record.type !== undefined) return { problem: '"type" must be a string' };
  if (typeof record.feature_id !== 'string' || record.feature_id === '')
    return { problem: 'missing "feature_id"' };
  if (typeof record.status !== 'string' || record.status === '') return { problem: 'missing "status"' };
  return { event: record as unknown as LogEvent };
}

/** The event a parsed JSON value is, or undefined when it does not fit any (see `checkLogValue`). */
export function parseLogEvent(value: unknown): LogEvent | undefined {
  const checked = checkLogValue(value);
  return 'event' in checked ? checked.event : undefined;
}
