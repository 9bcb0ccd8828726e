/**
 * The cap on text the dashboard sends: any process can append to the log, and an agent writes what
 * it likes to its log, so one line may carry a megabyte in a `detail` or a `reason`. Sent verbatim,
 * sixty of them made `/api/state` 61 MB and the page took 22 s to draw it.
 */
import { createHash } from 'node:crypto';
import { clipText } from '../text/one-line.js';

/** The most of one string sent to the page, in characters; longer ones end in `…`. */
export const MAX_SENT_TEXT = 16 * 1024;

/** Hex digits of the hash that keeps two long keys cut to the same text apart (`clipKey`). */
const KEY_HASH = 16;

/**
 * `value` with every string in it (at any depth), object keys included, cut to `MAX_SENT_TEXT`
 * (`clipText`, `clipKey`); what holds no longer string is returned as it is, so the common case copies nothing.
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
  const entries = Object.entries(value);
  let changed = false;
  entries.forEach(([key, item], i) => {
    const k = clipKey(key);
    const clipped = clipValue(item);
    if (k === key && clipped === item) return;
    entries[i] = [k, clipped];
    changed = true;
  });
  // Built from entries, in their order: a key such as `__proto__` stays an own property.
  return changed ? Object.fromEntries(entries) : value;
}

/**
 * A key cut to `MAX_SENT_TEXT`: a log line's id becomes one (a `criterion_id` of `checks`, a
 * `collision_id` of `collisions`). Cut alone, two long ids sharing their start would become one key and
 * one entry would hide the other, so a cut key ends in a hash of the whole id: distinct ids stay distinct.
 */
function clipKey(key: string): string {
  if (key.length <= MAX_SENT_TEXT) return key;
  const hash = createHash('sha256').update(key).digest('hex').slice(0, KEY_HASH);
  return `${clipText(key, MAX_SENT_TEXT - KEY_HASH - 1)}#${hash}`;
}
