import { describe, expect, it } from 'vitest';

/** The page's own tick rule (plain JavaScript, untyped). */
async function pageTicks(): Promise<{ tickStep(spanMs: number): number }> {
  return import(new URL('../../assets/dashboard/ticks.js', import.meta.url).href);
}

const SECOND = 1000;
const DAY = 86_400_000;

describe("the dashboard timeline's tick step", () => {
  it.each([
    [3 * SECOND, SECOND],
    [40 * SECOND, 5 * SECOND],
    [10 * 60 * SECOND, 120 * SECOND],
    [3 * DAY, 43_200 * SECOND],
    [8 * DAY, DAY],
  ])('over %d ms is the clock step %d ms', async (span, step) => {
    expect((await pageTicks()).tickStep(span)).toBe(step);
  });

  it.each([
    ['a day', DAY],
    ['a month', 31 * DAY],
    ['a run beside a line stamped 2000-01-01', Date.parse('2026-12-07') - Date.parse('2000-01-01')],
    ['a run beside a line stamped 1970-01-01', Date.parse('2026-12-07')],
    ['a run beside a line stamped in year 9999', Date.parse('9999-12-31') - Date.parse('2026-12-07')],
    ['a span of nothing', 0],
    ['a span that is not a number', Number.NaN],
  ])('gives at most 8 steps over %s', async (_, span) => {
    const step = (await pageTicks()).tickStep(span);
    expect(step).toBeGreaterThan(0);
    expect((Number.isFinite(span) ? Math.max(span, 1000) : 1000) / step).toBeLessThanOrEqual(8);
  });
});
