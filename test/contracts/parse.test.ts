import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseContract } from '../../src/contracts/parse.js';
import type { Contract } from '../../src/contracts/schema.js';
import type { Diagnostic, Result } from '../../src/errors.js';

const HEADING_FORM = `# Feature Contract: Product Catalog

## feature_id
feature-002-product-catalog

## provides
- API: GET /products, GET /products/{id}, PATCH /products/{id}/stock
- Models: Product(id, name, price, stock)

## depends_on
- feature-001-authentication
- Shared Logging Service

## acceptance_criteria
- All endpoints implemented per spec
- GET requests < 100ms (p95)
- Feature 3 can successfully call PATCH
`;

const FRONT_MATTER_FORM = `---
feature_id: feature-002-product-catalog
title: Product Catalog
provides:
  api: ["GET /products", "GET /products/{id}", "PATCH /products/{id}/stock"]
  models: ["Product(id, name, price, stock)"]
depends_on:
  features: [feature-001-authentication]
  services: ["Shared Logging Service"]
acceptance_criteria:
  - All endpoints implemented per spec
  - GET requests < 100ms (p95)
  - Feature 3 can successfully call PATCH
---
Free text for the agent.
`;

/** The parts of a contract that do not depend on which form or file it came from. */
function structure(c: Contract): Omit<Contract, 'body' | 'file' | 'positions'> {
  const { body: _body, file: _file, positions: _positions, ...rest } = c;
  return rest;
}

function value(r: Result<Contract>): Contract {
  if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('\n'));
  return r.value;
}

function errors(r: Result<Contract>): Diagnostic[] {
  if (r.ok) throw new Error('expected errors, got a contract');
  return r.errors;
}

describe('parseContract', () => {
  it('reads the methodology example in the heading form and the front-matter form to equal structures', () => {
    const heading = value(parseContract(HEADING_FORM, 'specs/feature-002-product-catalog/contract.md'));
    const front = value(parseContract(FRONT_MATTER_FORM, 'specs/feature-002-product-catalog/contract.md'));
    expect(structure(heading)).toEqual(structure(front));
    expect(structure(front)).toEqual({
      feature_id: 'feature-002-product-catalog',
      title: 'Product Catalog',
      provides: {
        api: ['GET /products', 'GET /products/{id}', 'PATCH /products/{id}/stock'],
        models: ['Product(id, name, price, stock)'],
      },
      owns: [],
      depends_on: { features: ['feature-001-authentication'], services: ['Shared Logging Service'] },
      acceptance_criteria: [
        { id: 'c1', text: 'All endpoints implemented per spec', kind: 'unverifiable' },
        { id: 'c2', text: 'GET requests < 100ms (p95)', kind: 'unverifiable' },
        { id: 'c3', text: 'Feature 3 can successfully call PATCH', kind: 'unverifiable' },
      ],
    });
    expect(heading.body).toBe(HEADING_FORM);
    expect(front.body).toBe('Free text for the agent.\n');
  });
});

const FILE = 'specs/x/contract.md';
/** The placeholder contracts write literally (Baton substitutes the feature's port). */
const PORT = ['$', '{PORT}'].join('');
const fm = (...lines: string[]) => ['---', ...lines, '---', ''].join('\n');

