/**
 * Where a setting is written in a config's text, for located errors: the line of the deepest key along
 * its path, found by walking the document (YAML, or JSON read by the YAML library, which reads JSON too),
 * never by the first line anywhere that writes the key's name (pure).
 */
import type { Document, LineCounter } from 'yaml';
import { yaml } from './text/yaml.js';
import { offsetAlong, scalarSourceAlong } from './text/yaml-locate.js';

/** The last text read, and its document: one config's errors all ask about the same text. */
let last: { text: string; doc: Document; lines: LineCounter } | undefined;

function documentOf(text: string): NonNullable<typeof last> {
  if (last?.text !== text) {
    const lineCounter = new (yaml().LineCounter)();
    const doc = yaml().parseDocument(text, {
      lineCounter,
      prettyErrors: false,
      uniqueKeys: false,
      merge: true,
    });
    last = { text, doc, lines: lineCounter };
  }
  return last;
}

/**
 * The line of the deepest key along `path` (keys, and list indexes as numbers) that the text writes:
 * `['agents', 'codex', 'command']` is the line of `command` inside `agents.codex`, or of `codex` when it has
 * no `command`; none when not even the first key is written.
 */
export function lineAlong(text: string, path: readonly PropertyKey[]): { line?: number } {
  const { doc, lines } = documentOf(text);
  const { offset, found } = offsetAlong(doc, path);
  return found === 0 ? {} : { line: lines.linePos(offset).line };
}

/** The scalar at `path` as the text writes it (`2024`, `true`), when the path leads to one. */
export function scalarAlong(text: string, path: readonly PropertyKey[]): string | undefined {
  return scalarSourceAlong(documentOf(text).doc, path);
}
