/**
 * The shape of each event type, checked when a line is read: a line whose fields do not match its
 * `type` is reported with its line number and skipped, like a torn line, so the fold and every
 * renderer can trust the types in `events.ts`. Extra fields are allowed (newer writers add them).
 */
import type { BatonEventType } from './events.js';
import { FEATURE_STATUSES, TERMINAL_STATUSES } from './events.js';

/** A field's test and the words naming what it expects. */
interface Field {
  test(value: unknown): boolean;
  expected: string;
}

const string: Field = { test: (v) => typeof v === 'string', expected: 'a string' };
const id: Field = { test: (v) => typeof v === 'string' && v !== '', expected: 'a non-empty string' };
const number: Field = { test: (v) => typeof v === 'number' && Number.isFinite(v), expected: 'a number' };
const boolean: Field = { test: (v) => typeof v === 'boolean', expected: 'true or false' };
const strings: Field = {
  test: (v) => Array.isArray(v) && v.every((s) => typeof s === 'string'),
  expected: 'a list of strings',
};
const object: Field = {
  test: (v) => v !== null && typeof v === 'object' && !Array.isArray(v),
  expected: 'an object',
};
const orNull = (f: Field): Field => ({
  test: (v) => v === null || f.test(v),
  expected: `${f.expected} or null`,
});
const oneOf = (values: Iterable<string>): Field => {
  const set = new Set(values);
  return {
    test: (v) => typeof v === 'string' && set.has(v),
    expected: `one of ${[...set].join(', ')}`,
  };
};

/** Required fields by name; a name ending in `?` is optional but checked when present. */
type Shape = Readonly<Record<string, Field>>;

/** Whether `record` has every field of `shape` right (optional ones only when present). */
function fits(record: Record<string, unknown>, shape: Shape): boolean {
  for (const name in shape) {
    const optional = name.endsWith('?');
    const value = record[optional ? name.slice(0, -1) : name];
    if (value === undefined && optional) continue;
    if (!(shape[name] as Field).test(value)) return false;
  }
  return true;
}

/** A nested object with fields of its own (usage, measurements), so renderers can trust them too. */
const nested = (shape: Shape): Field => ({
  test: (v) => object.test(v) && fits(v as Record<string, unknown>, shape),
  expected: `an object {${Object.entries(shape)
    .map(([name, f]) => `${name}: ${f.expected.replace(/^an? /, '')}`)
    .join(', ')}}`,
});
const listOf = (f: Field): Field => ({
  test: (v) => Array.isArray(v) && v.every((x) => f.test(x)),
  expected: `a list of ${f.expected.replace(/^an? /, '')}`,
});

const usage = nested({
  'cost_usd?': number,
  'input_tokens?': number,
  'output_tokens?': number,
  'turns?': number,
  'permission_denials?': listOf(nested({ tool: string, 'detail?': string })),
});
const measured = nested({
  'exit_code?': orNull(number),
  'output_tail?': string,
  'p50_ms?': number,
  'p95_ms?': number,
  'p99_ms?': number,
  'error_rate?': number,
  'requests?': number,
  'files?': strings,
  'duration_ms?': number,
});

const check: Shape = {
  feature_id: id,
  criterion_id: string,
  text: string,
  kind: oneOf(['run', 'http', 'files', 'unverifiable']),
  on: oneOf(['worktree', 'integration']),
  message: string,
  'measured?': measured,
};

