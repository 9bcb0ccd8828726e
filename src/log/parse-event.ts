/**
 * The edge where a parsed JSON value becomes an event: each value is checked against its type's
 * schema in `events.ts`, so the fold and every renderer can trust the types. Extra fields are
 * allowed (newer writers add them) and kept as written, nested at most `MAX_NESTING` levels deep.
 */
import { FEATURE_ID_PATTERN, isUnitId } from '../contracts/feature-id.js';
import type { z } from '../zod.js';
import { EVENT_SCHEMAS, type LogEvent } from './events.js';
import { type FastTest, fastTest } from './fast-check.js';

// Looked up by key only: each schema is built when its first event is checked (`events.ts`).
const SCHEMAS = EVENT_SCHEMAS as unknown as Readonly<Record<string, z.ZodMiniType>>;

/**
 * Each type's fast test, compiled when the first event of that type is checked: compiling every type's
 * at load cost each command that imports the reader (`run` among them) its time, read a log or not.
 */
const FITS = new Map<string, FastTest>();

function fitsOf(type: string, schema: z.ZodMiniType): FastTest {
  let fits = FITS.get(type);
  if (fits === undefined) {
    fits = fastTest(schema);
    FITS.set(type, fits);
  }
  return fits;
}

/** The event types whose fast test has been compiled so far (what the tests check stays lazy). */
export function compiledEventTests(): string[] {
  return [...FITS.keys()];
}

function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  // JSON reads a number too large for a double (1e400) as Infinity, which JSON.stringify writes as null.
  if (typeof v === 'number' && !Number.isFinite(v)) return `${v} (a number too large to hold)`;
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}

const ARTICLE: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
};

/** What a zod issue expected, in words ("a string", "one of a, b"). */
function expectedOf(issue: z.core.$ZodIssue, value: unknown): string {
  // A number field holding Infinity (JSON's 1e400) must be finite; any other field says what it must be.
  if (issue.code === 'invalid_type' && issue.expected === 'number' && typeof value === 'number')
    return 'a finite number';
  if (issue.code === 'invalid_type') return ARTICLE[issue.expected] ?? String(issue.expected);
  if (issue.code === 'invalid_value')
    return issue.values.length === 1 ? String(issue.values[0]) : `one of ${issue.values.join(', ')}`;
  // A number's bounds (a cost or a count of at least 0, a concurrency of at least 1, a count a double holds).
  if ((issue.code === 'too_small' || issue.code === 'too_big') && issue.origin === 'number') {
    const bound = issue.code === 'too_small' ? issue.minimum : issue.maximum;
    const side = issue.code === 'too_small' ? 'at least' : 'at most';
    return `a number ${issue.inclusive ? side : issue.code === 'too_small' ? 'above' : 'below'} ${String(bound)}`;
  }
  if (issue.code === 'too_small') return 'a non-empty string';
  return issue.message;
}

function valueAt(record: unknown, path: readonly PropertyKey[]): unknown {
  let v = record;
  for (const key of path)
    v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[key] : undefined;
  return v;
}

const ID_SHAPE = 'a feature id (at most 100 characters of a-z, 0-9 and -, or <id>.a<n> for an attempt)';

/**
 * Why a line's feature ids cannot be used, or undefined: ids become table rows, cards, branch and folder
 * names, so one read from the log must have the shape a contract's id has (docs/security.md), else the
 * line is a problem line, never a feature (`<img onerror=…>`, `__proto__`).
 */
function featureIdProblem(record: Record<string, unknown>): string | undefined {
  const own = record.feature_id;
  if (typeof own === 'string' && !isUnitId(own))
    return `"feature_id" must be ${ID_SHAPE}, got ${describeValue(own)}`;
  const listed = record.feature_ids;
  if (!Array.isArray(listed)) return undefined;
  const bad = listed.find((x) => typeof x === 'string' && !FEATURE_ID_PATTERN.test(x));
  return bad === undefined
    ? undefined
    : `"feature_ids" must hold feature ids only, got ${describeValue(bad)}`;
}

