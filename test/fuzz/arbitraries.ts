import fc from 'fast-check';
import type { BatonEvent, LogEvent } from '../../src/log/events.js';
import { FEATURE_STATUSES } from '../../src/log/events.js';

/** A few feature ids, so generated events pile up on the same features. */
export const featureId = fc.constantFrom('feature-001-a', 'feature-002-b', 'f3', '003');

const ts = fc
  .integer({ min: Date.parse('2026-01-01T00:00:00Z'), max: Date.parse('2026-01-02T00:00:00Z') })
  .map((t) => new Date(t).toISOString());
const base = { v: fc.constant(1 as const), ts, run_id: fc.constantFrom('r1', 'r2') };
const text = fc.string({ maxLength: 12 });
const sha = fc.stringMatching(/^[0-9a-f]{40}$/);
const files = fc.array(fc.constantFrom('src/a.ts', 'src/b.ts', 'README.md'), { maxLength: 3 });
const endStatus = fc.constantFrom(
  'complete',
  'empty',
  'failed',
  'failed-checks',
  'timeout',
  'interrupted',
) as fc.Arbitrary<'complete'>;
const checkFields = {
  ...base,
  feature_id: featureId,
  criterion_id: fc.constantFrom('c1', 'c2', 'c3'),
  text,
  kind: fc.constantFrom('run', 'http', 'files', 'unverifiable') as fc.Arbitrary<'run'>,
  on: fc.constantFrom('worktree', 'integration') as fc.Arbitrary<'worktree'>,
  message: text,
};

/** Well-formed events of every type in the union, shaped as Baton writes them. */
export const wellFormedEvent: fc.Arbitrary<BatonEvent> = fc.oneof(
  fc.record({
    ...base,
    type: fc.constant('run.started' as const),
    run_id: fc.constantFrom('r1', 'r2'),
    feature_ids: fc.uniqueArray(featureId, { maxLength: 4 }),
    concurrency: fc.integer({ min: 1, max: 8 }),
    base: fc.constant('main'),
    base_commit: sha,
    mode: fc.constantFrom('contract-first', 'wait-for-deps') as fc.Arbitrary<'contract-first'>,
    pid: fc.integer({ min: 1, max: 99999 }),
    resume: fc.boolean(),
  }),
  fc.record({
    ...base,
    type: fc.constant('run.ended' as const),
    run_id: fc.constantFrom('r1', 'r2'),
    outcome: fc.constantFrom('complete', 'failed', 'interrupted') as fc.Arbitrary<'complete'>,
    duration_ms: fc.nat(),
  }),
  fc.record({ ...base, type: fc.constant('phase.started' as const), phase: fc.constantFrom('spec', 'impl') }),
  fc.record({ ...base, type: fc.constant('phase.ended' as const), phase: fc.constantFrom('spec', 'impl') }),
  fc.record({
    ...base,
    type: fc.constant('worktree.created' as const),
    feature_id: featureId,
    path: text,
    branch: text,
    base_commit: text,
    reused: fc.boolean(),
  }),
  fc.record({
    ...base,
    type: fc.constant('feature.started' as const),
    feature_id: featureId,
    status: fc.constant('running' as const),
    agent: fc.constantFrom('claude', 'demo', 'command'),
    branch: text,
    worktree: text,
    log_file: text,
    port: fc.integer({ min: 1024, max: 65000 }),
    pid: fc.nat(),
    pgid: fc.nat(),
    attempt: fc.integer({ min: 1, max: 3 }),
  }),
  fc.record({
    ...base,
    type: fc.constant('agent.exited' as const),
    feature_id: featureId,
    exit_code: fc.option(fc.integer({ min: 0, max: 255 }), { nil: null }),
    signal: fc.option(fc.constantFrom('SIGTERM', 'SIGKILL'), { nil: null }),
    duration_ms: fc.nat(),
    commit: sha,
    files,
    usage: fc.record({ cost_usd: fc.double({ min: 0, max: 10, noNaN: true }), turns: fc.nat() }),
  }),
  fc.record(
    {
      ...base,
      type: fc.constant('hook' as const),
      feature_id: featureId,
      event: fc.constantFrom('stop', 'notification', 'session-end'),
      status: fc.constantFrom(...FEATURE_STATUSES),
      detail: text,
    },
    { requiredKeys: ['v', 'ts', 'type', 'feature_id', 'event'] },
  ),
  fc.record({
    ...base,
    type: fc.constant('feature.ended' as const),
    feature_id: featureId,
    status: endStatus,
  }),
  fc.record({ ...base, type: fc.constant('feature.escaped' as const), feature_id: featureId, files }),
  fc.record({ ...checkFields, type: fc.constant('check.passed' as const) }),
  fc.record({ ...checkFields, type: fc.constant('check.failed' as const) }),
  fc.record({ ...checkFields, type: fc.constant('check.unverifiable' as const) }),
  fc.record({
    ...base,
    type: fc.constant('integration.started' as const),
    branch: fc.constant('baton/integration'),
    worktree: text,
    order: fc.array(featureId, { maxLength: 4 }),
  }),
  fc.record({
    ...base,
    type: fc.constant('merge.clean' as const),
    feature_id: featureId,
    commit: text,
    duration_ms: fc.nat(),
  }),
  fc.record({
    ...base,
    type: fc.constant('merge.conflict' as const),
    feature_id: featureId,
    files,
    with: fc.array(featureId, { maxLength: 2 }),
    duration_ms: fc.nat(),
  }),
  fc.record({ ...base, type: fc.constant('merge.skipped' as const), feature_id: featureId, reason: text }),
  fc.record({
    ...base,
    type: fc.constant('integration.tested' as const),
    after_feature: featureId,
    passed: fc.boolean(),
    exit_code: fc.option(fc.nat(), { nil: null }),
    duration_ms: fc.nat(),
  }),
  fc.record({
    ...base,
    type: fc.constant('integration.ended' as const),
    outcome: fc.constantFrom(
      'clean',
      'conflict',
      'tests-failed',
      'checks-failed',
      'partial',
      'interrupted',
    ) as fc.Arbitrary<'clean'>,
    duration_ms: fc.nat(),
  }),
);