describe('parseContract: bad input names the file and line', () => {
  it('a value that contains itself through a YAML alias is an error, not a stack overflow', () => {
    // Found by the contract fuzz test: `owns: &a [*a]` made the unknown-field walk recurse for ever.
    const found = errors(parseContract(fm('feature_id: a', 'owns: &a', '  - *a', 'title: x'), FILE));
    expect(found.length).toBeGreaterThan(0);
    expect(found.every((e) => e.location?.file === FILE)).toBe(true);
  });

  it('unparsable YAML', () => {
    const [e] = errors(parseContract(fm('feature_id: a', 'owns: [src/**', 'title: x'), FILE));
    expect(e?.code).toBe('contract/invalid-yaml');
    expect(e?.location?.file).toBe(FILE);
    expect(e?.location?.line).toBe(3);
    expect(e?.source).toBe('owns: [src/**');
  });

  it.each([
    ['an unclosed [ at the line it opens', ['feature_id: b', 'owns: ["src/b/**"', 'title: t'], [[3, 7]]],
    ['an unclosed [ on the last line', ['feature_id: b', 'owns: ["src/b/**"'], [[3, 7]]],
    ['an unclosed { at the line it opens', ['feature_id: b', 'agent: { command: "x"', 'owns: []'], [[3, 8]]],
    [
      'an unclosed { inside a criterion',
      ['feature_id: b', 'acceptance_criteria:', '  - id: x', '    http: { url: "u", p95_ms: 1', '  - id: y'],
      [[5, 11]],
    ],
    [
      'two unclosed [, one error at each',
      ['feature_id: b', 'owns: [a, [b, c'],
      [
        [3, 11],
        [3, 7],
      ],
    ],
    ['an unclosed " at its string', ['feature_id: b', 'title: "abc', 'owns: []'], [[3, 8]]],
    ["an unclosed ' at its string", ['feature_id: b', "title: 'abc", 'owns: []'], [[3, 8]]],
    ['a tab as indentation, at its line', ['feature_id: b', '\towns: []'], [[3, 1]]],
    ['a second ": " in a plain value, at the value', ['feature_id: b', 'title: a: b'], [[3, 8]]],
  ])('a YAML error points where the mistake is: %s', (_name, lines, spots) => {
    const found = errors(parseContract(fm(...lines), FILE));
    expect(found.map((e) => e.code)).toEqual(spots.map(() => 'contract/invalid-yaml'));
    expect(found.map((e) => [e.location?.line, e.location?.column])).toEqual(spots);
    expect(found.map((e) => e.source)).toEqual(spots.map(([line]) => lines[(line ?? 0) - 2]));
  });

  it('front matter never closed', () => {
    const [e] = errors(parseContract('---\nfeature_id: a\n', FILE));
    expect(e?.message).toMatch(/never closed/);
    expect(e?.location).toEqual({ file: FILE, line: 1, column: 1 });
  });

  it('missing feature_id', () => {
    const [e] = errors(parseContract(fm('title: Upload'), FILE));
    expect(e?.code).toBe('contract/missing-field');
    expect(e?.message).toBe('missing required field "feature_id"');
    expect(e?.location?.file).toBe(FILE);
    expect(e?.hint).toMatch(/feature_id: <id>/);
  });

  it('missing feature_id in a file with neither form', () => {
    const [e] = errors(parseContract('# Upload\n\nJust prose.\n', FILE));
    expect(e?.code).toBe('contract/missing-field');
    expect(e?.location?.line).toBe(1);
  });

  it.each(['../etc', 'a b', 'x;rm -rf', 'Upper', '-lead'])('feature_id %j is rejected', (id) => {
    const [e] = errors(parseContract(fm('title: t', `feature_id: ${JSON.stringify(id)}`), FILE));
    expect(e?.code).toBe('contract/invalid-id');
    expect(e?.message).toContain(JSON.stringify(id));
    expect(e?.location).toEqual({ file: FILE, line: 3, column: 1 });
    expect(e?.source).toBe(`feature_id: ${JSON.stringify(id)}`);
  });

  it('a feature_id of 101 letters is one error, its length, not also its characters', () => {
    const es = errors(parseContract(fm('title: t', `feature_id: ${'a'.repeat(101)}`), FILE));
    expect(es.map((e) => e.message)).toEqual([
      expect.stringContaining('feature ids are at most 100 characters'),
    ]);
  });

  it('refuses a time limit longer than a timer can wait (about 24 days), naming the field', () => {
    const es = errors(
      parseContract(
        fm(
          'feature_id: a',
          'timeout_minutes: 40000',
          'acceptance_criteria:',
          '  - { id: t, text: t, run: "true", timeout_s: 2500000 }',
        ),
        FILE,
      ),
    );
    expect(es.map((e) => e.message).sort()).toEqual([
      expect.stringMatching(/^acceptance_criteria\[0\]\.timeout_s: must be at most 2147483 seconds/),
      expect.stringMatching(/^timeout_minutes: must be at most 35791 minutes/),
    ]);
  });

  it('refuses an estimate no plan can add up (over 100,000 minutes), naming the field and its line', () => {
    const es = errors(parseContract(fm('feature_id: a', 'estimate_minutes: 1e308'), FILE));
    expect(es.map((e) => [e.message, e.location?.line])).toEqual([
      [
        'estimate_minutes: must be at most 100,000 minutes (about 10 weeks of work): split a longer feature, got number 1e+308',
        3,
      ],
    ]);
    expect(parseContract(fm('feature_id: a', 'estimate_minutes: 100000'), FILE).ok).toBe(true);
  });

  it('refuses an http header Node could not send, its name or its value, naming the header', () => {
    const es = errors(
      parseContract(
        fm(
          'feature_id: a',
          'acceptance_criteria:',
          '  - { id: h, text: h, http: { url: "/", p95_ms: 100, headers: { "X-Name": "caf\u00e9 \u2713", "a b": "c" } } }',
        ),
        FILE,
      ),
    );
    expect(es.map((e) => e.message).sort()).toEqual([
      'acceptance_criteria[0].http.headers.X-Name: a header value holds no line break and no character beyond Latin-1, got string "caf\u00e9 \u2713"',
      'acceptance_criteria[0].http.headers.a b: a header name is letters, digits and !#$%&\'*+-.^_`|~ only, got "a b"',
    ]);
  });

  it('an invalid id in the heading form points at the line under the heading', () => {
    const [e] = errors(parseContract('# T\n\n## feature_id\n\n../etc\n', FILE));
    expect(e?.code).toBe('contract/invalid-id');
    expect(e?.location?.line).toBe(5);
    expect(e?.source).toBe('../etc');
  });

  it('an unknown field is a warning with the closest known name, and is ignored', () => {
    const r = parseContract(fm('feature_id: a', 'depend_on: [b]', 'estimate: 5'), FILE);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.depends_on.features).toEqual([]);
    expect(r.warnings.map((w) => [w.code, w.message, w.location?.line])).toEqual([
      ['contract/unknown-field', 'unknown field "depend_on" (did you mean "depends_on"?); it is ignored', 3],
      [
        'contract/unknown-field',
        'unknown field "estimate" (did you mean "estimate_minutes"?); it is ignored',
        4,
      ],
    ]);
    expect(r.warnings.every((w) => w.severity === 'warning')).toBe(true);
  });

  it('a misspelt field heading is a warning; prose headings are not', () => {
    const r = parseContract('## feature_id\na\n## depends_onn\n- b\n## Notes\nfree text\n', FILE);
    expect(r.ok && r.warnings.map((w) => [w.message, w.location?.line])).toEqual([
      ['unknown field heading "## depends_onn" (did you mean "depends_on"?)', 3],
    ]);
  });

  it('an unknown nested field is a warning located at its key, with the closest name there, and is ignored', () => {
    const text = fm(
      'feature_id: a',
      'depends_on: { feature: [b] }',
      'agent: { cmd: ./x.sh, command: ./y.sh }',
      'acceptance_criteria:',
      '  - text: fast',
      '    file: x',
      '    http: { url: "http://127.0.0.1/", p59_ms: 100, zzz: 1 }',
    );
    const r = parseContract(text, FILE);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.depends_on.features).toEqual([]);
    expect(r.value.agent).toEqual({ command: './y.sh' });
    expect(r.warnings.map((w) => [w.severity, w.code, w.message, w.location?.line, w.hint])).toEqual([
      [
        'warning',
        'contract/unknown-field',
        'depends_on: unknown field "feature" (did you mean "features"?); it is ignored',
        3,
        'Rename it to "features".',
      ],
      [
        'warning',
        'contract/unknown-field',
        'agent: unknown field "cmd" (did you mean "command"?); it is ignored',
        4,
        'Rename it to "command".',
      ],
      [
        'warning',
        'contract/unknown-field',
        'acceptance_criteria[0]: unknown field "file" (did you mean "files"?); it is ignored',
        7,
        'Rename it to "files".',
      ],
      [
        'warning',
        'contract/unknown-field',
        'acceptance_criteria[0].http: unknown field "p59_ms" (did you mean "p50_ms"?); it is ignored',
        8,
        'Rename it to "p50_ms".',
      ],
      [
        'warning',
        'contract/unknown-field',
        'acceptance_criteria[0].http: unknown field "zzz"; it is ignored',
        8,
        expect.stringMatching(/^Known fields here: url, method, requests, /),
      ],
    ]);
  });

  it('unknown fields are reported alongside the errors of a contract that does not parse', () => {
    const text = fm('feature_id: a', 'own: [src/a/**]', 'estimate_minutes: soon', 'agent: { cmd: ./x.sh }');
    const found = errors(parseContract(text, FILE));
    expect(found.map((d) => [d.severity, d.message, d.location?.line])).toEqual([
      ['error', 'estimate_minutes: expected number, got string "soon"', 4],
      ['error', 'missing required field "agent.command"', 5],
      ['warning', 'unknown field "own" (did you mean "owns"?); it is ignored', 3],
      ['warning', 'agent: unknown field "cmd" (did you mean "command"?); it is ignored', 5],
    ]);
  });

  it("a field of one form of agent beside another form's is an error that says so", () => {
    const [e, ...rest] = errors(parseContract(fm('feature_id: a', 'agent: { command: x, args: [y] }'), FILE));
    expect(rest).toEqual([]);
    expect(e?.message).toBe('agent: field "args" does not go with "command"');
    expect(e?.location?.line).toBe(3);
  });

  it('a wrong type names the expectation and what it got, at the offending line', () => {
    const [e] = errors(parseContract(fm('feature_id: a', 'title: t', 'estimate_minutes: soon'), FILE));
    expect(e?.message).toBe('estimate_minutes: expected number, got string "soon"');
    expect(e?.location?.line).toBe(4);
  });

  it('a string field YAML read as a number or a boolean quotes what was written, and the hint quotes it', () => {
    const text = fm(
      'feature_id: 003',
      'title: 0x1f',
      'depends_on: [1e3, true]',
      'agent: { command: 5 }',
      'owns: ["src/**"]',
    );
    const found = errors(parseContract(text, FILE)).map((e) => [e.message, e.hint, e.location?.line]);
    expect(found).toEqual([
      [
        'feature_id: expected string, got 003, which YAML reads as the number 3',
        'Quote it to keep it as written: feature_id: "003"',
        2,
      ],
      [
        'title: expected string, got 0x1f, which YAML reads as the number 31',
        'Quote it to keep it as written: title: "0x1f"',
        3,
      ],
      [
        'depends_on[0]: expected string, got 1e3, which YAML reads as the number 1000',
        'Quote it to keep it as written: "1e3"',
        4,
      ],
      ['depends_on[1]: expected string, got boolean true', 'Quote it to keep it as written: "true"', 4],
      // Written as YAML read it: said as before, the hint still given.
      ['agent.command: expected string, got number 5', 'Quote it to keep it as written: command: "5"', 5],
    ]);
    // The heading form reads every value as text: its `003` is the id "003" (docs/contracts.md says so).
    const heading = parseContract('## feature_id\n003\n## owns\n- src/**\n', FILE);
    expect(value(heading).feature_id).toBe('003');
  });

  it('a number too large to hold is named infinity, not null', () => {
    const [e] = errors(parseContract(fm('feature_id: a', 'retries: 1e400'), FILE));
    expect(e?.message).toBe('retries: expected number, got infinity (no finite number)');
    expect(e?.location?.line).toBe(3);
  });

  it('a criterion with two checks is an error', () => {
    const text = fm(
      'feature_id: a',
      'acceptance_criteria:',
      '  - text: t',
      '    run: "true"',
      '    files: { exist: [x] }',
    );
    const [e] = errors(parseContract(text, FILE));
    expect(e?.code).toBe('contract/ambiguous-check');
    expect(e?.location?.line).toBe(4);
  });

  it('two criteria with the same id are an error', () => {
    const text = fm(
      'feature_id: a',
      'acceptance_criteria:',
      '  - { id: k, text: t, run: "true" }',
      '  - { id: k, text: u }',
    );
    const [e] = errors(parseContract(text, FILE));
    expect(e?.code).toBe('contract/duplicate-criterion');
    expect(e?.location?.line).toBe(5);
  });

  it('a field heading written twice is an error at the second, naming the field and the first line', () => {
    const text = [
      '## feature_id',
      'a',
      '## owns',
      '- src/a/**',
      '## Acceptance Criteria',
      '- tests pass `run: npm test`',
      '## owns',
      '- src/b/**',
      '## acceptance_criteria',
      '- lint passes `run: npm run lint`',
      '',
    ].join('\n');
    const found = errors(parseContract(text, FILE)).map((e) => [
      e.code,
      `${e.location?.file}:${e.location?.line}:${e.location?.column}`,
      e.message,
      e.source,
    ]);
    expect(found).toEqual([
      [
        'contract/duplicate-field',
        `${FILE}:7:4`,
        'field "owns" is written twice (first on line 3); one would be lost',
        '## owns',
      ],
      [
        'contract/duplicate-field',
        `${FILE}:9:4`,
        'field "acceptance_criteria" is written twice (first on line 5); one would be lost',
        '## acceptance_criteria',
      ],
    ]);
  });

  it('a field heading under a prose heading, deeper than the field, is prose (no duplicate)', () => {
    const text = [
      '## feature_id',
      'a',
      '## owns',
      '- src/a/**',
      '## acceptance_criteria',
      '- tests pass `run: npm test`',
      '## Notes',
      'Some words for the agent.',
      '### Owns',
      'What the module owns at run time: its cache.',
      '### Acceptance Criteria',
      '- a reviewer reads it',
      '',
    ].join('\n');
    const c = value(parseContract(text, FILE));
    expect(c.owns).toEqual(['src/a/**']);
    expect(c.acceptance_criteria.map((k) => k.text)).toEqual(['tests pass']);
  });

  it('a field heading repeated at the level of the first, after a prose heading, is still a duplicate', () => {
    const text = ['## feature_id', 'a', '## owns', '- src/a/**', '## Notes', '## Owns', '- src/b/**', ''];
    const found = errors(parseContract(text.join('\n'), FILE)).map((e) => [e.code, e.location?.line]);
    expect(found).toEqual([['contract/duplicate-field', 6]]);
  });

  it('a front-matter key written twice is a duplicate-field error naming it, at the second', () => {
    const text = fm(
      'feature_id: a',
      'owns: ["src/a/**"]',
      'acceptance_criteria:',
      '  - { text: t, run: "true", run: "false" }',
      'owns: ["src/b/**"]',
    );
    const found = errors(parseContract(text, FILE)).map((e) => [e.code, e.location?.line, e.message]);
    expect(found).toEqual([
      [
        'contract/duplicate-field',
        5,
        'field "acceptance_criteria[0].run" is written twice (first on line 5); one would be lost',
      ],
      ['contract/duplicate-field', 6, 'field "owns" is written twice (first on line 3); one would be lost'],
    ]);
  });
});

