/**
 * The cap on text the dashboard sends: any process can append to the log, and an agent writes what
 * it likes to its log, so one line may carry a megabyte in a `detail` or a `reason`. Sent verbatim,
 * sixty of them made `/api/state` 61 MB and the page took 22 s to draw it.
 */
import { clipText } from '../text/one-line.js';

/** The most of one string sent to the page, in characters; longer ones end in `…`. */
export const MAX_SENT_TEXT = 16 * 1024;

/**
 * `value` with every string in it (at any depth) cut to `MAX_SENT_TEXT` (`clipText`); what holds no
 * longer string is returned as it is, so the common case copies nothing.
 */
export function clipSent<T>(value: T): T {
  return clipValue(value) as T;
}

function clipValue(value: unknown): unknown {
  if (typeof value === 'string') return clipText(value, MAX_SENT_TEXT);
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    value.forEach((item, i) => {
      const clipped = clipValue(item);
      if (clipped === item) return;
      out ??= [...value];
      out[i] = clipped;
    });
    return out ?? value;
  }
  let out: Record<string, unknown> | undefined;
  for (const [key, item] of Object.entries(value)) {
    const clipped = clipValue(item);
    if (clipped === item) continue;
    out ??= { ...value };
    out[key] = clipped;
  }
  return out ?? value;
}
