/** The percentiles an `http:` check holds a threshold for (`p50_ms`, `p95_ms`, `p99_ms`). */
export type CheckedPercentile = '50' | '95' | '99';

/**
 * What a prose criterion's words ask of latency: a percentile and a threshold an `http:` check can hold,
 * or why no check can hold what they ask (a percentile the schema has no field for, an average, a 0 ms
 * threshold), so nothing suggests a check that measures something else or that the schema rejects.
 */
export type LatencyAsked =
  | { ok: true; percentile: CheckedPercentile; ms: number }
  | { ok: false; reason: string };

const THRESHOLD =
  /(?:<=?|≤|under|below|within|in less than|at most)\s*(\d+(?:\.\d+)?)\s*(ms|milliseconds?|s|secs?|seconds?)\b/i;
const CHECKED: ReadonlySet<string> = new Set(['50', '95', '99']);
const NUMBER = String.raw`(\d+(?:\.\d+)?)`;
/** The ways a criterion names a percentile: `p99.9`, `99th percentile`, `95-percentile`, `percentile 95`. */
const PERCENTILES = [
  new RegExp(String.raw`\bp${NUMBER}(?!\w)`, 'gi'),
  new RegExp(String.raw`\b${NUMBER}\s*(?:st|nd|rd|th)?[\s-]*percentile\b`, 'gi'),
  new RegExp(String.raw`\bpercentile\s*${NUMBER}`, 'gi'),
];
const MEDIAN = /\bmedian\b/i;
/** Statistics that are no percentile an `http:` check holds. */
const OTHER_STATISTICS: ReadonlyArray<[RegExp, string]> = [
  [/\b(?:average|avg|mean)\b/i, 'an average'],
  [/\b(?:max|maximum|worst[- ]case)\b/i, 'the maximum'],
];

/**
 * The latency a criterion's words ask for ("GET /a p99 under 50 ms", "median latency < 20 ms"; p95 when
 * they name no statistic), why an `http:` check cannot hold it, or undefined when they name no threshold
 * (pure).
 */
export function readLatency(text: string): LatencyAsked | undefined {
  const threshold = THRESHOLD.exec(text);
  if (!threshold) return undefined;
  const ms = Number(threshold[1]) * (/^s|^sec/i.test(threshold[2] ?? '') ? 1000 : 1);
  const named = new Set(PERCENTILES.flatMap((re) => [...text.matchAll(re)].map((m) => String(Number(m[1])))));
  if (MEDIAN.test(text)) named.add('50');
  const list = [...named].map((p) => `p${p}`).join(', ');
  if (named.size > 1) {
    return unfit(`it names several percentiles (${list}), and one check holds one threshold`);
  }
  const other = OTHER_STATISTICS.find(([re]) => re.test(text));
  if (other && named.size === 0) {
    return unfit(`it asks for ${other[1]}, and an http check measures p50, p95 or p99 only`);
  }
  const [percentile = '95'] = named;
  if (!CHECKED.has(percentile)) {
    return unfit(`it asks for ${list}, and an http check measures p50, p95 or p99 only`);
  }
  if (!Number.isFinite(ms)) return unfit(`its threshold ${threshold[1]} is too large for a check`);
  if (ms <= 0)
    return unfit(`its threshold is ${threshold[1]} ${threshold[2]}, and a check needs one above 0`);
  return { ok: true, percentile: percentile as CheckedPercentile, ms };
}

function unfit(reason: string): LatencyAsked {
  return { ok: false, reason };
}
