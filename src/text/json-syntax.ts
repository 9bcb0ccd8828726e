/**
 * Where a JSON text first stops being JSON (pure). `JSON.parse` says "at position N" for some mistakes
 * only: for a single-quoted string, a `True` or a missing value, Node 20 gives an excerpt and no offset.
 * jsonc-parser (already Baton's reader of Gemini's settings) reads it strictly and names the offset.
 */
import { createRequire } from 'node:module';
import type { ParseError } from 'jsonc-parser';

/**
 * The 0-based offset of the first character of `text` that JSON does not allow there (`text.length`
 * when it ends too soon), or undefined when the whole text is one JSON value.
 */
export function jsonErrorOffset(text: string): number | undefined {
  const errors: ParseError[] = [];
  // Loaded only when a config does not parse: every command reads the config, few get this far.
  const { parse } = createRequire(import.meta.url)('jsonc-parser') as typeof import('jsonc-parser');
  parse(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  return errors[0]?.offset;
}
