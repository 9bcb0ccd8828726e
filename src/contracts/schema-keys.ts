/**
 * Which keys an object may have at a path inside a zod schema, read from the schema itself: the one
 * source for the "did you mean" of an unknown key in a contract's front matter and in the config,
 * so a key added to a schema is suggested at once and no list of names is kept by hand.
 */
import { defOf, type z } from '../zod.js';

/** Types that only wrap another schema, for what an object's keys are. */
const WRAPPERS = new Set(['optional', 'nullable', 'default', 'prefault', 'catch', 'readonly', 'nonoptional']);

/** What `schema` can be once its wrappers are taken off; a union is each of its options. */
function forms(schema: z.ZodMiniType): z.ZodMiniType[] {
  const def = defOf(schema);
  if (WRAPPERS.has(def.type) && def.innerType) return forms(def.innerType);
  if (def.type === 'pipe' && def.in) return forms(def.in);
  if (def.type === 'union' && def.options) return def.options.flatMap(forms);
  return [schema];
}

/** The schemas found one step in, by `key` (an object's field, any record value, an array's element). */
function stepInto(schema: z.ZodMiniType, key: PropertyKey): z.ZodMiniType[] {
  const def = defOf(schema);
  if (def.type === 'object' && typeof key === 'string' && def.shape && Object.hasOwn(def.shape, key))
    return forms(def.shape[key] as z.ZodMiniType);
  if (def.type === 'record' && def.valueType) return forms(def.valueType);
  if (def.type === 'array' && typeof key === 'number' && def.element) return forms(def.element);
  return [];
}

/**
 * The keys an object at `path` inside `schema` may have: every object form's, in declaration order,
 * when a union allows several; none when no object can be there.
 */
export function objectKeysAt(schema: z.ZodMiniType, path: readonly PropertyKey[]): string[] {
  let here = forms(schema);
  for (const key of path) here = here.flatMap((s) => stepInto(s, key));
  const keys = here.flatMap((s) => {
    const def = defOf(s);
    return def.type === 'object' && def.shape ? Object.keys(def.shape) : [];
  });
  return [...new Set(keys)];
}
