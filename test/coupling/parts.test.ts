import { beforeAll, describe, expect, it } from 'vitest';
import { COUPLING_DEFAULTS, dependencyOracle, judgePairs } from '../../src/coupling/analysis.js';
import { createCoChangeCounter } from '../../src/coupling/co-change.js';
import { classifyHotspot, findHotspots } from '../../src/coupling/hotspots.js';
import { findImports, loadParser, type Parse, resolveImport } from '../../src/coupling/imports.js';
import { createLogParser, type LoggedCommit } from '../../src/coupling/log-stream.js';
import { renderCouplingText, renderScoreText } from '../../src/coupling/render.js';
import { palette } from '../../src/terminal/style.js';

describe('createLogParser', () => {
  // As `git log -z --name-only` writes it: NUL-ended headers and paths, a newline before a commit's first path.
  const STREAM =
    '/abc1234 fff0000\x1fadd stock\x1e to\x1f catalog\0\nsrc/catalog/a.ts\0src/stock/b\tq"\\.ts\0' +
    '/def5678\x1f\0/0123abc\x1fone file\0\n\nREADME\n.md\0';
  const expected: LoggedCommit[] = [
    {
      sha: 'abc1234',
      subject: 'add stock\x1e to\x1f catalog',
      files: ['src/catalog/a.ts', 'src/stock/b\tq"\\.ts'],
    },
    { sha: 'def5678', subject: '', files: [] },
    { sha: '0123abc', subject: 'one file', files: ['\nREADME\n.md'] },
  ];
  it.each([1, 2, 3, 7, 1000])('reads the same commits whatever the chunk size (%i)', (size) => {
    const got: LoggedCommit[] = [];
    const parser = createLogParser((c) => got.push(c));
    for (let i = 0; i < STREAM.length; i += size) parser.push(STREAM.slice(i, i + size));
    parser.end();
    expect(got).toEqual(expected);
  });
});

describe('findImports', () => {
  let parse: Parse;
  beforeAll(async () => {
    parse = await loadParser();
  });
  it('reads TypeScript with types, re-exports and dynamic imports, with lines', () => {
    const text = [
      "import type { A } from './a';",
      'const f = <T,>(x: T): T => x;',
      "export * from './b/index.js';",
      "export { c, d } from './c';",
      "const lazy = await import('./lazy');",
      'const notAString = await import(name);',
      "import pkg from 'some-package';",
    ].join('\n');
    expect(findImports('src/x.ts', text, parse).map((s) => [s.specifier, s.line])).toEqual([
      ['./a', 1],
      ['./b/index.js', 3],
      ['./c', 4],
      ['./lazy', 5],
      ['some-package', 7],
    ]);
  });
  it('reads TSX and counts lines after non-ASCII text', () => {
    const text =
      "// héllo ✓\nimport { B } from './b';\nexport const C = () => <div>{a > b ? <B /> : null}</div>;\n";
    expect(findImports('src/c.tsx', text, parse)).toEqual([
      { specifier: './b', line: 2, source: "import { B } from './b';" },
    ]);
  });
  it('refuses a JS/TS file without the parser, and reads Python without one', () => {
    expect(() => findImports('src/x.ts', "import a from './a';")).toThrow(/needs the parser/);
    expect(findImports('a/b.py', 'import os\n').map((s) => s.specifier)).toEqual(['os']);
  });
  it('reads Python imports line by line', () => {
    const text = 'import os, app.models as m\nfrom . import views\nfrom ..core.db import session\n';
    expect(findImports('app/api/routes.py', text).map((s) => s.specifier)).toEqual([
      'os',
      'app.models',
      '.',
      '.views',
      '..core.db',
      '..core.db.session',
    ]);
  });
});