/**
 * How deep a line's JSON may nest (the event object being level 1). Baton's own events nest four
 * levels at most; extra fields are kept as written, and one nested thousands deep made every reader
 * that copies or writes the state out (`JSON.stringify`) overflow the stack.
 */
export const MAX_NESTING = 32;

/** Whether `value` holds an object or list more than `levels` levels down (`levels` counts `value`'s own). */
function nestedDeeperThan(value: unknown, levels: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (levels === 0) return true;
  if (Array.isArray(value)) {
    for (const v of value)
      if (v !== null && typeof v === 'object' && nestedDeeperThan(v, levels - 1)) return true;
    return false;
  }
  // Most fields are strings and numbers: only an object or list is walked into (a call per field cost
  // a cold status over 1 M events about 5 % of its time).
  for (const key in value) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== null && typeof v === 'object' && nestedDeeperThan(v, levels - 1)) return true;
  }
  return false;
}

/**
 * Why a parsed JSON value is no event (nested too deep, unknown type, a field missing or mistyped, a
 * feature id of the wrong shape), or undefined when it is one: the value itself then. The reader's hot
 * path asks this once per line, so the answer allocates nothing when the line is good.
 */
export function logValueProblem(value: unknown): string | undefined {
  if (nestedDeeperThan(value, MAX_NESTING)) return `nested deeper than ${MAX_NESTING} levels`;
  return shapeProblem(value) ?? featureIdProblem(value as Record<string, unknown>);
}

/** Checks a parsed JSON value: the event it is, or why it cannot be used (see `logValueProblem`). */
export function checkLogValue(value: unknown): { event: LogEvent } | { problem: string } {
  const problem = logValueProblem(value);
  return problem === undefined ? { event: value as LogEvent } : { problem };
}

function shapeProblem(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'not a JSON object';
  const record = value as Record<string, unknown>;
  const type = record.type;
  if (typeof type === 'string') {
    // A type seen before has its test compiled: one lookup, and no schema built or asked.
    const seen = FITS.get(type);
    if (seen?.(record)) return undefined;
    const schema = Object.hasOwn(SCHEMAS, type) ? SCHEMAS[type] : undefined;
    if (schema === undefined) return `unknown event type "${type}"`;
    if (seen === undefined && fitsOf(type, schema)(record)) return undefined;
    return zodProblem(type, schema, record);
  }
  if (type !== undefined) return '"type" must be a string';
  if (typeof record.feature_id !== 'string' || record.feature_id === '') return 'missing "feature_id"';
  if (typeof record.status !== 'string' || record.status === '') return 'missing "status"';
  return undefined;
}

/** What zod says is wrong with an event its fast test refused, in words (undefined when zod takes it). */
function zodProblem(
  type: string,
  schema: z.ZodMiniType,
  record: Record<string, unknown>,
): string | undefined {
  const result = schema.safeParse(record);
  if (result.success) return undefined;
  // The stamp (`v`, `ts`) is named last: a field of the event itself says more about what went wrong.
  const issues = result.error.issues;
  const first = (issues.find((i) => i.path[0] !== 'v' && i.path[0] !== 'ts') ??
    issues[0]) as z.core.$ZodIssue;
  // `z.int()`'s own safe-integer range is said first; a bound of the schema's own on that field (an
  // attempt number's 1..MAX_ATTEMPTS) is the one that says what the field must be.
  const own = (i: z.core.$ZodIssue) =>
    i.path.join('.') === first.path.join('.') && 'origin' in i && i.origin === 'number';
  const issue = ('origin' in first && first.origin === 'int' && issues.find(own)) || first;
  const field = issue.path.map(String).join('.');
  const value = valueAt(record, issue.path);
  return `${type}: "${field}" must be ${expectedOf(issue, value)}, got ${describeValue(value)}`;
}

/** The event a parsed JSON value is, or undefined when it does not fit any (see `checkLogValue`). */
export function parseLogEvent(value: unknown): LogEvent | undefined {
  const checked = checkLogValue(value);
  return 'event' in checked ? checked.event : undefined;
}
