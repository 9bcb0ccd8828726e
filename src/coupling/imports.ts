import { posix } from 'node:path';
import type { parseSync } from 'oxc-parser';

/** oxc-parser's parse, loaded by `loadParser` only when a JS/TS file is to be read. */
export type Parse = typeof parseSync;

/**
 * Loads the parser (and its native binding, ~20 ms): only when some JS/TS file's imports are not
 * cached, so a warm `baton plan` or `lint` never pays for it. By `import()`, which loads the ES-only
 * package from the CommonJS bundle on every Node Baton supports.
 */
export async function loadParser(): Promise<Parse> {
  return (await import('oxc-parser')).parseSync;
}

/** One import found in a source file: what it names and where. */
export interface ImportSite {
  specifier: string;
  /** 1-based line of the specifier. */
  line: number;
  /** The import statement's line as written (trimmed). */
  source: string;
}

const JS_EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs'];

/** Whether the import pass reads this file: JS/TS sources (through oxc-parser) and Python (line reader). */
export function isImportSource(path: string): boolean {
  return path.endsWith('.py') || needsParser(path);
}

/** Whether reading this file's imports needs the parser (`loadParser`): JS/TS does, Python does not. */
export function needsParser(path: string): boolean {
  return JS_EXTENSIONS.some((e) => path.endsWith(e));
}

/**
 * The module specifiers a source file imports, with their lines (pure). JS/TS (static imports,
 * re-exports, dynamic `import()` with a string) goes through oxc-parser (`parse`), which reads
 * TypeScript and JSX natively; Python goes through a line reader (`import a.b`, `from .x import y`),
 * which is cheap and skips what it cannot see on one line. A file that does not parse yields what was
 * recovered. A JS/TS file without a parser is an error: the caller loads one first.
 */
export function findImports(path: string, text: string, parse?: Parse): ImportSite[] {
  if (path.endsWith('.py')) return findPythonImports(text);
  if (!needsParser(path)) return [];
  if (!parse) throw new Error(`findImports: ${path} needs the parser (loadParser)`);
  const lines = lineStarts(text);
  const out: ImportSite[] = [];
  const add = (specifier: string, offset: number) => {
    const line = lineAt(lines, offset);
    out.push({ specifier, line, source: sourceLine(text, lines, line) });
  };
  const parsed = parse(path, text);
  for (const i of parsed.module.staticImports) add(i.moduleRequest.value, i.moduleRequest.start);
  for (const e of parsed.module.staticExports) {
    for (const entry of e.entries)
      if (entry.moduleRequest) add(entry.moduleRequest.value, entry.moduleRequest.start);
  }
  for (const d of parsed.module.dynamicImports) {
    const raw = text.slice(d.moduleRequest.start, d.moduleRequest.end);
    const m = /^(['"`])([^'"`$]*)\1$/.exec(raw);
    if (m?.[2] !== undefined) add(m[2], d.moduleRequest.start);
  }
  // A re-export lists one entry per name; one site per line and specifier is enough.
  const seen = new Set<string>();
  return out
    .filter((s) => {
      const key = `${s.line}\0${s.specifier}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .sort((a, b) => a.line - b.line);
}

const PY_FROM = /^from\s+(\.*)([\w.]*)\s+import\s+\(?\s*([\w\s,.*]+)/;
const PY_IMPORT = /^import\s+([\w\s,.]+)/;

/** Python imports by line: `import a.b [as c], d` and `from [.]a import b, c` (pure). */
function findPythonImports(text: string): ImportSite[] {
  const out: ImportSite[] = [];
  text.split('\n').forEach((raw, i) => {
    const t = raw.trim();
    const from = PY_FROM.exec(t);
    if (from) {
      const dots = from[1] ?? '';
      const mod = from[2] ?? '';
      const names = (from[3] ?? '')
        .split(',')
        .map((s) => s.trim().split(/\s+/)[0] ?? '')
        .filter((s) => s && s !== '*');
      // `from . import x` and `from .pkg import x` may name submodules: record both the package and each name.
      out.push({ specifier: `${dots}${mod}`, line: i + 1, source: t });
      for (const name of names)
        out.push({ specifier: `${dots}${mod ? `${mod}.` : ''}${name}`, line: i + 1, source: t });
      return;
    }
    const imp = PY_IMPORT.exec(t);
    if (imp) {
      for (const part of (imp[1] ?? '').split(',')) {
        const name = part.trim().split(/\s+/)[0];
        if (name) out.push({ specifier: name, line: i + 1, source: t });
      }
    }
  });
  return out;
}

/**
 * The repository file a specifier points at, or undefined for packages and files not in `files` (pure).
 * Relative JS/TS specifiers try the path as written, then with each extension, then `index.*`, and a
 * `.js` written for a `.ts` source (the ESM convention). Python resolves dots from the importing
 * package and absolute names from the repository root.
 */
export function resolveImport(
  from: string,
  specifier: string,
  files: ReadonlySet<string>,
): string | undefined {
  if (from.endsWith('.py')) return resolvePython(from, specifier, files);
  if (
    !specifier.startsWith('./') &&
    !specifier.startsWith('../') &&
    specifier !== '.' &&
    specifier !== '..'
  ) {
    return undefined;
  }
  const base = posix.normalize(posix.join(posix.dirname(from), specifier));
  if (base.startsWith('../')) return undefined;
  const candidates = [base];
  const ext = posix.extname(base);
  if (['.js', '.jsx', '.mjs', '.cjs'].includes(ext)) {
    const stem = base.slice(0, -ext.length);
    const ts = { '.js': ['.ts', '.tsx'], '.jsx': ['.tsx'], '.mjs': ['.mts'], '.cjs': ['.cts'] }[ext] ?? [];
    candidates.push(...ts.map((e) => stem + e));
  }
  for (const e of JS_EXTENSIONS) candidates.push(base + e);
  for (const e of JS_EXTENSIONS) candidates.push(`${base}/index${e}`);
  return candidates.find((c) => files.has(c));
}

function resolvePython(from: string, specifier: string, files: ReadonlySet<string>): string | undefined {
  const dots = /^\.*/.exec(specifier)?.[0].length ?? 0;
  const rest = specifier.slice(dots).split('.').filter(Boolean);
  let dir: string;
  if (dots > 0) {
    dir = posix.dirname(from);
    for (let i = 1; i < dots; i++) dir = posix.dirname(dir);
  } else dir = '.';
  const stem = posix.normalize(posix.join(dir, ...rest));
  if (stem.startsWith('../')) return undefined;
  const candidates = rest.length ? [`${stem}.py`, `${stem}/__init__.py`] : [`${stem}/__init__.py`];
  return candidates.map((c) => c.replace(/^\.\//, '')).find((c) => files.has(c));
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

function lineAt(starts: readonly number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((starts[mid] ?? 0) <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}

function sourceLine(text: string, starts: readonly number[], line: number): string {
  const start = starts[line - 1] ?? 0;
  const end = starts[line] ?? text.length;
  return text.slice(start, end).trim();
}