describe('parseContract: normalisation', () => {
  it('gives criteria ids and kinds, defaults the title, reads the array form of depends_on', () => {
    const text = fm(
      'feature_id: feature-003-upload',
      'depends_on: [feature-001-auth]',
      'provides: ["an upload endpoint"]',
      'owns: [src/upload/**]',
      'estimate_minutes: 30',
      'agent: { command: "./agent.sh" }',
      'acceptance_criteria:',
      '  - run: npm test',
      '    text: tests pass',
      '  - id: lat',
      '    text: p95 under 100 ms',
      `    http: { url: "http://127.0.0.1:${PORT}/", p95_ms: 100 }`,
      '  - text: files exist',
      '    files: { exist: [src/upload/index.ts] }',
      '    after: integration',
      '  - works well',
    );
    const c = value(parseContract(text, FILE));
    expect(c.title).toBe('feature-003-upload');
    expect(c.depends_on).toEqual({ features: ['feature-001-auth'], services: [] });
    expect(c.provides).toEqual({ other: ['an upload endpoint'] });
    expect(c.agent).toEqual({ command: './agent.sh' });
    expect(c.estimate_minutes).toBe(30);
    expect(c.acceptance_criteria).toEqual([
      { id: 'c1', text: 'tests pass', kind: 'run', run: 'npm test' },
      {
        id: 'lat',
        text: 'p95 under 100 ms',
        kind: 'http',
        http: { url: `http://127.0.0.1:${PORT}/`, p95_ms: 100 },
      },
      {
        id: 'c3',
        text: 'files exist',
        kind: 'files',
        files: { exist: ['src/upload/index.ts'] },
        after: 'integration',
      },
      { id: 'c4', text: 'works well', kind: 'unverifiable' },
    ]);
    expect(c.positions?.['depends_on.features.0']).toEqual({
      line: 3,
      column: 14,
      source: 'depends_on: [feature-001-auth]',
    });
  });

  it('reads YAML merge keys: a criterion reuses another\'s fields (`- <<: *unit`), never an unknown field "<<"', () => {
    const text = [
      '---',
      'feature_id: feature-001-a',
      'owns: ["src/a/**"]',
      'acceptance_criteria:',
      '  - &unit',
      '    id: unit',
      '    text: unit tests pass',
      '    run: npm test -- a',
      '  - <<: *unit',
      '    id: unit-again',
      '---',
      '',
    ].join('\n');
    const parsed = parseContract(text, FILE);
    expect(parsed.ok && parsed.warnings).toEqual([]);
    expect(value(parsed).acceptance_criteria.map((c) => [c.id, c.text, c.kind])).toEqual([
      ['unit', 'unit tests pass', 'run'],
      ['unit-again', 'unit tests pass', 'run'],
    ]);
  });

  it('reads checks, owns, numbers and agent in the heading form', () => {
    const text = [
      '# Upload',
      '## feature_id',
      '`feature-003-upload`',
      '## owns',
      '- `src/upload/**`, test/upload/**',
      '## depends_on',
      '- feature-001-auth (for the session)',
      '- feature-002-storage',
      '- Object store',
      '## estimate_minutes',
      '45 min',
      '## agent',
      'command: ./my-agent.sh',
      '## acceptance_criteria',
      '- Upload tests pass `run: npm test -- upload`',
      '- Upload p95 under 200 ms',
      '  - id: latency',
      `  - http: {url: "http://127.0.0.1:${PORT}/upload", p95_ms: 200}`,
      '- Merged tree works `run: npm test` `after: integration`',
      '- Index exists',
      '  - files: {exist: [src/upload/index.ts]}',
      '  - checked by a glob',
      '- Health answers',
      `  - http: http://127.0.0.1:${PORT}/health`,
    ].join('\n');
    const c = value(parseContract(text, FILE, { knownIds: new Set(['feature-002-storage']) }));
    expect(c.title).toBe('Upload');
    expect(c.owns).toEqual(['src/upload/**', 'test/upload/**']);
    expect(c.depends_on).toEqual({
      features: ['feature-001-auth', 'feature-002-storage'],
      services: ['Object store'],
    });
    expect(c.estimate_minutes).toBe(45);
    expect(c.agent).toEqual({ command: './my-agent.sh' });
    expect(c.acceptance_criteria).toEqual([
      { id: 'c1', text: 'Upload tests pass', kind: 'run', run: 'npm test -- upload' },
      {
        id: 'latency',
        text: 'Upload p95 under 200 ms',
        kind: 'http',
        http: { url: `http://127.0.0.1:${PORT}/upload`, p95_ms: 200 },
      },
      { id: 'c3', text: 'Merged tree works', kind: 'run', run: 'npm test', after: 'integration' },
      {
        id: 'c4',
        text: 'Index exists; checked by a glob',
        kind: 'files',
        files: { exist: ['src/upload/index.ts'] },
      },
      { id: 'c5', text: 'Health answers', kind: 'http', http: { url: `http://127.0.0.1:${PORT}/health` } },
    ]);
    expect(c.positions?.['depends_on.features.1']?.line).toBe(8);
  });

  it('ignores headings inside fenced code and keeps a prose dependency a service', () => {
    const text =
      '## feature_id\nfeature-001-a\n```\n## depends_on\n- feature-009-x\n```\n## depends_on\n- The payments team\n- none\n';
    const c = value(parseContract(text, FILE));
    expect(c.depends_on).toEqual({ features: [], services: ['The payments team'] });
  });
});

