import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FEATURE_HEADER, featureRow } from '../../src/cli/feature-rows.js';
import { FEATURE_STATUSES, type LogEvent } from '../../src/log/events.js';
import { type BatonState, foldEvents } from '../../src/log/fold.js';
import { parseLogEvent } from '../../src/log/parse-event.js';
import { palette, renderTable } from '../../src/terminal/style.js';
import { anyEvent, corruptedEvent, illTypedEvent, plainEvent, wellFormedEvent } from './arbitraries.js';

const RUNS = 1000;
const STATUSES: readonly string[] = FEATURE_STATUSES;

/** What the log reader lets through to the fold: only values that fit their type. */
const accepted = (events: readonly unknown[]): LogEvent[] =>
  events.flatMap((e) => {
    const event = parseLogEvent(e);
    return event === undefined ? [] : [event];
  });

/** What every folded state must be, whatever went in: usable by every renderer. */
function assertUsable(state: BatonState): void {
  for (const [id, f] of Object.entries(state.features)) {
    expect(f.feature_id).toBe(id);
    expect(STATUSES).toContain(f.status);
    expect(Array.isArray(f.files) && Array.isArray(f.escaped)).toBe(true);
    // Renderers read these nested fields (`status` lists refused tool calls, reports add costs).
    for (const key of ['cost_usd', 'input_tokens', 'output_tokens', 'turns'] as const) {
      if (f.usage?.[key] !== undefined) expect(typeof f.usage[key]).toBe('number');
    }
    for (const d of f.usage?.permission_denials ?? []) expect(typeof d.tool).toBe('string');
    for (const c of [...Object.values(f.checks), ...Object.values(f.integration_checks)]) {
      expect(typeof c.message).toBe('string');
      if (c.measured?.files !== undefined)
        expect(c.measured.files.every((x) => typeof x === 'string')).toBe(true);
      if (c.measured?.p95_ms !== undefined) expect(typeof c.measured.p95_ms).toBe('number');
    }
  }
  // The table and the JSON of `baton status` render from this state.
  const rows = Object.values(state.features).map((f) => featureRow(f, palette(true), Date.now()));
  expect(typeof renderTable(FEATURE_HEADER, rows)).toBe('string');
  expect(() => JSON.stringify(state)).not.toThrow();
  // Feature ids like `__proto__` or `constructor` must not reach shared prototypes.
  expect(Object.keys(Object.prototype)).toEqual([]);
  expect(({} as Record<string, unknown>).status).toBeUndefined();
}

describe('foldEvents under generated events', () => {
  it('well-formed events of every type fold to a usable state', () => {
    fc.assert(
      fc.property(fc.array(wellFormedEvent, { maxLength: 60 }), (events) => {
        assertUsable(foldEvents(events));
      }),
      { numRuns: RUNS },
    );
  });

  it('plain {feature_id, status} lines, with any status word and hostile ids, fold to a usable state', () => {
    fc.assert(
      fc.property(fc.array(plainEvent, { maxLength: 30 }), (events) => {
        assertUsable(foldEvents(events));
      }),
      { numRuns: RUNS },
    );
  });

  it('ill-typed events are stopped at the edge, and what passes folds to a usable state', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(illTypedEvent, corruptedEvent, wellFormedEvent), { maxLength: 40 }),
        (events) => {
          assertUsable(foldEvents(accepted(events)));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('is pure (the events are not touched) and counts every event', () => {
    fc.assert(
      fc.property(fc.array(anyEvent, { maxLength: 40 }), (raw) => {
        const events = accepted(raw);
        const before = structuredClone(events);
        const state = foldEvents(events);
        expect(events).toEqual(before);
        expect(state.events).toBe(events.length);
      }),
      { numRuns: RUNS },
    );
  });

  it('folding in two steps from the first state equals folding at once, wherever the split', () => {
    fc.assert(
      fc.property(fc.array(anyEvent, { maxLength: 40 }), fc.nat(), (raw: LogEvent[], at) => {
        const events = accepted(raw);
        const cut = events.length === 0 ? 0 : at % (events.length + 1);
        const stepwise = foldEvents(events.slice(cut), foldEvents(events.slice(0, cut)));
        expect(stepwise).toEqual(foldEvents(events));
      }),
      { numRuns: RUNS },
    );
  });
});
