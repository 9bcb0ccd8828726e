import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lintContracts } from '../../src/contracts/lint.js';
import {
  applyHttpFix,
  changedFields,
  httpFixes,
  renderHttpFlow,
  suggestHttpCheck,
  unmeasurableLatency,
} from '../../src/contracts/measure.js';
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

describe('the percentile and threshold a criterion states', () => {
  const URL = `http://127.0.0.1:${PORT}/a`;
  it.each<[string, Record<string, unknown> | string]>([
    ['GET /a p50 < 20ms', { url: URL, p50_ms: 20 }],
    ['GET /a median latency < 50 ms', { url: URL, p50_ms: 50 }],
    ['GET /a 50th percentile under 30 ms', { url: URL, p50_ms: 30 }],
    ['GET /a p95 < 100ms.', { url: URL, p95_ms: 100 }],
    ['GET /a percentile 95 below 100 ms', { url: URL, p95_ms: 100 }],
    ['GET /a responds within 0.5 s', { url: URL, p95_ms: 500 }],
    ['GET /a 99th percentile under 300 ms', { url: URL, p99_ms: 300 }],
    ['GET /a 95th percentile (p95) < 80 ms', { url: URL, p95_ms: 80 }],
    ['GET /a p90 latency < 200ms', 'it asks for p90, and an http check measures p50, p95 or p99 only'],
    ['GET /a p99.9 < 400ms', 'it asks for p99.9, and an http check measures p50, p95 or p99 only'],
    [
      'GET /a 99.9th percentile under 400 ms',
      'it asks for p99.9, and an http check measures p50, p95 or p99 only',
    ],
    [
      'GET /a average response time below 80 ms',
      'it asks for an average, and an http check measures p50, p95 or p99 only',
    ],
    ['GET /a mean < 80 ms', 'it asks for an average, and an http check measures p50, p95 or p99 only'],
    [
      'GET /a max latency < 80 ms',
      'it asks for the maximum, and an http check measures p50, p95 or p99 only',
    ],
    [
      'GET /a p50 < 20 ms and p99 < 100 ms',
      'it names several percentiles (p50, p99), and one check holds one threshold',
    ],
    ['GET /a responds in < 0ms (p95)', 'its threshold is 0 ms, and a check needs one above 0'],
    [`GET /a p95 < 1${'0'.repeat(400)} ms`, `its threshold 1${'0'.repeat(400)} is too large for a check`],
  ])('%j', (text, expected) => {
    const c = withCriterion(text, ['GET /a']);
    const criterion = c.acceptance_criteria[0];
    if (!criterion) throw new Error('no criterion');
    if (typeof expected === 'string') {
      expect(suggestHttpCheck(c, criterion)).toBeUndefined();
      expect(unmeasurableLatency(c, criterion)).toBe(expected);
      const [warning] = lintContracts([c], []).filter((d) => d.code === 'lint/unverifiable-criterion');
      expect(warning?.hint).toBe(
        `Baton cannot measure it as written: ${expected}. Reword it with p50, p95 or p99 and a threshold above 0 ms (\`baton lint --fix\` then writes the check), or add \`run: <command>\` (exit 0 = pass) that measures it.`,
      );
    } else {
      expect(suggestHttpCheck(c, criterion)).toEqual(expected);
      expect(unmeasurableLatency(c, criterion)).toBeUndefined();
    }
  });
});

describe('a latency no check holds, for an endpoint the contract does not provide', () => {
  it('gets the general hint: rewording would not let --fix write a check', () => {
    const c = withCriterion('GET /a p90 < 200 ms', ['GET /b']);
    const criterion = c.acceptance_criteria[0];
    if (!criterion) throw new Error('no criterion');
    expect(unmeasurableLatency(c, criterion)).toBeUndefined();
    const [warning] = lintContracts([c], []).filter((d) => d.code === 'lint/unverifiable-criterion');
    expect(warning?.hint).toContain('so Baton measures it');
    expect(warning?.hint).not.toContain('cannot measure it as written');
  });
});