describe('resolveImport', () => {
  const files = new Set([
    'src/a.ts',
    'src/b/index.tsx',
    'src/c.js',
    'app/models.py',
    'app/core/db.py',
    'app/api/views.py',
  ]);
  it.each([
    ['src/x/y.ts', '../a.js', 'src/a.ts'],
    ['src/x.ts', './a', 'src/a.ts'],
    ['src/x.ts', './b', 'src/b/index.tsx'],
    ['src/x.ts', './c.js', 'src/c.js'],
    ['src/x.ts', 'react', undefined],
    ['src/x.ts', '../../outside', undefined],
    ['app/api/routes.py', 'app.models', 'app/models.py'],
    ['app/api/routes.py', '..core.db', 'app/core/db.py'],
    ['app/api/routes.py', '.views', 'app/api/views.py'],
    ['app/api/routes.py', 'os', undefined],
  ])('%s imports %s → %s', (from, spec, target) => {
    expect(resolveImport(from, spec, files)).toBe(target);
  });
});

describe('hotspots', () => {
  it.each([
    ['src/routes.ts', 'route-table'],
    ['src/routes/index.ts', 'route-table'],
    ['src/index.ts', 'barrel'],
    ['src/plugin-registry.ts', 'registry'],
    ['CHANGELOG.md', 'changelog'],
    ['package-lock.json', 'lockfile'],
    ['package.json', 'manifest'],
    ['src/db.ts', 'shared-file'],
  ])('%s is a %s', (file, kind) => expect(classifyHotspot(file)).toBe(kind));

  it('needs half the features (at least two) and enough commits, and a file that still exists', () => {
    const counter = createCoChangeCounter(
      [
        { id: 'a', owns: ['a/**'] },
        { id: 'b', owns: ['b/**'] },
        { id: 'c', owns: ['c/**'] },
        { id: 'd', owns: ['d/**'] },
      ],
      { maxCommitFiles: 50, ignore: ['specs/'] },
    );
    for (let i = 0; i < 3; i++) {
      counter.add({
        sha: `a${i}`,
        subject: '',
        files: ['a/x', 'routes.ts', 'gone.ts', 'specs/a/contract.md'],
      });
      counter.add({ sha: `b${i}`, subject: '', files: ['b/x', 'routes.ts', 'gone.ts', 'one.ts'] });
    }
    const unowned = counter.result().unowned;
    expect(unowned.map((u) => u.file)).toEqual(['gone.ts', 'routes.ts', 'one.ts']);
    const hot = findHotspots(unowned, {
      featureCount: 4,
      share: 0.5,
      minCommits: 3,
      existing: new Set(['routes.ts', 'one.ts']),
    });
    expect(hot.map((h) => [h.file, h.kind, h.features])).toEqual([['routes.ts', 'route-table', ['a', 'b']]]);
  });
});

describe('createCoChangeCounter in any order', () => {
  it('counts and picks the newest examples by position, whatever order the commits come in', () => {
    const features = [
      { id: 'a', owns: ['a/**'] },
      { id: 'b', owns: ['b/**'] },
    ];
    const commits: LoggedCommit[] = Array.from({ length: 8 }, (_, i) => ({
      sha: `c${i}`,
      subject: `s${i}`,
      files: i % 3 === 2 ? ['a/x'] : ['a/x', 'b/y', 'shared.ts'],
    }));
    const inOrder = createCoChangeCounter(features, { maxCommitFiles: 50 });
    for (const c of commits) inOrder.add(c);
    const shuffled = createCoChangeCounter(features, { maxCommitFiles: 50 });
    for (const i of [5, 0, 7, 3, 6, 1, 4, 2]) shuffled.add(commits[i] as LoggedCommit, i);
    expect(shuffled.result()).toEqual(inOrder.result());
    expect(inOrder.result().pairs[0]?.examples.map((e) => e.sha)).toEqual(['c0', 'c1', 'c3']);
    expect(inOrder.result().unowned[0]?.examples.map((e) => e.sha)).toEqual(['c0', 'c1', 'c3']);
  });

  it('counts the pairs of twelve thousand features (n·n counters did not fit: "Invalid array length")', () => {
    const n = 12_000;
    // Only the four features the commits touch own files: twelve thousand globs cost seconds to compile.
    const owning = new Set([0, 5000, 5001, n - 1]);
    const features = Array.from({ length: n }, (_, i) => ({
      id: `f${i}`,
      owns: owning.has(i) ? [`src/f${i}/**`] : [],
    }));
    const counter = createCoChangeCounter(features, { maxCommitFiles: 50 });
    const last = `src/f${n - 1}/x.ts`;
    counter.add({ sha: 'c0', subject: '', files: ['src/f0/x.ts', last] });
    counter.add({ sha: 'c1', subject: '', files: [last, 'src/f0/x.ts'] });
    counter.add({ sha: 'c2', subject: '', files: [last, 'src/f5001/x.ts', 'src/f5000/x.ts'] });
    const { pairs, feature_commits } = counter.result();
    // Most support first; equal ones in feature order.
    expect(pairs.map((p) => [p.a, p.b, p.support, p.confidence])).toEqual([
      ['f0', `f${n - 1}`, 2, 1],
      ['f5000', 'f5001', 1, 1],
      ['f5000', `f${n - 1}`, 1, 1],
      ['f5001', `f${n - 1}`, 1, 1],
    ]);
    expect(pairs[0]?.examples.map((e) => e.sha)).toEqual(['c0', 'c1']);
    expect(feature_commits[`f${n - 1}`]).toBe(3);
    expect(feature_commits.f1).toBe(0);
  });
});

