/** What every renderer prints for a number the log cannot support. */
export const UNKNOWN = 'unknown';

/**
 * Minutes for people: `60 min`, `7.5 min`, `42 s` under a minute, `1.4 s` under ten seconds and
 * `850 ms` under one, or "unknown". Short runs keep enough digits that the numbers a sentence puts
 * side by side (a speedup and the two times it divides) agree.
 */
export function formatMinutes(min: number | null | undefined): string {
  if (min === null || min === undefined || !Number.isFinite(min)) return UNKNOWN;
  if (min < 1) return formatSeconds(min * 60);
  if (min < 10) return `${trimZero(min.toFixed(1))} min`;
  return `${Math.round(min)} min`;
}

/** A speedup to one decimal with its sign: `2.9×`. */
export function formatSpeedup(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return UNKNOWN;
  return `${x.toFixed(1)}×`;
}

/** A ratio as the whole percentage every output prints (pure): 0.6667 → 67. */
export function wholePercent(ratio: number): number {
  return Math.round(ratio * 100);
}

/** A ratio as a whole percentage: `67 %`. */
export function formatPercent(ratio: number | null | undefined): string {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return UNKNOWN;
  return `${wholePercent(ratio)} %`;
}

/** Dollars with cents (or four decimals under a cent). */
export function formatUsd(usd: number | null | undefined): string {
  if (usd === null || usd === undefined || !Number.isFinite(usd)) return UNKNOWN;
  return usd > 0 && usd < 0.01 ? `$${usd.toFixed(4)}` : `$${usd.toFixed(2)}`;
}

/** A count, or "unknown". */
export function formatCount(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return UNKNOWN;
  return n.toLocaleString('en-US');
}

/** An ISO timestamp as `2026-03-02 09:00 UTC`: the same text wherever the report is rendered. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return UNKNOWN;
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return iso;
  return `${new Date(t).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** Under a minute: whole seconds from ten on, one decimal under ten, milliseconds under one. */
function formatSeconds(sec: number): string {
  if (sec === 0) return '0 s';
  const ms = Math.round(sec * 1000);
  if (ms === 0) return '< 1 ms';
  if (Math.abs(ms) < 1000) return `${ms} ms`;
  if (Math.abs(sec) < 9.95) return `${trimZero(sec.toFixed(1))} s`;
  return Math.round(sec) < 60 ? `${Math.round(sec)} s` : '1 min';
}

function trimZero(s: string): string {
  return s.endsWith('.0') ? s.slice(0, -2) : s;
}
