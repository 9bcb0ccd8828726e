import { describe, expect, it } from 'vitest';
import { findVagueWords, judgeCriterion, lintContracts, suggestCheck } from '../../src/contracts/lint.js';
import { parseContract } from '../../src/contracts/parse.js';
import type { Contract } from '../../src/contracts/schema.js';
import { closestName } from '../../src/contracts/suggest.js';
import { findOverlaps } from '../../src/graph/overlap.js';

describe('judgeCriterion', () => {
  it.each([
    // [text, kind, verdict, vague words]
    ['Should be fast', 'unverifiable', 'vague', ['fast', 'should']],
    ['The API is robust', 'unverifiable', 'vague', ['robust']],
    ['Errors are handled properly', 'unverifiable', 'vague', ['properly']],
    ['Good test coverage', 'unverifiable', 'vague', ['good']],
    ['Uploads are quick and user-friendly', 'unverifiable', 'vague', ['quick', 'user-friendly']],
    ['It works as expected', 'unverifiable', 'vague', ['as expected', 'works']],
    ['Search should return in < 200 ms', 'unverifiable', 'unverifiable', []],
    ['GET requests < 100ms (p95)', 'unverifiable', 'unverifiable', []],
    ['All endpoints implemented per spec', 'unverifiable', 'unverifiable', []],
    ['Should be fast', 'run', 'measurable', []],
    ['Latency is good', 'http', 'measurable', []],
    ['well-formed JSON on every response', 'unverifiable', 'unverifiable', []],
    ['thread-safe counters', 'unverifiable', 'unverifiable', []],
    ['Breakfast menu exists', 'unverifiable', 'unverifiable', []],
  ] as const)('%j (%s) is %s', (text, kind, verdict, words) => {
    const judged = judgeCriterion({ text, kind });
    expect(judged.verdict).toBe(verdict);
    expect(judged.words.map((w) => w.word)).toEqual(words);
  });

  it('every vague word comes with a measurable suggestion naming a check', () => {
    for (const w of findVagueWords('fast robust properly good should secure scalable intuitive')) {
      expect(w.suggestion).toMatch(/`(run|http):/);
    }
  });
});

describe('suggestCheck', () => {
  it.each([
    ['GET /products p95 under 100 ms', 'http:'],
    ['Product page latency', 'http:'],
    ['The docs folder exists', 'files:'],
    ['Checkout flow completes', 'run:'],
  ])('%j → %s', (text, expected) => {
    expect(suggestCheck(text)).toContain(expected);
  });
});

/** The placeholder contracts write literally (Baton substitutes the feature's port). */
const PORT = ['$', '{PORT}'].join('');

function contract(text: string, file: string): Contract {
  const r = parseContract(text, file);
  if (!r.ok) throw new Error(r.errors[0]?.message);
  return r.value;
}

describe('lintContracts', () => {
  it('warns at the line of each vague or unverifiable criterion, and for a contract without criteria', () => {
    const a = contract(
      [
        '---',
        'feature_id: a',
        'owns: [src/a/**]',
        'acceptance_criteria:',
        '  - Should be fast',
        '  - { text: tests pass, run: npm test }',
        '  - p95 < 100 ms on GET /a',
        '---',
      ].join('\n'),
      'specs/a/contract.md',
    );
    const b = contract('## feature_id\nb\n\n## owns\n- src/b/**\n', 'specs/b/contract.md');
    const ds = lintContracts([a, b], []);
    expect(ds.map((d) => [d.code, d.location?.file, d.location?.line, d.severity])).toEqual([
      ['lint/vague-criterion', 'specs/a/contract.md', 5, 'warning'],
      ['lint/unverifiable-criterion', 'specs/a/contract.md', 7, 'warning'],
      ['lint/no-criteria', 'specs/b/contract.md', 2, 'warning'],
    ]);
    expect(ds[0]?.message).toBe(
      'criterion c1 "Should be fast" is vague ("fast", "should"): no check to run and no number',
    );
    expect(ds[0]?.hint).toMatch(/p95_ms: 100/);
    expect(ds[1]?.hint).toMatch(/^Add `http:/);
  });

  it('warns at the feature id of a contract that owns no paths: no scope check would run', () => {
    const text = (owns: string[]) =>
      [
        '---',
        'feature_id: a',
        ...owns,
        'acceptance_criteria:',
        '  - { text: tests pass, run: npm test }',
        '---',
      ].join('\n');
    const ds = lintContracts([contract(text([]), 'specs/a/contract.md')], []);
    expect(ds.map((d) => [d.code, d.location?.line, d.severity])).toEqual([['lint/no-owns', 2, 'warning']]);
    expect(ds[0]?.message).toBe(
      "a owns no paths: no scope check runs, so nothing stops its agent from changing tests, config or other features' files",
    );
    expect(ds[0]?.hint).toMatch(/^List the files it may change under `owns:`/);
    expect(lintContracts([contract(text(['owns: [src/a/**]']), 'specs/a/contract.md')], [])).toEqual([]);
  });

  it("warns, at the criterion's line, for an http check on the feature's own port in a contract with no serve", () => {
    const text = (serve: string[]) =>
      [
        '---',
        'feature_id: a',
        'owns: [src/a/**]',
        ...serve,
        'acceptance_criteria:',
        '  - { text: tests pass, run: npm test }',
        `  - { id: latency, text: p95 under 100 ms, http: { url: "http://127.0.0.1:${PORT}/a", p95_ms: 100 } }`,
        '  - { id: health, text: answers, http: { url: /health } }',
        '  - { id: upstream, text: upstream answers, http: { url: "https://status.example.com/" } }',
        '---',
      ].join('\n');
    const ds = lintContracts([contract(text([]), 'specs/a/contract.md')], []);
    expect(ds.map((d) => [d.code, d.location?.line, d.severity])).toEqual([
      ['lint/http-without-serve', 6, 'warning'],
      ['lint/http-without-serve', 7, 'warning'],
    ]);
    expect(ds[0]?.message).toBe(
      `criterion latency measures "http://127.0.0.1:${PORT}/a" on the feature's own port, but a has no \`serve:\`: Baton starts nothing there, so no request can be answered`,
    );
    expect(ds[0]?.source).toContain('id: latency');
    expect(ds[0]?.hint).toMatch(/^Add `serve:`/);
    expect(lintContracts([contract(text(['serve: npm start']), 'specs/a/contract.md')], [])).toEqual([]);
  });

  it('names both features, their globs and the overlapping path', () => {
    const a = contract(
      '---\nfeature_id: a\nowns: [src/auth/**]\nacceptance_criteria: [{text: t, run: x}]\n---\n',
      'specs/a/contract.md',
    );
    const b = contract(
      '---\nfeature_id: b\nowns:\n  - docs/**\n  - src/**/*.ts\nacceptance_criteria: [{text: t, run: x}]\n---\n',
      'specs/b/contract.md',
    );
    const [d, ...rest] = lintContracts([a, b], [{ a: 'a', b: 'b', pattern: 'src/auth/x.ts' }]);
    expect(rest).toEqual([]);
    expect(d?.code).toBe('lint/owns-overlap');
    expect(d?.message).toBe(
      'a (src/auth/**) and b (src/**/*.ts) both own src/auth/x.ts, and neither depends on the other',
    );
    expect(d?.location).toEqual({ file: 'specs/a/contract.md', line: 3, column: 8 });
  });

  it('names a route group folder as written, not as the glob library reads it', () => {
    const shop = contract(
      '---\nfeature_id: shop\nowns: ["app/(shop)/**"]\nacceptance_criteria: [{text: t, run: x}]\n---\n',
      'specs/shop/contract.md',
    );
    const other = contract(
      '---\nfeature_id: other\nowns: ["app/(shop)"]\nacceptance_criteria: [{text: t, run: x}]\n---\n',
      'specs/other/contract.md',
    );
    const [d, ...rest] = lintContracts(
      [shop, other],
      findOverlaps([shop, other], () => false),
    );
    expect(rest).toEqual([]);
    expect(d?.message).toBe(
      'other (app/(shop)) and shop (app/(shop)/**) both own app/(shop), and neither depends on the other',
    );
    expect(d?.location).toEqual({ file: 'specs/other/contract.md', line: 3, column: 8 });
  });
});

describe('closestName', () => {
  it.each([
    ['depend_on', 'depends_on'],
    ['dependz', 'depends_on'],
    ['estimate', 'estimate_minutes'],
    ['acceptance', 'acceptance_criteria'],
    ['titel', 'title'],
    ['zzz', undefined],
    ['description', undefined],
    ['ttl', 'title'],
    ['own', 'owns'],
  ])('%s → %s', (word, expected) => {
    expect(
      closestName(word, [
        'feature_id',
        'title',
        'depends_on',
        'estimate_minutes',
        'acceptance_criteria',
        'owns',
      ]),
    ).toBe(expected);
  });

  it('takes an abbreviation for its word, with the default distance only', () => {
    expect(closestName('cmd', ['command', 'name', 'args'])).toBe('command');
    expect(closestName('cmd', ['command'], 2)).toBeUndefined();
    expect(closestName('xmd', ['command'])).toBeUndefined();
  });
});
