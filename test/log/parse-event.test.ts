import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { isConcurrency } from '../../src/log/concurrency.js';
import { usageWithinBounds } from '../../src/log/event-fields.js';
import { EVENT_SCHEMAS, type LogEvent } from '../../src/log/events.js';
import { compileFastTest } from '../../src/log/fast-check.js';
import { foldEvents } from '../../src/log/fold.js';
import { checkLogValue, MAX_NESTING, parseLogEvent } from '../../src/log/parse-event.js';
import type { z } from '../../src/zod.js';
import { anyEvent, corruptedEvent, illTypedEvent, wellFormedEvent } from '../fuzz/arbitraries.js';

describe('parseLogEvent', () => {
  it('compiles a fast test for every event schema (none falls back to a full zod parse)', () => {
    for (const [type, schema] of Object.entries(EVENT_SCHEMAS))
      expect(compileFastTest(schema), type).toBeDefined();
  });

  it('the fast test accepts exactly what the zod schema accepts', () => {
    fc.assert(
      fc.property(fc.oneof(anyEvent, illTypedEvent, corruptedEvent), (e) => {
        const schema = (EVENT_SCHEMAS as Record<string, z.ZodMiniType>)[String(e.type)];
        if (!schema) return;
        expect(compileFastTest(schema)?.(e)).toBe(schema.safeParse(e).success);
      }),
      { numRuns: 2000 },
    );
  });

  it('the fast test reads own fields only, whatever the prototype (JSON.parse makes only own ones)', () => {
    const schema = EVENT_SCHEMAS.hook as unknown as z.ZodMiniType;
    const fits = compileFastTest(schema);
    const own = { v: 1, ts: 't', type: 'hook', feature_id: 'a', event: 'stop' };
    const cases: Array<[string, unknown, boolean]> = [
      ['own fields', own, true],
      ['no prototype', Object.assign(Object.create(null), own), true],
      ['every field inherited', Object.create(own), false],
      // An inherited optional field of the wrong type is not the event's: ignored.
      ['a mistyped field inherited', Object.assign(Object.create({ detail: 5 }), own), true],
      ['a mistyped own field', { ...own, detail: 5 }, false],
    ];
    for (const [what, value, expected] of cases) expect(fits?.(value), what).toBe(expected);
  });

  it('accepts well-formed events as written, extra fields kept', () => {
    fc.assert(
      fc.property(wellFormedEvent, (e) => {
        const withExtra = { ...e, added_by_a_newer_writer: 1 };
        expect(parseLogEvent(withExtra)).toBe(withExtra);
      }),
    );
  });

  it('refuses a value nested deeper than MAX_NESTING levels, keeps one exactly that deep', () => {
    const nested = (levels: number): unknown => (levels === 0 ? 1 : [nested(levels - 1)]);
    const plain = (levels: number) => ({ feature_id: 'feature-001-a', status: 'running', x: nested(levels) });
    // The event object is level 1, so `x` may hold MAX_NESTING - 1 levels of lists.
    expect('event' in checkLogValue(plain(MAX_NESTING - 1))).toBe(true);
    expect(checkLogValue(plain(MAX_NESTING))).toEqual({ problem: 'nested deeper than 32 levels' });
  });

  it('says a string field holding a number too large for JSON must be a string, not a finite number', () => {
    const line = '{"v":1,"ts":"t","type":"hook","feature_id":"feature-001-a","event":"stop","detail":1e400}';
    expect(checkLogValue(JSON.parse(line))).toEqual({
      problem: 'hook: "detail" must be a string, got Infinity (a number too large to hold)',
    });
  });

  it('names the field that does not fit, with what it expected and what it got', () => {
    expect(
      checkLogValue({ v: 1, ts: 't', type: 'run.ended', run_id: 'r', outcome: 'meh', duration_ms: 1 }),
    ).toEqual({
      problem: 'run.ended: "outcome" must be one of complete, failed, interrupted, got "meh"',
    });
    expect(checkLogValue({ type: 'no.such' })).toEqual({ problem: 'unknown event type "no.such"' });
    expect(checkLogValue({ feature_id: 'a', status: 'done' })).toEqual({
      event: { feature_id: 'a', status: 'done' },
    });
    expect(checkLogValue([1])).toEqual({ problem: 'not a JSON object' });
  });
});