/** Lines a hand-written completion hook writes: only `feature_id` and `status`, with any status word. */
export const plainEvent: fc.Arbitrary<LogEvent> = fc.record(
  {
    feature_id: fc.oneof(
      featureId,
      fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty'),
    ),
    status: fc.oneof(fc.constantFrom(...FEATURE_STATUSES, 'done', 'DONE ', 'error', 'in_progress'), text),
    ts: fc.oneof(ts, text),
    timestamp: ts,
  },
  { requiredKeys: ['feature_id', 'status'] },
);

const EVENT_TYPES = [
  'run.started',
  'run.ended',
  'phase.started',
  'phase.ended',
  'worktree.created',
  'feature.started',
  'agent.exited',
  'hook',
  'feature.ended',
  'feature.escaped',
  'check.passed',
  'check.failed',
  'check.unverifiable',
  'integration.started',
  'merge.clean',
  'merge.conflict',
  'merge.skipped',
  'integration.tested',
  'integration.ended',
  'no.such.type',
];

const FIELD_NAMES = [
  'feature_id',
  'status',
  'run_id',
  'ts',
  'feature_ids',
  'files',
  'with',
  'order',
  'usage',
  'criterion_id',
  'on',
  'agent',
  'exit_code',
  'duration_ms',
  'phase',
  'event',
  'detail',
  'resume',
  'commit',
  'reason',
  'passed',
  '__proto__',
  'constructor',
];

/** Any JSON-ish value: the wrong type for whatever field it lands in. */
const junk = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  text,
  fc.constantFrom('__proto__', 'constructor', 'toString'),
  fc.array(fc.oneof(fc.integer(), text, fc.constant(null)), { maxLength: 3 }),
  fc.dictionary(text, fc.oneof(fc.integer(), text), { maxKeys: 3 }),
);

/** Nested objects (usage, measurements) with fields of the wrong type. */
const nestedJunk = fc.record(
  {
    cost_usd: junk,
    turns: junk,
    permission_denials: fc.oneof(
      junk,
      fc.array(fc.oneof(junk, fc.record({ tool: junk, detail: junk })), { maxLength: 2 }),
    ),
    p95_ms: junk,
    files: junk,
    exit_code: junk,
    feature_id: junk,
    pgid: junk,
  },
  { requiredKeys: [] },
);

/** Events of a known (or unknown) type whose fields have the wrong types or are missing. */
export const illTypedEvent: fc.Arbitrary<LogEvent> = fc
  .record({
    type: fc.constantFrom(...EVENT_TYPES),
    fields: fc.array(
      fc.oneof(
        fc.tuple(fc.constantFrom(...FIELD_NAMES), junk),
        fc.tuple(fc.constantFrom('usage', 'measured'), nestedJunk),
        fc.tuple(fc.constant('stopped_orphans'), fc.array(nestedJunk, { maxLength: 2 })),
      ),
      { maxLength: 8 },
    ),
    feature_id: fc.oneof(featureId, junk),
  })
  .map(({ type, fields, feature_id }) => {
    // Built as JSON text and parsed, as a log line is, so `__proto__` arrives as an own key.
    const entries = [...fields, ['type', type] as const, ['feature_id', feature_id] as const];
    return JSON.parse(
      `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`,
    ) as LogEvent;
  });

/** A well-formed event with one field (or a nested field) replaced by junk: the near misses. */
export const corruptedEvent: fc.Arbitrary<LogEvent> = fc
  .tuple(wellFormedEvent, fc.nat(), fc.oneof(junk, nestedJunk), fc.boolean())
  .map(([event, pick, value, nestedOnly]) => {
    const fields = Object.keys(event).filter((k) => k !== 'type');
    const copy = JSON.parse(JSON.stringify(event)) as Record<string, unknown>;
    const key = nestedOnly
      ? (['usage', 'measured', 'stopped_orphans'][pick % 3] as string)
      : fields[pick % fields.length];
    if (key !== undefined) copy[key] = key === 'stopped_orphans' ? [value] : value;
    return copy as unknown as LogEvent;
  });

/** A mix of every kind of event the reader can hand the fold. */
export const anyEvent: fc.Arbitrary<LogEvent> = fc.oneof(
  { arbitrary: wellFormedEvent, weight: 3 },
  { arbitrary: plainEvent, weight: 1 },
  { arbitrary: illTypedEvent, weight: 1 },
  { arbitrary: corruptedEvent, weight: 1 },
);