/** One shape per event type; a new type in the union does not compile until it has one here. */
const SHAPES: { readonly [K in BatonEventType]: Shape } = {
  'run.started': {
    run_id: string,
    feature_ids: strings,
    concurrency: number,
    base: string,
    base_commit: string,
    mode: string,
    pid: number,
    'resume?': boolean,
    'stopped_orphans?': listOf(nested({ feature_id: string, pgid: number })),
  },
  'run.ended': {
    run_id: string,
    outcome: oneOf(['complete', 'failed', 'interrupted']),
    duration_ms: number,
  },
  'phase.started': { phase: string },
  'phase.ended': { phase: string },
  'worktree.created': { feature_id: id, path: string, branch: string, base_commit: string, reused: boolean },
  'feature.started': {
    feature_id: id,
    agent: string,
    branch: string,
    worktree: string,
    log_file: string,
    port: number,
    'pid?': number,
    'pgid?': number,
    'attempt?': number,
  },
  'agent.exited': {
    feature_id: id,
    exit_code: orNull(number),
    signal: orNull(string),
    duration_ms: number,
    files: strings,
    'commit?': string,
    'timed_out?': boolean,
    'usage?': usage,
    'reason?': string,
  },
  hook: {
    feature_id: id,
    event: string,
    'status?': oneOf(FEATURE_STATUSES),
    'detail?': string,
    'session_id?': string,
  },
  'feature.ended': { feature_id: id, status: oneOf(TERMINAL_STATUSES), 'reason?': string },
  'feature.escaped': { feature_id: id, files: strings },
  'check.passed': check,
  'check.failed': check,
  'check.unverifiable': check,
  'integration.started': {
    branch: string,
    worktree: string,
    order: strings,
    'base_commit?': string,
    'test?': string,
    'on_conflict?': string,
    'include?': listOf(oneOf(FEATURE_STATUSES)),
    'included?': listOf(nested({ feature_id: id, status: oneOf(FEATURE_STATUSES) })),
    'excluded?': listOf(nested({ feature_id: id, status: oneOf(FEATURE_STATUSES), reason: string })),
  },
  'merge.clean': { feature_id: id, commit: string, duration_ms: number },
  'merge.conflict': { feature_id: id, files: strings, with: strings, duration_ms: number },
  'merge.skipped': {
    feature_id: id,
    reason: string,
    'kind?': oneOf(['not-run', 'excluded', 'conflict', 'dependency', 'nothing-to-merge']),
    'status?': oneOf(FEATURE_STATUSES),
  },
  'integration.tested': {
    after_feature: string,
    passed: boolean,
    exit_code: orNull(number),
    duration_ms: number,
    'output_tail?': string,
  },
  'integration.ended': {
    outcome: oneOf(['clean', 'conflict', 'tests-failed', 'checks-failed', 'partial']),
    duration_ms: number,
    'commit?': string,
    'into?': string,
    'into_refused?': string,
  },
  'integration.discarded': { branch: string, 'started_at?': string, 'commit?': string, 'backup?': string },
};

/** A shape flattened for the hot path (a million lines per `baton status`): key, test, optional. */
interface CompiledField {
  key: string;
  field: Field;
  optional: boolean;
}

const COMPILED = new Map<string, readonly CompiledField[]>(
  Object.entries(SHAPES).map(([type, shape]) => [
    type,
    Object.entries(shape).map(([name, field]) => ({
      key: name.endsWith('?') ? name.slice(0, -1) : name,
      field,
      optional: name.endsWith('?'),
    })),
  ]),
);

function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}

/**
 * Why a record with a string `type` is not a usable event of that type (unknown type, a field
 * missing or of the wrong type), or undefined when it is one.
 */
export function eventShapeProblem(record: Readonly<Record<string, unknown>>): string | undefined {
  const type = record.type as string;
  const fields = COMPILED.get(type);
  if (fields === undefined) return `unknown event type "${String(type)}"`;
  if (record.ts !== undefined && typeof record.ts !== 'string') return `${type}: "ts" must be a string`;
  if (record.run_id !== undefined && typeof record.run_id !== 'string')
    return `${type}: "run_id" must be a string`;
  for (const { key, field, optional } of fields) {
    // No field name is a property of Object.prototype, so a plain read sees only the line's own fields.
    const value = record[key];
    if (value === undefined && optional) continue;
    if (!field.test(value)) return `${type}: "${key}" must be ${field.expected}, got ${describeValue(value)}`;
  }
  return undefined;
}
