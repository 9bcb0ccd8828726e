import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lintContracts } from '../../src/contracts/lint.js';
import { applyHttpFix, httpFixes, renderHttpFlow, suggestHttpCheck } from '../../src/contracts/measure.js';
import { parseContract } from '../../src/contracts/parse.js';
import type { Contract } from '../../src/contracts/schema.js';

const SEED = readFileSync(
  join(import.meta.dirname, '..', 'fixtures', 'contracts', 'seed-example.md'),
  'utf8',
);
const SEED_WITH_SERVE = `${SEED}\n5. \`serve\`\n\n\`node server.js\`\n`;
const FILE = 'specs/feature-002-product-catalog/contract.md';
const PORT = ['$', '{PORT}'].join('');

function contract(text: string): Contract {
  const r = parseContract(text, FILE);
  if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('\n'));
  return r.value;
}

function withCriterion(text: string, api: string[]): Contract {
  return contract(
    `---\nfeature_id: f\nprovides:\n  api: ${JSON.stringify(api)}\nacceptance_criteria:\n  - ${JSON.stringify(text)}\n---\n`,
  );
}

describe('suggestHttpCheck', () => {
  it.each<[string, string[], Record<string, unknown> | undefined]>([
    [
      '`GET` requests < 100ms (p95).',
      ['GET /products/{id}', 'GET /products'],
      { url: `http://127.0.0.1:${PORT}/products`, p95_ms: 100 },
    ],
    [
      'GET /products/{id} p99 under 50 ms',
      ['GET /products', 'GET /products/{id}'],
      { url: `http://127.0.0.1:${PORT}/products/1`, p99_ms: 50 },
    ],
    [
      'POST requests within 2 s',
      ['GET /a', 'POST /orders'],
      { url: `http://127.0.0.1:${PORT}/orders`, method: 'POST', p95_ms: 2000 },
    ],
    ['GET requests < 100ms (p95)', [], undefined],
    ['GET requests are fast', ['GET /a'], undefined],
    ['DELETE requests < 10 ms', ['GET /a'], undefined],
  ])('%j with %j', (text, api, expected) => {
    const c = withCriterion(text, api);
    const criterion = c.acceptance_criteria[0];
    if (!criterion) throw new Error('no criterion');
    expect(suggestHttpCheck(c, criterion)).toEqual(expected);
  });
});

describe('lint of the seed contract, verbatim', () => {
  it('shows the http check that measures "`GET` requests < 100ms (p95)", ready to paste', () => {
    const [warning] = lintContracts([contract(SEED_WITH_SERVE)], []).filter((d) =>
      d.message.includes('criterion performance'),
    );
    expect(warning?.code).toBe('lint/unverifiable-criterion');
    expect(warning?.hint).toBe(
      `Baton can measure it: give it \`http: { url: "http://127.0.0.1:${PORT}/products", p95_ms: 100 }\` (\`baton lint --fix\` writes the check).`,
    );
    const [unserved] = lintContracts([contract(SEED)], []).filter((d) =>
      d.message.includes('criterion performance'),
    );
    expect(unserved?.hint).toContain('and a `serve:` command that starts the server on $PORT');
  });
});

describe('applyHttpFix', () => {
  it.each([
    ['the seed, verbatim (a labelled line)', SEED_WITH_SERVE],
    [
      'a heading-form bullet',
      '## feature_id\nf\n## provides\n- API: GET /products\n## acceptance_criteria\n- GET requests < 100ms (p95)\n- other\n',
    ],
    [
      'a front-matter string',
      '---\nfeature_id: f\nprovides: { api: ["GET /products"] }\nacceptance_criteria:\n  - GET requests < 100ms (p95)\n  - other\n---\nbody\n',
    ],
    [
      'a front-matter mapping',
      '---\nfeature_id: f\nprovides: { api: ["GET /products"] }\nacceptance_criteria:\n  - id: latency\n    text: GET requests < 100ms (p95)\n  - other\n---\n',
    ],
    [
      'a front-matter flow mapping',
      '---\nfeature_id: f\nprovides: { api: ["GET /products"] }\nacceptance_criteria:\n  - { id: latency, text: "GET requests < 100ms (p95)" }\n---\n',
    ],
  ])('%s becomes a criterion measured by http, the rest unchanged', (_name, text) => {
    const before = contract(text);
    const [fix] = httpFixes(before);
    if (!fix) throw new Error('no fix');
    const edited = applyHttpFix(text, before, fix);
    if (edited === undefined) throw new Error('not applied');
    const after = contract(edited);
    const criterion = after.acceptance_criteria[fix.index];
    expect(criterion?.kind).toBe('http');
    expect(criterion?.id).toBe(fix.criterion.id);
    expect(criterion?.text).toBe(fix.criterion.text);
    expect(criterion?.http).toEqual(fix.http);
    expect(renderHttpFlow(fix.http)).toBe(`{ url: "http://127.0.0.1:${PORT}/products", p95_ms: 100 }`);
    // Every other criterion reads as before.
    expect(after.acceptance_criteria.filter((_, i) => i !== fix.index)).toEqual(
      before.acceptance_criteria.filter((_, i) => i !== fix.index),
    );
    expect(httpFixes(after)).toEqual([]);
  });
});
