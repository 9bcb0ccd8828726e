/**
 * The small structural checks every reader of a file anyone can write (the caches in `.baton/cache/`)
 * builds its shape check from (pure): by hand, no zod, as the fast paths load none.
 */

/** A JSON object (not null, not an array). */
export type Obj = Record<string, unknown>;

/** Whether `v` is a JSON object: not null, not an array. */
export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Whether `v` is an array of strings. */
export function isStrings(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}

/** Whether each named field of `o` is absent or of its type. */
export function optionalOf(o: Obj, type: 'string' | 'number' | 'boolean', keys: readonly string[]): boolean {
  return keys.every((k) => o[k] === undefined || typeof o[k] === type);
}
