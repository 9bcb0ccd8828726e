/**
 * The one zod every schema is built with: its small functional API (`zod/mini`), which loads and
 * builds schemas in about half the time of the classic chained API (a command that loads the project
 * built its schemas on every start), with zod's English messages, which `zod/mini` does not set up by
 * itself. Every schema module imports `z` from here, never from the package.
 */

import * as z from 'zod/mini';
import { en } from 'zod/v4/locales';

z.config(en());

export { z };

/**
 * The parts of a schema's definition Baton's own readers of schemas look at: the fast log test
 * (`log/fast-check.ts`) and the keys an object may have (`contracts/schema-keys.ts`).
 */
export interface SchemaDef {
  type: string;
  shape?: Record<string, z.ZodMiniType>;
  checks?: Array<{
    _zod: { def: { check: string; minimum?: number; value?: unknown; inclusive?: boolean } };
  }>;
  /** A number's format: `safeint` for `z.int()`. */
  format?: string;
  values?: unknown[];
  entries?: Record<string, unknown>;
  innerType?: z.ZodMiniType;
  in?: z.ZodMiniType;
  element?: z.ZodMiniType;
  keyType?: z.ZodMiniType;
  valueType?: z.ZodMiniType;
  options?: z.ZodMiniType[];
}

/** A schema's definition (zod keeps it at `_zod.def`). */
export function defOf(schema: z.ZodMiniType): SchemaDef {
  return (schema as unknown as { _zod: { def: SchemaDef } })._zod.def;
}
