/**
 * Each field of an object, validated on its own against its object schema's shape (pure): what lint
 * reads of a config or a contract whose whole does not validate, so one bad field hides no other
 * field's problems.
 */
import type { z } from '../zod.js';

/** The fields of `data` that `shape` declares and that pass their own schema (parsed), and the names of those that do not. */
export function validFieldsOf(
  shape: Readonly<Record<string, z.ZodMiniType>>,
  data: Readonly<Record<string, unknown>>,
): { fields: Record<string, unknown>; failed: Set<string> } {
  const fields: Record<string, unknown> = {};
  const failed = new Set<string>();
  for (const [key, schema] of Object.entries(shape)) {
    if (!Object.hasOwn(data, key)) continue;
    const r = schema.safeParse(data[key]);
    if (r.success) fields[key] = r.data;
    else failed.add(key);
  }
  return { fields, failed };
}
