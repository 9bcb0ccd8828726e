import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ZodType } from 'zod';
import { EVENT_SCHEMAS } from '../../src/log/events.js';
import { compileFastTest } from '../../src/log/fast-check.js';
import { checkLogValue, parseLogEvent } from '../../src/log/parse-event.js';
import { anyEvent, corruptedEvent, illTypedEvent, wellFormedEvent } from '../fuzz/arbitraries.js';

describe('parseLogEvent', () => {
  it('compiles a fast test for every event schema (none falls back to a full zod parse)', () => {
    for (const [type, schema] of Object.entries(EVENT_SCHEMAS))
      expect(compileFastTest(schema), type).toBeDefined();
  });

  it('the fast test accepts exactly what the zod schema accepts', () => {
    fc.assert(
      fc.property(fc.oneof(anyEvent, illTypedEvent, corruptedEvent), (e) => {
        const schema = (EVENT_SCHEMAS as Record<string, ZodType>)[String(e.type)];
        if (!schema) return;
        expect(compileFastTest(schema)?.(e)).toBe(schema.safeParse(e).success);
      }),
      { numRuns: 2000 },
    );
  });

  it('accepts well-formed events as written, extra fields kept', () => {
    fc.assert(
      fc.property(wellFormedEvent, (e) => {
        const withExtra = { ...e, added_by_a_newer_writer: 1 };
        expect(parseLogEvent(withExtra)).toBe(withExtra);
      }),
    );
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
