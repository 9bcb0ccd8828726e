import { z } from 'zod';

/** A non-empty id (feature, criterion, collision). */
export const id = z.string().min(1);
/** A list of strings. */
export const strings = z.array(z.string());

/** Fields Baton writes on every event of its own: schema version, ISO-8601 time, run. */
export const base = { v: z.literal(1), ts: z.string(), run_id: z.string().optional() };