describe('lint of the seed contract, verbatim', () => {
  it('shows the http check that measures "`GET` requests < 100ms (p95)", ready to paste', () => {
    const [warning] = lintContracts([contract(SEED_WITH_SERVE)], []).filter((d) =>
      d.message.includes('criterion performance'),
    );
    expect(warning?.code).toBe('lint/unverifiable-criterion');
    expect(warning?.hint).toBe(
      `Baton can measure it: give it \`http: { url: "http://127.0.0.1:${PORT}/products", p95_ms: 100 }\` (\`baton lint --fix\` writes the check); it measures one endpoint: GET /products/{id} is not covered (a criterion per endpoint measures it).`,
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
    if (!edited.ok) throw new Error(edited.reason);
    const after = contract(edited.text);
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

describe('applyHttpFix keeps what the criterion had', () => {
  const FM = (items: string) =>
    `---\nfeature_id: f\nprovides: { api: ["GET /products"] }\nacceptance_criteria:\n${items}\n  - other\n---\nbody\n`;
  const FLOW = `{ url: "http://127.0.0.1:${PORT}/products", p95_ms: 100 }`;

  it.each([
    [
      'a flow mapping with more fields and a trailing comment',
      FM(
        '  - {id: flow, text: "GET requests < 100ms (p95)", after: integration, timeout_s: 5}   # merged tree only',
      ),
      `  - {id: flow, text: "GET requests < 100ms (p95)", after: integration, timeout_s: 5, http: ${FLOW} }   # merged tree only`,
    ],
    [
      'a flow mapping whose text holds a # and a }',
      FM('  - { id: q, text: "GET requests < 100ms (p95) # not a comment }" } # yes one'),
      `  - { id: q, text: "GET requests < 100ms (p95) # not a comment }", http: ${FLOW} } # yes one`,
    ],
    [
      'a plain string with a comment',
      FM("  - GET requests < 100ms (p95), it's fine # keep me"),
      `  - { id: c1, text: "GET requests < 100ms (p95), it's fine", http: ${FLOW} } # keep me`,
    ],
  ])('%s', (_name, text, line) => {
    const before = contract(text);
    const [fix] = httpFixes(before);
    if (!fix) throw new Error('no fix');
    const edited = applyHttpFix(text, before, fix);
    if (!edited.ok) throw new Error(edited.reason);
    expect(edited.text.split('\n')[4]).toBe(line);
    const after = contract(edited.text).acceptance_criteria[fix.index];
    if (!after) throw new Error('no criterion');
    expect(after.kind).toBe('http');
    expect(changedFields(fix.criterion, after)).toEqual([]);
  });

  it('a block mapping with a folded text gets `http:` after its last line', () => {
    const text = FM(
      '  - id: latency\n    text: >\n      GET requests\n      < 100ms (p95)\n    timeout_s: 3',
    );
    const before = contract(text);
    const [fix] = httpFixes(before);
    if (!fix) throw new Error('no fix');
    const edited = applyHttpFix(text, before, fix);
    if (!edited.ok) throw new Error(edited.reason);
    expect(edited.text).toContain(`    timeout_s: 3\n    http: ${FLOW}\n  - other`);
    const after = contract(edited.text).acceptance_criteria[fix.index];
    if (!after) throw new Error('no criterion');
    expect(changedFields(fix.criterion, after)).toEqual([]);
  });

  it('a CRLF contract stays CRLF', () => {
    const text = FM('  - GET requests < 100ms (p95)').replace(/\n/g, '\r\n');
    const before = contract(text);
    const [fix] = httpFixes(before);
    if (!fix) throw new Error('no fix');
    const edited = applyHttpFix(text, before, fix);
    if (!edited.ok) throw new Error(edited.reason);
    expect(edited.text.split('\r\n')[4]).toBe(
      `  - { id: c1, text: "GET requests < 100ms (p95)", http: ${FLOW} }`,
    );
    expect(edited.text.replace(/\r\n/g, '')).not.toContain('\n');
    expect(contract(edited.text).acceptance_criteria[0]?.kind).toBe('http');
  });

  it.each([
    ['an anchor', FM('  - &lat GET requests < 100ms (p95)'), /anchor/],
    [
      'a flow mapping over two lines',
      FM('  - { id: q,\n      text: "GET requests < 100ms (p95)" }'),
      /does not end/,
    ],
  ])('%s is left alone, saying why', (_name, text, reason) => {
    const before = contract(text);
    const [fix] = httpFixes(before);
    if (!fix) throw new Error('no fix');
    const edited = applyHttpFix(text, before, fix);
    expect(edited.ok).toBe(false);
    if (!edited.ok) expect(edited.reason).toMatch(reason);
  });
});

describe('changedFields', () => {
  it('names what a fix lost or changed, not the kind and check it adds', () => {
    const before = { id: 'a', text: 't', kind: 'unverifiable', after: 'integration', timeout_s: 5 } as const;
    const http = { url: 'http://x', p95_ms: 1 };
    expect(
      changedFields(before, { id: 'a', text: 't', kind: 'http', http, after: 'integration', timeout_s: 5 }),
    ).toEqual([]);
    expect(changedFields(before, { id: 'a', text: 't', kind: 'http', http })).toEqual(['after', 'timeout_s']);
  });
});
