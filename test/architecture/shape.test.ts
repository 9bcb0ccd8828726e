/**
 * The shape docs/architecture.md describes, checked on src/ as it is: no file over 400 lines and no
 * function over 80 lines without a reason in its header ("Long because …"), and the layers: the core
 * folders (contracts/, log/, graph/) reach no disk, process or git through their imports (but for
 * their named edges), checks/ does not import runner/, and nothing outside cli/ imports cli/.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  folderOf,
  MAX_FILE_LINES,
  MAX_FUNCTION_LINES,
  reach,
  readShape,
  readTree,
  resolveImport,
} from './shape-rules.js';

const SRC = join(import.meta.dirname, '..', '..', 'src');
const tree = readTree(SRC);

/** The core folders: formats and pure planners. */
const CORE = ['contracts', 'log', 'graph'];
/** What a pure file may not reach: the disk, child processes (and so git), or the clock's timers. */
const IMPURE = new Set(['node:fs', 'node:fs/promises', 'fs', 'node:child_process', 'child_process', 'execa']);
/**
 * The core files that are the core's edge to the disk, each with why. Everything else in the core
 * folders is pure. A file named here that no longer touches the disk fails the test, so the list
 * cannot grow stale.
 */
const CORE_EDGES: Record<string, string> = {
  'contracts/load.ts': 'reads the contract files of a project',
  'contracts/parse-cache.ts': 'keeps parsed contracts in .baton/cache',
  'contracts/spec-links.ts': 'follows the symbolic links of the specs folder to tell where they lead',
  'log/append.ts': "the sink's writer: appends lines to .baton/log.jsonl",
  'log/read.ts': 'reads the log from disk',
  'log/tail.ts': 'reads the appended bytes of the log, watches it',
  'log/backward.ts': 'reads the log line by line from its end',
  'log/last-run.ts': "reads the last run's part of the log from its end",
  'log/fold-from-end.ts': "folds the log's tail for chosen features, or takes the snapshot",
  'log/fold-cache.ts': 'keeps the folded state next to the log',
  'log/fold-snapshot.ts': 'reads the status fold snapshot in .baton/cache, checks it against the log',
  'log/prefix-stamp.ts': "reads the log's first bytes and those before an offset, to stamp what was read",
  'log/sink.ts': 'the one sink: stamps events and appends them (through append.ts)',
};

function impureChain(file: string): string[] | undefined {
  for (const [target, chain] of reach(tree, file)) if (IMPURE.has(target)) return chain;
  return undefined;
}

describe('shape rules on small texts', () => {
  const body = (n: number) => Array.from({ length: n }, (_, i) => `  const v${i} = ${i};`).join('\n');

  it('flags a function over the limit, and not one with a reason in its header', () => {
    const long = `export function big(): void {\n${body(MAX_FUNCTION_LINES)}\n}\n`;
    expect(readShape('a.ts', long).longFunctions).toEqual([
      { name: 'big', line: 1, lines: MAX_FUNCTION_LINES + 2 },
    ]);
    const reasoned = `/** Long because it is one table of cases, one per line. */\n${long}`;
    expect(readShape('a.ts', reasoned).longFunctions).toEqual([]);
    const short = `export function small(): void {\n${body(MAX_FUNCTION_LINES - 2)}\n}\n`;
    expect(readShape('a.ts', short).longFunctions).toEqual([]);
  });

  it('finds long arrows and methods by the name they are given, and callbacks by their statement', () => {
    const arrow = `const run = async () => {\n${body(MAX_FUNCTION_LINES)}\n};\n`;
    expect(readShape('a.ts', arrow).longFunctions.map((f) => f.name)).toEqual(['run']);
    const method = `class A {\n  go(): void {\n${body(MAX_FUNCTION_LINES)}\n  }\n}\n`;
    expect(readShape('a.ts', method).longFunctions.map((f) => f.name)).toEqual(['go']);
    const callback = `// Long because the command's wiring reads best in one place.\nprogram.action(async () => {\n${body(MAX_FUNCTION_LINES)}\n});\n`;
    expect(readShape('a.ts', callback).longFunctions).toEqual([]);
  });

  it('reads a file header reason, and not a reason further down', () => {
    expect(
      readShape('a.ts', '/** Long because it lists every event. */\nexport const a = 1;\n').headerReason,
    ).toBe(true);
    expect(
      readShape(
        'a.ts',
        'export const a = 1;\n/** Long because it lists every event. */\nexport const b = 2;\n',
      ).headerReason,
    ).toBe(false);
    expect(readShape('a.ts', '/** Long. */\nexport const a = 1;\n').headerReason).toBe(false);
  });

  it('lists value, type, re-export and dynamic imports', () => {
    const text =
      "import type { A } from './a.js';\nimport { b } from '../b.js';\nexport { c } from './c.js';\nconst d = await import('./d.js');\n";
    expect(readShape('x/y.ts', text).imports).toEqual([
      { spec: './a.js', typeOnly: true },
      { spec: '../b.js', typeOnly: false },
      { spec: './c.js', typeOnly: false },
      { spec: './d.js', typeOnly: false },
    ]);
    expect(resolveImport('x/y.ts', '../b.js')).toBe('b.ts');
    expect(resolveImport('x/y.ts', 'node:fs')).toBe('node:fs');
    expect(folderOf('x/y.ts')).toBe('x');
  });

  it('follows value imports through the tree, not type imports', () => {
    const small = new Map([
      ['a/pure.ts', readShape('a/pure.ts', "import { x } from '../b/mid.js';\n")],
      ['b/mid.ts', readShape('b/mid.ts', "import { readFileSync } from 'node:fs';\n")],
      ['a/typed.ts', readShape('a/typed.ts', "import type { X } from '../b/mid.js';\n")],
    ]);
    expect(reach(small, 'a/pure.ts').get('node:fs')).toEqual(['a/pure.ts', 'b/mid.ts', 'node:fs']);
    expect(reach(small, 'a/typed.ts').has('node:fs')).toBe(false);
  });
});

