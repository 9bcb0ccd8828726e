import { z } from '../zod.js';

/** A non-empty id (feature, criterion, collision). */
export const id = z.string().check(z.minLength(1));
/** A list of strings. */
export const strings = z.array(z.string());

/** Fields Baton writes on every event of its own: schema version, ISO-8601 time, run. */
export const base = { v: z.literal(1), ts: z.string(), run_id: z.optional(z.string()) };
