// The timeline's tick step: a round duration giving at most 8 steps over the span, whatever the span.
// Steps up to a day are the clock's own (1 s, 2 s, 5 s … 30 min, 1 h … 1 d); past a day, whole days by
// 1, 2, 5 × 10ⁿ, so a log line stamped decades away (a wrong clock, a forged line) costs 8 ticks, not
// one per day of the span.

const DAY = 86_400_000;
const STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 43200, 86400].map(
  (s) => s * 1000,
);

/** The step (ms) between two ticks over a span of `spanMs`. */
export function tickStep(spanMs) {
  const span = Number.isFinite(spanMs) && spanMs > 0 ? spanMs : 1000;
  const clock = STEPS.find((s) => span / s <= 8);
  if (clock !== undefined) return clock;
  const days = span / 8 / DAY;
  const pow = 10 ** Math.floor(Math.log10(days));
  for (const m of [1, 2, 5, 10]) if (m * pow >= days) return m * pow * DAY;
  return 10 * pow * DAY;
}