describe('usage and concurrency read from the log', () => {
  const stamp = { v: 1, ts: '2026-12-01T10:00:02.000Z', run_id: 'r1' };
  const exited = (usage: Record<string, number>) =>
    checkLogValue({
      ...stamp,
      type: 'agent.exited',
      feature_id: 'fb',
      exit_code: 0,
      signal: null,
      duration_ms: 1800,
      files: [],
      usage,
    });
  const started = (concurrency: number) =>
    checkLogValue({
      ...stamp,
      type: 'run.started',
      feature_ids: ['fa'],
      concurrency,
      base: 'main',
      base_commit: '0'.repeat(40),
      mode: 'contract-first',
      pid: 1,
    });

  it('refuses a negative cost or count, and a count past 2^53 − 1, naming the field (never summed or printed)', () => {
    expect(exited({ cost_usd: -9 })).toEqual({
      problem: 'agent.exited: "usage.cost_usd" must be a number at least 0, got -9',
    });
    expect(exited({ input_tokens: -100 })).toEqual({
      problem: 'agent.exited: "usage.input_tokens" must be a number at least 0, got -100',
    });
    expect(exited({ output_tokens: 1e300 })).toEqual({
      problem: 'agent.exited: "usage.output_tokens" must be a number at most 9007199254740991, got 1e+300',
    });
    expect(exited({ cost_usd: 0, input_tokens: 0, turns: Number.MAX_SAFE_INTEGER })).toHaveProperty('event');
    const ended = {
      ...stamp,
      type: 'attempt.ended',
      feature_id: 'fb',
      attempt: 1,
      status: 'complete',
      files: [],
      checks: { passed: 1, failed: 0, unverifiable: 0, total: 1 },
      measured: {},
      lines_changed: 1,
      outside_owns: 0,
      duration_ms: 1,
      cost_usd: -1,
    };
    expect(checkLogValue(ended)).toEqual({
      problem: 'attempt.ended: "cost_usd" must be a number at least 0, got -1',
    });
  });

  it('refuses a run.started whose concurrency is no whole number of at least 0 (the N of the headline)', () => {
    expect(started(-2)).toEqual({
      problem: 'run.started: "concurrency" must be a number at least 0, got -2',
    });
    expect(started(1.5)).toEqual({ problem: 'run.started: "concurrency" must be a whole number, got 1.5' });
    expect(started(3)).toHaveProperty('event');
    // A queued resume that followed no job wrote 0 before 2026-12-07: the line stays, its 0 is no N.
    expect(started(0)).toHaveProperty('event');
    const state = foldEvents([(started(0) as { event: LogEvent }).event]);
    expect(state.concurrency).toBeUndefined();
    expect(isConcurrency(0)).toBe(false);
    expect(isConcurrency(1.5)).toBe(false);
    expect(isConcurrency(2)).toBe(true);
  });

  it('the fast test takes exactly what zod takes at the bounds', () => {
    const schemas = EVENT_SCHEMAS as unknown as Record<string, z.ZodMiniType>;
    const fits = compileFastTest(schemas['agent.exited']!);
    const runFits = compileFastTest(schemas['run.started']!);
    const values = [-1, -0, 0, 0.5, 1, 1.5, 2 ** 53 - 1, 2 ** 53, 1e300];
    for (const n of values) {
      const line = { ...stamp, type: 'agent.exited', feature_id: 'fb', exit_code: 0, signal: null };
      const e = { ...line, duration_ms: 1, files: [], usage: { cost_usd: n, input_tokens: n } };
      expect(fits?.(e), `usage ${n}`).toBe(schemas['agent.exited']!.safeParse(e).success);
      const r = {
        ...stamp,
        type: 'run.started',
        feature_ids: [],
        concurrency: n,
        base: 'm',
        base_commit: 'c',
      };
      const run = { ...r, mode: 'contract-first', pid: 1 };
      expect(runFits?.(run), `concurrency ${n}`).toBe(schemas['run.started']!.safeParse(run).success);
    }
  });

  it('Baton writes only usage the reader takes: an adapter figure out of bounds is left out', () => {
    expect(usageWithinBounds({ cost_usd: -1, input_tokens: 1e300, output_tokens: 5, turns: 2 })).toEqual({
      output_tokens: 5,
      turns: 2,
    });
    expect(usageWithinBounds({ cost_usd: 0.25, input_tokens: 10 })).toEqual({
      cost_usd: 0.25,
      input_tokens: 10,
    });
  });
});