describe('dependencyOracle', () => {
  it('follows dependencies through other features, in one direction', () => {
    const o = dependencyOracle([
      { feature_id: 'a', depends_on: { features: [], services: [] } },
      { feature_id: 'b', depends_on: { features: ['a'], services: [] } },
      { feature_id: 'c', depends_on: { features: ['b'], services: [] } },
      { feature_id: 'd', depends_on: { features: [], services: [] } },
    ]);
    expect(o.dependsOn('c', 'a')).toBe(true);
    expect(o.dependsOn('a', 'c')).toBe(false);
    expect(o.related('a', 'c')).toBe(true);
    expect(o.related('a', 'd')).toBe(false);
  });

  // a; b → a; c → b; d → b, c. Asking about d first walked b (and a) through d, then c found b already
  // seen and stored its ancestors as {b}: a ↔ c read undeclared, and lint asked to declare it.
  const diamond = [
    { feature_id: 'a', depends_on: { features: [], services: [] } },
    { feature_id: 'b', depends_on: { features: ['a'], services: [] } },
    { feature_id: 'c', depends_on: { features: ['b'], services: [] } },
    { feature_id: 'd', depends_on: { features: ['b', 'c'], services: [] } },
  ];
  it.each([
    ['in order', diamond],
    ['dependents first', [...diamond].reverse()],
  ])('keeps every indirect dependency whatever was asked before (%s)', (_, contracts) => {
    const o = dependencyOracle(contracts);
    expect(o.dependsOn('d', 'a')).toBe(true);
    expect(o.related('a', 'c')).toBe(true);
    expect(o.dependsOn('c', 'a')).toBe(true);
    expect(o.dependsOn('d', 'c')).toBe(true);
    expect(o.dependsOn('c', 'd')).toBe(false);
  });

  it('follows a chain of thousands of features without running out of stack', () => {
    const n = 5000;
    const chain = Array.from({ length: n }, (_, i) => ({
      feature_id: `f${i}`,
      depends_on: { features: i === 0 ? [] : [`f${i - 1}`], services: [] },
    }));
    const o = dependencyOracle(chain);
    expect(o.dependsOn(`f${n - 1}`, 'f0')).toBe(true);
    expect(o.related('f0', `f${n - 1}`)).toBe(true);
    expect(o.dependsOn('f0', 'f1')).toBe(false);
  });
});

