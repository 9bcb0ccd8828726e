/**
 * The checks behind test/architecture/shape.test.ts, apart so they can be tried on small texts:
 * sizes (files, functions) and imports, read with oxc-parser.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { parseSync } from 'oxc-parser';

/** A file over this many lines needs a reason in its header comment. */
export const MAX_FILE_LINES = 400;
/** A function over this many lines needs a reason in its header comment. */
export const MAX_FUNCTION_LINES = 80;
/** How a header comment gives a reason: a sentence starting "Long because", with some words after it. */
export const REASON = /\bLong because\s+\S+(?:\s+\S+){2,}/;

/** One import of a file: the specifier, and whether it brings in types only. */
export interface ImportRef {
  spec: string;
  typeOnly: boolean;
}

/** What the checks need from one source file. */
export interface SourceShape {
  lines: number;
  /** Whether the comments before the first statement give a reason for the length. */
  headerReason: boolean;
  /** Functions (declarations, expressions, arrows, methods) over MAX_FUNCTION_LINES without a reason. */
  longFunctions: Array<{ name: string; line: number; lines: number }>;
  imports: ImportRef[];
  /**
   * Tables and switches over event types (an object literal or a switch naming both `run.started` and
   * `feature.ended`), and whether each is held to every type: a table by `satisfies Record<BatonEventType, …>`,
   * a switch by a `default:` that calls `unreachable`.
   */
  eventLists: Array<{ kind: 'table' | 'switch'; line: number; exhaustive: boolean }>;
}

interface Node {
  type: string;
  start: number;
  end: number;
  [key: string]: unknown;
}

const FUNCTION_TYPES = new Set(['FunctionDeclaration', 'FunctionExpression', 'ArrowFunctionExpression']);

function isNode(v: unknown): v is Node {
  return v !== null && typeof v === 'object' && typeof (v as Node).type === 'string';
}

