import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseContract } from '../../src/contracts/parse.js';
import type { Contract } from '../../src/contracts/schema.js';
import { CONTRACT_FIELDS, FEATURE_ID_PATTERN } from '../../src/contracts/schema.js';
import type { Diagnostic, Result } from '../../src/errors.js';

const RUNS = 1000;
const FILE = 'specs/fuzz/contract.md';

/** How many parses gave a contract and how many gave errors, so a degenerate generator shows. */
const outcomes = { ok: 0, errors: 0 };

/** The property every parse must hold: a contract, or errors that say something and name the file. */
function assertWellFormed(result: Result<Contract>): void {
  outcomes[result.ok ? 'ok' : 'errors']++;
  const named = (d: Diagnostic) => {
    expect(d.message.trim()).not.toBe('');
    expect(d.code).toMatch(/^contract\//);
    expect(d.location?.file).toBe(FILE);
    if (d.location?.line !== undefined) expect(d.location.line).toBeGreaterThanOrEqual(1);
  };
  if (result.ok) {
    expect(result.value.feature_id).toMatch(FEATURE_ID_PATTERN);
    expect(result.value.file).toBe(FILE);
    for (const w of result.warnings) named(w);
  } else {
    expect(result.errors.length).toBeGreaterThan(0);
    for (const e of result.errors) named(e);
  }
}

const VALID_FRONT = `---
feature_id: feature-002-product-catalog
title: Product catalog
provides:
  api: ["GET /products", "GET /products/{id}"]
owns: ["src/catalog/**", "test/catalog/**"]
depends_on:
  features: [feature-001-authentication]
  services: ["Shared Logging Service"]
acceptance_criteria:
  - id: endpoints
    text: All endpoints implemented per spec
    run: npm test -- catalog
  - id: latency
    text: GET requests < 100 ms (p95)
    http: { url: "http://127.0.0.1:\${PORT}/products", p95_ms: 100, requests: 200 }
  - All prose criterion
serve: npm start
estimate_minutes: 60
agent: claude
---
Free text for the agent.
`;

const VALID_HEADINGS = `# Product catalog

## feature_id
feature-002-product-catalog

## provides
- GET /products
- Product(id, name, price)

## depends_on
- feature-001-authentication
- Shared Logging Service

## acceptance_criteria
- All endpoints implemented per spec \`npm test -- catalog\`
- GET requests < 100 ms (p95)
  - http: http://127.0.0.1:\${PORT}/products
  - p95_ms: 100

## estimate_minutes
60
`;

/** Fragments that trip YAML and markdown readers: flow openers, anchors, tags, block scalars, tabs. */
const NASTY = [
  '[',
  ']',
  '{',
  '}',
  ': ',
  '- ',
  '&a ',
  '*a',
  '*undefined',
  '!!binary ',
  '!!int ',
  '!<tag:x> ',
  '|',
  '>-',
  '\t',
  '"',
  "'",
  '#',
  '---',
  '...',
  '%YAML 1.2',
  '? ',
  '\r\n',
  '\n',
  '\uFEFF',
  '\u0000',
  '\u2028',
  '```',
  '## ',
  '### feature_id',
  '__proto__',
  'constructor',
  '<<: *a',
  '~',
  'null',
  '1e999',
  '-0',
  '0x1F',
  '.inf',
];

const yamlScalar = fc.oneof(
  fc.constantFrom(...NASTY),
  fc.string({ maxLength: 12 }),
  fc.integer().map(String),
  fc.double().map(String),
  fc.constantFrom('true', 'false', 'yes', '[]', '{}', '[a, b]', '{ command: "x" }', '[1, [2, [3]]]'),
);

const fieldName = fc.oneof(
  fc.constantFrom(...CONTRACT_FIELDS),
  fc.constantFrom('feature-id', 'featureId', 'depends', 'acceptance', 'owns ', '__proto__', 'constructor'),
  fc.string({ maxLength: 10 }),
);

/** A YAML-ish front matter block: random fields, nesting, lists and nasty fragments, maybe unclosed. */
const frontMatter = fc
  .record({
    fields: fc.array(
      fc.record({
        key: fieldName,
        indent: fc.constantFrom('', '', '  ', '    ', '\t'),
        value: yamlScalar,
        list: fc.array(yamlScalar, { maxLength: 3 }),
      }),
      { maxLength: 10 },
    ),
    close: fc.constantFrom('---', '---', '...', '--- ', ''),
    body: fc.string({ maxLength: 40 }),
  })
  .map(({ fields, close, body }) => {
    const lines = ['---'];
    for (const f of fields) {
      lines.push(`${f.indent}${f.key}: ${f.value}`);
      for (const item of f.list) lines.push(`${f.indent}  - ${item}`);
    }
    lines.push(close, body);
    return lines.join('\n');
  });

/** A markdown contract in the heading form with random heading levels, names and bullets. */
const headingForm = fc
  .array(
    fc.record({
      level: fc.integer({ min: 1, max: 7 }),
      name: fc.oneof(
        fc.constantFrom(
          'feature_id',
          'Feature ID',
          '`feature_id`',
          'feature_id:',
          'provides',
          'depends_on',
          'Depends On',
          'acceptance_criteria',
          'Acceptance Criteria',
          'owns',
          'estimate_minutes',
          'agent',
          'serve',
          'title',
          'acceptence_criteria',
        ),
        fc.string({ maxLength: 12 }),
      ),
      lines: fc.array(
        fc.oneof(
          yamlScalar.map((s) => `- ${s}`),
          yamlScalar.map((s) => `  - ${s}`),
          yamlScalar.map((s) => `  - run: ${s}`),
          yamlScalar.map((s) => `  - http: ${s}`),
          fc.constantFrom('feature-001-a', 'feature-002', 'Not An Id', '- `npm test`', '```', '~~~', 'none'),
          fc.string({ maxLength: 20 }),
        ),
        { maxLength: 5 },
      ),
    }),
    { maxLength: 8 },
  )
  .map((sections) =>
    sections.map((s) => `${'#'.repeat(s.level)} ${s.name}\n${s.lines.join('\n')}`).join('\n\n'),
  );

/** Applies random edits (insert, delete, duplicate a line, swap in a nasty fragment) to a text. */
function mutated(base: string) {
  const edit = fc.oneof(
    fc.record({
      kind: fc.constant('insert' as const),
      at: fc.nat(),
      text: fc.oneof(fc.constantFrom(...NASTY), fc.string({ maxLength: 6 })),
    }),
    fc.record({
      kind: fc.constant('delete' as const),
      at: fc.nat(),
      length: fc.integer({ min: 1, max: 30 }),
    }),
    fc.record({ kind: fc.constant('duplicate-line' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('drop-line' as const), at: fc.nat() }),
  );
  return fc.array(edit, { minLength: 1, maxLength: 6 }).map((edits) => {
    let text = base;
    for (const e of edits) {
      if (e.kind === 'insert') {
        const at = e.at % (text.length + 1);
        text = text.slice(0, at) + e.text + text.slice(at);
      } else if (e.kind === 'delete') {
        const at = e.at % (text.length + 1);
        text = text.slice(0, at) + text.slice(at + e.length);
      } else {
        const lines = text.split('\n');
        const i = e.at % lines.length;
        if (e.kind === 'duplicate-line') lines.splice(i, 0, lines[i] ?? '');
        else lines.splice(i, 1);
        text = lines.join('\n');
      }
    }
    return text;
  });
}

/** Checks the property on `RUNS` generated texts; returns how many parsed and how many were refused. */
function check(arb: fc.Arbitrary<string>, knownIds?: fc.Arbitrary<string[]>): { ok: number; errors: number } {
  outcomes.ok = 0;
  outcomes.errors = 0;
  const ids = knownIds ?? fc.constant([]);
  fc.assert(
    fc.property(arb, ids, (text, known) => {
      assertWellFormed(parseContract(text, FILE, { knownIds: new Set(known) }));
    }),
    { numRuns: RUNS },
  );
  return { ...outcomes };
}

describe('parseContract under generated input', () => {
  it('the two valid samples parse (the mutations below start from real contracts)', () => {
    const a = parseContract(VALID_FRONT, FILE);
    const b = parseContract(VALID_HEADINGS, FILE);
    expect(a.ok && a.value.acceptance_criteria.length).toBe(3);
    expect(b.ok && b.value.feature_id).toBe('feature-002-product-catalog');
  });

  it('any string gives a contract or located errors, never a throw', () => {
    const seen = check(
      fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 300 })),
    );
    expect(seen.errors).toBeGreaterThan(0);
  });

  it('a key written twice beside a merge of something that is not a map gives located errors (found by this fuzz)', () => {
    const text =
      '---\nfeature_id: { command: "x" }\n  - <<: *a\n  feature_id: true\nconstructor: 0\nconstructor: \n---\n';
    const result = parseContract(text, FILE, { knownIds: new Set() });
    assertWellFormed(result);
    expect(result.ok).toBe(false);
  });

  it('random YAML-ish front matter gives a contract or located errors', () => {
    const seen = check(frontMatter);
    expect(seen.errors).toBeGreaterThan(0);
  });

  it('random heading-form contracts give a contract or located errors', () => {
    const ids = fc.array(fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,8}$/), { maxLength: 3 });
    const seen = check(headingForm, ids);
    expect(seen.errors).toBeGreaterThan(0);
  });

  it('a valid front-matter contract mutated at random gives a contract or located errors (both happen)', () => {
    const seen = check(mutated(VALID_FRONT));
    expect(seen.ok).toBeGreaterThan(0);
    expect(seen.errors).toBeGreaterThan(0);
  });

  it('a valid heading-form contract mutated at random gives a contract or located errors (both happen)', () => {
    const seen = check(mutated(VALID_HEADINGS));
    expect(seen.ok).toBeGreaterThan(0);
    expect(seen.errors).toBeGreaterThan(0);
  });
});