describe('feature ids read from the log', () => {
  it.each([
    ['<img src=x onerror=alert(5)>'],
    ['__proto__'],
    ['Feature-A'],
    ['../etc'],
    ['a'.repeat(101)],
    ['-leading-dash'],
    ['x.a0'],
  ])('a line naming %j is a problem line, never a feature', (id) => {
    const plain = checkLogValue({ feature_id: id, status: 'complete' });
    expect(plain).toEqual({ problem: expect.stringMatching(/^"feature_id" must be a feature id/) });
    const typed = checkLogValue({
      v: 1,
      ts: '2026-01-01T00:00:00Z',
      type: 'feature.started',
      feature_id: id,
      status: 'running',
    });
    expect(typed).toHaveProperty('problem');
  });

  it('accepts a feature id and an attempt unit id, and refuses a bad id listed by run.started', () => {
    expect(checkLogValue({ feature_id: 'feature-001-a', status: 'complete' })).toHaveProperty('event');
    expect(checkLogValue({ feature_id: 'feature-001-a.a2', status: 'complete' })).toHaveProperty('event');
    const run = {
      v: 1,
      ts: '2026-01-01T00:00:00Z',
      type: 'run.started',
      run_id: 'r1',
      feature_ids: ['ok', '__proto__'],
      concurrency: 1,
      base: 'main',
      base_commit: 'abc',
      mode: 'contract-first',
      pid: 1,
    };
    expect(checkLogValue(run)).toEqual({
      problem: '"feature_ids" must hold feature ids only, got "__proto__"',
    });
  });
});

describe('the fast tests are compiled on first use', () => {
  it('importing the reader compiles none; an event compiles only its own type, once', async () => {
    // A fresh copy of the module: another test file in this worker may have checked events already.
    vi.resetModules();
    const fresh = await import('../../src/log/parse-event.js');
    expect(fresh.compiledEventTests()).toEqual([]);
    const event = {
      v: 1,
      ts: '2026-12-02T10:00:00.000Z',
      type: 'feature.started',
      feature_id: 'search',
      status: 'running',
      agent: 'command',
      branch: 'baton/search',
      worktree: '/tmp/wt/search',
      log_file: '/tmp/wt/search.log',
      port: 41000,
    };
    expect('event' in fresh.checkLogValue(event)).toBe(true);
    expect('event' in fresh.checkLogValue({ ...event, port: 41001 })).toBe(true);
    expect(fresh.compiledEventTests()).toEqual(['feature.started']);
    // A misfit still gets zod's message, from the same lazily compiled test's fallback.
    expect(fresh.checkLogValue({ ...event, port: 'x' })).toEqual({
      problem: 'feature.started: "port" must be a number, got "x"',
    });
  });
});

describe('the event table builds each schema on first use', () => {
  it('lists every type from the start, each an accessor that builds its schema once', async () => {
    vi.resetModules();
    const fresh = await import('../../src/log/events.js');
    expect(Object.keys(fresh.EVENT_SCHEMAS)).toEqual(fresh.BATON_EVENT_TYPES);
    expect(fresh.BATON_EVENT_TYPES.slice(0, 2)).toEqual(['run.started', 'run.ended']);
    for (const type of fresh.BATON_EVENT_TYPES) {
      const slot = Object.getOwnPropertyDescriptor(fresh.EVENT_SCHEMAS, type);
      expect(slot?.get, type).toBeTypeOf('function');
      expect(slot?.enumerable, type).toBe(true);
    }
    const first = fresh.EVENT_SCHEMAS['feature.started'];
    expect(fresh.EVENT_SCHEMAS['feature.started']).toBe(first);
    expect(first.safeParse({ type: 'feature.started' }).success).toBe(false);
    expect(fresh.isBatonEventType('hook')).toBe(true);
    expect(fresh.isBatonEventType('toString')).toBe(false);
  });
});