function lineOf(text: string, offset: number): number {
  let n = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/** A statement-level node: the place a function's header comment stands before. */
function isStatementLike(n: Node): boolean {
  return (
    /(Statement|Declaration)$/.test(n.type) ||
    n.type === 'MethodDefinition' ||
    n.type === 'PropertyDefinition' ||
    n.type === 'Property'
  );
}

function nameOf(fn: Node, ancestors: readonly Node[]): string {
  const id = fn.id as { name?: string } | null | undefined;
  if (id?.name) return id.name;
  for (let i = ancestors.length - 1; i >= 0; i--) {
    const a = ancestors[i] as Node;
    const key = (a.key ?? a.id) as { name?: string } | undefined;
    if (
      key?.name &&
      (a.type === 'VariableDeclarator' || a.type === 'MethodDefinition' || a.type === 'Property')
    )
      return key.name;
    if (isStatementLike(a)) break;
  }
  return '(anonymous)';
}

/** Reads one file's text into the facts the rules check (pure). */
export function readShape(file: string, text: string): SourceShape {
  const parsed = parseSync(file, text);
  if (parsed.errors.length > 0) throw new Error(`${file}: ${parsed.errors[0]?.message}`);
  const comments = parsed.comments;
  /** Whether the comments standing right before `offset` (only blank space between) give a reason. */
  const reasonBefore = (offset: number): boolean => {
    let at = offset;
    for (let i = comments.length - 1; i >= 0; i--) {
      const c = comments[i];
      if (c === undefined || c.end > at) continue;
      if (text.slice(c.end, at).trim() !== '') return false;
      if (REASON.test(c.value)) return true;
      at = c.start;
    }
    return false;
  };
  const first = parsed.program.body[0];
  const headerReason = comments.some((c) => c.end <= (first?.start ?? text.length) && REASON.test(c.value));

  const longFunctions: SourceShape['longFunctions'] = [];
  const eventLists: SourceShape['eventLists'] = [];
  const walk = (node: Node, ancestors: Node[]): void => {
    const listed = eventKind(node);
    if (listed !== undefined)
      eventLists.push({
        kind: listed,
        line: lineOf(text, node.start),
        exhaustive: isExhaustive(node, ancestors, text),
      });
    if (FUNCTION_TYPES.has(node.type)) {
      const lines = text.slice(node.start, node.end).split('\n').length;
      if (lines > MAX_FUNCTION_LINES) {
        // The header may stand before the function itself or before the statement that holds it.
        const anchors = [node.start];
        for (let i = ancestors.length - 1; i >= 0; i--) {
          const a = ancestors[i] as Node;
          anchors.push(a.start);
          if (isStatementLike(a)) break;
        }
        if (!anchors.some(reasonBefore))
          longFunctions.push({ name: nameOf(node, ancestors), line: lineOf(text, node.start), lines });
      }
    }
    ancestors.push(node);
    for (const value of Object.values(node)) {
      if (Array.isArray(value)) {
        for (const v of value) if (isNode(v)) walk(v, ancestors);
      } else if (isNode(value)) walk(value, ancestors);
    }
    ancestors.pop();
  };
  walk(parsed.program as unknown as Node, []);

  const imports: ImportRef[] = [];
  for (const i of parsed.module.staticImports)
    imports.push({
      spec: i.moduleRequest.value,
      typeOnly: i.entries.length > 0 && i.entries.every((e) => e.isType),
    });
  for (const e of parsed.module.staticExports)
    for (const entry of e.entries)
      if (entry.moduleRequest) imports.push({ spec: entry.moduleRequest.value, typeOnly: entry.isType });
  for (const d of parsed.module.dynamicImports) {
    const literal = text.slice(d.moduleRequest.start, d.moduleRequest.end);
    const m = /^(['"`])(.*)\1$/.exec(literal);
    if (m?.[2] !== undefined) imports.push({ spec: m[2], typeOnly: false });
  }
  return {
    lines: text.split('\n').length - (text.endsWith('\n') ? 1 : 0),
    headerReason,
    longFunctions,
    imports,
    eventLists,
  };
}

/** The event types a list must name for it to count as a list over every event type. */
const EVENT_MARKERS = ['run.started', 'feature.ended'];

function eventKind(node: Node): 'table' | 'switch' | undefined {
  let names: unknown[] = [];
  if (node.type === 'ObjectExpression')
    names = (node.properties as Node[]).map((p) => (p.key as { value?: unknown } | undefined)?.value);
  else if (node.type === 'SwitchStatement')
    names = (node.cases as Node[]).map((c) => (c.test as { value?: unknown } | null)?.value);
  else return undefined;
  if (!EVENT_MARKERS.every((m) => names.includes(m))) return undefined;
  return node.type === 'ObjectExpression' ? 'table' : 'switch';
}

function isExhaustive(node: Node, ancestors: readonly Node[], text: string): boolean {
  if (node.type === 'SwitchStatement') {
    const fallback = (node.cases as Node[]).find((c) => c.test === null);
    return fallback !== undefined && /\bunreachable\(/.test(text.slice(fallback.start, fallback.end));
  }
  // `{…} as const satisfies Record<BatonEventType, …>`: climb through the `as const`.
  for (let i = ancestors.length - 1; i >= 0; i--) {
    const a = ancestors[i] as Node;
    if (a.type === 'TSAsExpression' || a.type === 'ParenthesizedExpression') continue;
    if (a.type !== 'TSSatisfiesExpression') return false;
    const annotation = a.typeAnnotation as Node;
    return /^Record<BatonEventType\b/.test(text.slice(annotation.start, annotation.end));
  }
  return false;
}

/** Every `.ts` file below `root`, as paths relative to it with `/` separators. */
export function listSources(root: string): string[] {
  const out: string[] = [];
  const visit = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) visit(path);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts'))
        out.push(relative(root, path).split('\\').join('/'));
    }
  };
  visit(root);
  return out.sort();
}

/** The tree's shapes, by path relative to `root`. */
export function readTree(root: string): Map<string, SourceShape> {
  return new Map(listSources(root).map((f) => [f, readShape(f, readFileSync(join(root, f), 'utf8'))]));
}

/** Where a relative import of `from` points, as a path relative to the tree's root; a package name stays as it is. */
export function resolveImport(from: string, spec: string): string {
  if (!spec.startsWith('.')) return spec;
  const path = resolve('/', dirname(from), spec).slice(1);
  return path.replace(/\.js$/, '.ts');
}

/** The top folder of a path in the tree (`''` for a file at the root). */
export function folderOf(path: string): string {
  const slash = path.indexOf('/');
  return slash === -1 ? '' : path.slice(0, slash);
}

/**
 * What `file` reaches through its value imports, followed through the tree: every tree file and
 * every package on the way (type-only imports carry no code and are not followed).
 */
export function reach(tree: ReadonlyMap<string, SourceShape>, file: string): Map<string, string[]> {
  const seen = new Map<string, string[]>([[file, [file]]]);
  const queue = [file];
  for (let current = queue.shift(); current !== undefined; current = queue.shift()) {
    const chain = seen.get(current) ?? [];
    for (const i of tree.get(current)?.imports ?? []) {
      if (i.typeOnly) continue;
      const target = resolveImport(current, i.spec);
      if (seen.has(target)) continue;
      seen.set(target, [...chain, target]);
      if (tree.has(target)) queue.push(target);
    }
  }
  return seen;
}