/** The method's example contract exactly as the methodology text writes it (test/fixtures/contracts). */
const SEED_VERBATIM = readFileSync(
  join(import.meta.dirname, '..', 'fixtures', 'contracts', 'seed-example.md'),
  'utf8',
);

const SEED_FRONT_MATTER = `---
feature_id: feature-002-product-catalog
provides:
  api: ["GET /products", "GET /products/{id}", "PATCH /products/{id}/stock"]
  models: ["Product schema (id, name, price, stock)"]
depends_on:
  features: [feature-001-authentication]
  services: ["Shared Logging Service"]
acceptance_criteria:
  - { id: functionality, text: "All endpoints implemented per spec." }
  - { id: performance, text: "\`GET\` requests < 100ms (p95)." }
  - { id: integration, text: "Feature 3 can successfully call \`PATCH\` endpoint." }
---
`;

describe('the seed contract, verbatim', () => {
  const file = 'specs/feature-002-product-catalog/contract.md';
  const expected = structure(value(parseContract(SEED_FRONT_MATTER, file)));

  it('the variants below change what they say they change', () => {
    expect(SEED_VERBATIM.replace(/^(\d\. )'(\w+)'$/gm, '$1‘$2’')).toContain('2. ‘provides’\n');
    const doubled = SEED_VERBATIM.replace(/^(\d\. )[`'](\w+)[`']$/gm, '$1“$2”').replace(/^3\. /m, '## 3. ');
    expect(doubled).toContain('1. “feature_id”\n');
    expect(doubled).toContain('## 3. “depends_on”\n');
  });

  it('the fixture is the methodology text itself', () => {
    expect(SEED_VERBATIM).toContain("2. 'provides'\n\nAPI: `GET /products`, `GET /products/{id}`");
    expect(SEED_VERBATIM).toContain('Feature: `feature-001-authentication` (for user context)');
  });

  it.each([
    ['as written in the method (numbered lines, labels, backticks)', SEED_VERBATIM],
    ['with `## 1. feature_id` headings', SEED_VERBATIM.replace(/^(\d\. )/gm, '## $1')],
    [
      'with `## feature_id` headings and bullets',
      SEED_VERBATIM.replace(/^\d\. [`']?(\w+)[`']?$/gm, '## $1').replace(/^([A-Z]\w*(?: \w+)?: )/gm, '- $1'),
    ],
    // Copied from a slide or a word processor, which turns the quotes typographic.
    ['with typographic quotes (2. ‘provides’)', SEED_VERBATIM.replace(/^(\d\. )'(\w+)'$/gm, '$1‘$2’')],
    [
      'with double typographic quotes on every name (“depends_on”), numbered or in headings',
      SEED_VERBATIM.replace(/^(\d\. )[`'](\w+)[`']$/gm, '$1“$2”').replace(/^3\. /m, '## 3. '),
    ],
  ])('%s parses to the same contract as its front-matter form', (_name, text) => {
    const parsed = parseContract(text, file);
    expect(parsed.ok && parsed.warnings).toEqual([]);
    expect(structure(value(parsed))).toEqual(expected);
  });

  it('reads the front-matter form as the method means it', () => {
    expect(expected).toMatchObject({
      feature_id: 'feature-002-product-catalog',
      provides: {
        api: ['GET /products', 'GET /products/{id}', 'PATCH /products/{id}/stock'],
        models: ['Product schema (id, name, price, stock)'],
      },
      depends_on: { features: ['feature-001-authentication'], services: ['Shared Logging Service'] },
    });
    expect(expected.acceptance_criteria.map((c) => [c.id, c.kind])).toEqual([
      ['functionality', 'unverifiable'],
      ['performance', 'unverifiable'],
      ['integration', 'unverifiable'],
    ]);
  });
});