describe('the coupling renderers', () => {
  it('print file names and import targets from the repository with control characters escaped', () => {
    const evil = 'src/\x1b[2Jx\n.ts';
    const text = renderCouplingText(
      {
        settings: COUPLING_DEFAULTS,
        commits: 3,
        skipped_large: 0,
        feature_commits: {},
        pairs: [],
        undeclared: [
          { from_feature: 'a', to_feature: 'b', file: evil, line: 1, source: 'import', target: `${evil}!` },
        ],
        hotspots: [
          {
            file: evil,
            kind: 'shared-file',
            features: ['a', 'b'],
            commits: 3,
            examples: [],
            fix: 'split it',
          },
        ],
        files_read: 1,
      },
      palette(false),
    );
    expect(text).not.toContain('\x1b');
    expect(text).not.toContain('x\n.ts');
    expect(text).toContain('  src/\\x1b[2Jx\\n.ts:1 imports src/\\x1b[2Jx\\n.ts! (a → b)');
    expect(text).toContain('  src/\\x1b[2Jx\\n.ts (shared-file): with a, b in 3 commits');
    const score = renderScoreText(
      {
        features: 2,
        predicted_conflict_pairs: [],
        undeclared_dependencies: 0,
        hotspots: [evil],
        critical_path: { feature_ids: [], minutes: 0 },
        amdahl_bound: undefined,
        unestimated: [],
        commits: 3,
        penalty: 1,
      },
      palette(false),
    );
    expect(score).toContain('hotspots                   1: src/\\x1b[2Jx\\n.ts\n');
  });
});

describe('the score block says the critical path and the Amdahl bound as the plan above it does', () => {
  const score = (unestimated: string[], minutes: number, amdahl: number | undefined) =>
    renderScoreText(
      {
        features: 2,
        predicted_conflict_pairs: [],
        undeclared_dependencies: 0,
        hotspots: [],
        critical_path: { feature_ids: ['a'], minutes },
        amdahl_bound: amdahl,
        unestimated,
        commits: 1,
        penalty: 0,
      },
      palette(false),
    );

  it.each([
    // b lacks an estimate: the chain by a's is a lower bound, and the bound is unknown because of b.
    [
      ['b'],
      30,
      undefined,
      'critical path              unknown (no estimate_minutes in b): at least 30 min, a by the estimates given\n',
      'Amdahl bound               unknown: add estimate_minutes to the contracts of b\n',
    ],
    [
      ['a', 'b'],
      0,
      undefined,
      'critical path              a (no estimates: longest chain)\n',
      'Amdahl bound               unknown: add estimate_minutes to the contracts\n',
    ],
    [[], 30, 1.5, 'critical path              a (30 min)\n', 'Amdahl bound               1.5×\n'],
  ] as const)('unestimated %j', (unestimated, minutes, amdahl, path, bound) => {
    const text = score([...unestimated], minutes, amdahl);
    expect(text).toContain(path);
    expect(text).toContain(bound);
  });
});

describe('judgePairs', () => {
  const pair = (support: number, commits: number) => ({
    a: 'a',
    b: 'b',
    support,
    confidence: support / commits,
    commits_a: commits,
    commits_b: commits,
    examples: [],
  });
  it.each([
    // 8 of 27 is 29.6 %, printed "30 %": it was judged "below" a 30 % threshold under that figure.
    [8, 27, 0.3, true, '30 %'],
    [3, 10, 0.3, true, '30 %'],
    [29, 100, 0.3, false, '29 %'],
    [59, 200, 0.3, true, '30 %'],
    [4, 6, 0.667, true, '67 %'],
    [13, 20, 0.66, false, '65 %'],
  ])(
    '%i shared of %i commits against %f: flagged %s, printed %s',
    (support, commits, min, flagged, shown) => {
      const settings = { ...COUPLING_DEFAULTS, min_confidence: min };
      const [judged] = judgePairs([pair(support, commits)], () => false, settings);
      expect(judged?.flagged).toBe(flagged);
      const text = renderCouplingText(
        {
          settings,
          commits,
          skipped_large: 0,
          feature_commits: { a: commits, b: commits },
          pairs: judgePairs([pair(support, commits)], () => false, settings),
          undeclared: [],
          hotspots: [],
          files_read: 0,
        },
        palette(false),
      );
      const row = text.split('\n').find((l) => l.includes('a ↔ b')) ?? '';
      expect(row).toMatch(new RegExp(`^${flagged ? 'flagged' : 'below'} +a ↔ b +${support} +${shown}`));
    },
  );
});
