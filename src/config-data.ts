/**
 * The data of a config file's text, before its schema: JSON or YAML by file name, every syntax error and
 * every key written twice located at file:line:col (pure).
 */
import type { Document, LineCounter } from 'yaml';
import { openedAt } from './contracts/yaml-opened.js';
import type { Diagnostic, Result } from './errors.js';
import { errorMessage } from './text/error-message.js';
import { escapeControl } from './text/escape.js';
import { jsonErrorOffset } from './text/json-syntax.js';
import { yaml } from './text/yaml.js';
import { duplicateKeyOf } from './text/yaml-duplicate.js';

/** Parses config text, JSON when `file` ends in `.json`, else YAML, into plain data or located errors. */
export function parseConfigData(file: string, text: string): Result<unknown> {
  return file.endsWith('.json') ? parseJson(file, text) : parseYaml(file, text);
}

/** A 0-based offset of `text` as a 1-based line and column. */
function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: (before[before.length - 1] ?? '').length + 1 };
}

function parseJson(file: string, text: string): Result<unknown> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    const message = errorMessage(err);
    // Node gives "position N" for some mistakes only; the others are found by reading the grammar.
    const pos = /position (\d+)/.exec(message);
    const offset = pos ? Number(pos[1]) : jsonErrorOffset(text);
    const where = offset === undefined ? {} : lineColumn(text, offset);
    const error: Diagnostic = {
      severity: 'error',
      code: 'config/invalid-json',
      // Node's excerpt of the text can hold its newlines: escaped, the diagnostic stays one line.
      message: `not valid JSON: ${escapeControl(message)}`,
      location: { file, ...where },
    };
    return { ok: false, errors: [error] };
  }
  // JSON.parse keeps the last of two equal keys without a word. Counting keys is cheap; only when the
  // text writes more than the data holds is the YAML library (a JSON reader that tells) loaded to say which.
  if (keysWritten(text) > keysHeld(data)) {
    const lineCounter = new (yaml().LineCounter)();
    const doc = yaml().parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
    const errors = duplicateKeys(file, text, doc, lineCounter);
    if (errors.length > 0) return { ok: false, errors };
  }
  return { ok: true, value: data, warnings: [] };
}

/** How many keys a JSON text writes: the strings followed by a colon, read string after string. */
function keysWritten(text: string): number {
  let n = 0;
  for (const m of text.matchAll(/"(?:[^"\\]|\\.)*"(\s*:)?/g)) if (m[1] !== undefined) n++;
  return n;
}

/** How many keys parsed data holds, at every depth. */
function keysHeld(data: unknown): number {
  if (Array.isArray(data)) return data.reduce((n: number, v) => n + keysHeld(v), 0);
  if (data === null || typeof data !== 'object') return 0;
  return Object.values(data).reduce((n: number, v) => n + 1 + keysHeld(v), 0);
}

function parseYaml(file: string, text: string): Result<unknown> {
  const lineCounter = new (yaml().LineCounter)();
  // Merge keys (`<<: *defaults`) are read, as in a contract.
  const doc = yaml().parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, merge: true });
  if (doc.errors.length > 0) {
    const twice = duplicateKeys(file, text, doc, lineCounter);
    const taken = new Set<number>();
    const others = doc.errors
      .filter((e) => duplicateKeyOf(doc, e) === undefined)
      .map((e): Diagnostic => {
        if (e.code === 'MULTIPLE_DOCS') return secondDocument(file, text, lineCounter.linePos(e.pos[0]).line);
        // Where an unclosed `[`, `{` or quote was opened, not the next line where the library noticed.
        const pos = lineCounter.linePos(openedAt(doc, text, e, taken) ?? e.pos[0]);
        return {
          severity: 'error',
          code: 'config/invalid-yaml',
          message: `not valid YAML: ${e.message.split('\n')[0] ?? e.message}`,
          location: { file, line: pos.line, column: pos.col },
          ...sourceLine(text, pos.line),
        };
      });
    return { ok: false, errors: [...twice, ...others] };
  }
  return { ok: true, value: doc.toJS() ?? {}, warnings: [] };
}

/**
 * The error for a YAML config that holds more than one document (a second `---`, or settings after a
 * `...` end marker), at the line where the second starts: the library's own words advise calling it.
 */
function secondDocument(file: string, text: string, line: number): Diagnostic {
  return {
    severity: 'error',
    code: 'config/multiple-documents',
    message: `the config file holds more than one YAML document (the second starts on line ${line}); Baton reads one document of settings`,
    location: { file, line, column: 1 },
    ...sourceLine(text, line),
    hint: 'Keep one document: remove the `---` (or `...`) line between the settings, or move what the second says into the first.',
  };
}

/** A `config/duplicate-key` error for each key written twice in one mapping, at its second writing. */
function duplicateKeys(file: string, text: string, doc: Document, lines: LineCounter): Diagnostic[] {
  return doc.errors.flatMap((e): Diagnostic[] => {
    const twice = duplicateKeyOf(doc, e);
    if (!twice) return [];
    const first = lines.linePos(twice.first);
    const again = lines.linePos(twice.again);
    return [
      {
        severity: 'error',
        code: 'config/duplicate-key',
        message: `key "${twice.path.join('.')}" is written twice (first on line ${first.line}); only one would be read`,
        location: { file, line: again.line, column: again.col },
        ...sourceLine(text, again.line),
        hint: `Keep one "${twice.path}" and delete the other.`,
      },
    ];
  });
}

function sourceLine(text: string, line: number): { source?: string } {
  const source = text.split(/\r?\n/)[line - 1];
  return source === undefined ? {} : { source };
}