describe('event lists', () => {
  it('tells a table or switch held to every event type from one that is not', () => {
    const held = readShape(
      'a.ts',
      "const A = { 'run.started': 1, 'feature.ended': 2 } as const satisfies Record<BatonEventType, number>;\n",
    );
    expect(held.eventLists).toEqual([{ kind: 'table', line: 1, exhaustive: true }]);
    const loose = readShape(
      'a.ts',
      "const A: Record<string, number> = { 'run.started': 1, 'feature.ended': 2 };\n",
    );
    expect(loose.eventLists).toEqual([{ kind: 'table', line: 1, exhaustive: false }]);
    const open =
      "switch (e.type) {\n  case 'run.started':\n  case 'feature.ended':\n    break;\n  default:\n    break;\n}\n";
    expect(readShape('a.ts', open).eventLists).toEqual([{ kind: 'switch', line: 1, exhaustive: false }]);
    const closed = open.replace('default:\n    break;', 'default:\n    unreachable(e);');
    expect(readShape('a.ts', closed).eventLists).toEqual([{ kind: 'switch', line: 1, exhaustive: true }]);
  });

  it('holds every table and switch over event types in src/ to every type', () => {
    // log/events.ts declares the types (EVENT_SCHEMAS): every other list is held to what it declares.
    const lists = [...tree]
      .filter(([f]) => f !== 'log/events.ts')
      .flatMap(([f, s]) => s.eventLists.map((l) => ({ ...l, at: `${f}:${l.line} ${l.kind}` })));
    expect(lists.length).toBeGreaterThanOrEqual(5);
    expect(lists.filter((l) => !l.exhaustive).map((l) => l.at)).toEqual([]);
  });
});

describe('src/ sizes', () => {
  it(`has no file over ${MAX_FILE_LINES} lines without a reason in its header`, () => {
    const over = [...tree]
      .filter(([, s]) => s.lines > MAX_FILE_LINES && !s.headerReason)
      .map(([f, s]) => `${f}: ${s.lines} lines`);
    expect(over).toEqual([]);
  });

  it(`has no function over ${MAX_FUNCTION_LINES} lines without a reason in its header`, () => {
    const over = [...tree].flatMap(([f, s]) =>
      s.longFunctions.map((fn) => `${f}:${fn.line} ${fn.name}: ${fn.lines} lines`),
    );
    expect(over).toEqual([]);
  });
});

describe('src/ layers', () => {
  it('imports cli/ from nowhere outside cli/', () => {
    const wrong = [...tree].flatMap(([f, s]) =>
      folderOf(f) === 'cli'
        ? []
        : s.imports
            .filter((i) => folderOf(resolveImport(f, i.spec)) === 'cli')
            .map((i) => `${f} → ${i.spec}`),
    );
    expect(wrong).toEqual([]);
  });

  it('builds every schema with the one zod (src/zod.ts: zod/mini and its messages), never the package', () => {
    const wrong = [...tree].flatMap(([f, s]) =>
      f === 'zod.ts'
        ? []
        : s.imports
            .filter((i) => i.spec === 'zod' || i.spec.startsWith('zod/'))
            .map((i) => `${f} → ${i.spec}`),
    );
    expect(wrong).toEqual([]);
    expect(tree.get('zod.ts')?.imports.map((i) => i.spec)).toContain('zod/mini');
  });

  it('keeps checks/ off runner/ (processes go through process/)', () => {
    const wrong = [...tree].flatMap(([f, s]) =>
      folderOf(f) === 'checks'
        ? s.imports
            .filter((i) => folderOf(resolveImport(f, i.spec)) === 'runner')
            .map((i) => `${f} → ${i.spec}`)
        : [],
    );
    expect(wrong).toEqual([]);
  });

  it('keeps the core folders pure: no fs, child process or git reached, but for the named edges', () => {
    const core = [...tree.keys()].filter((f) => CORE.includes(folderOf(f)));
    expect(core.length).toBeGreaterThan(20);
    const impure = core
      .filter((f) => CORE_EDGES[f] === undefined)
      .flatMap((f) => {
        const chain = impureChain(f);
        return chain ? [chain.join(' → ')] : [];
      });
    expect(impure).toEqual([]);
  });

  it('names as edges only core files that do touch the disk', () => {
    const stale = Object.keys(CORE_EDGES).filter((f) => !tree.has(f) || impureChain(f) === undefined);
    expect(stale).toEqual([]);
  });
});
