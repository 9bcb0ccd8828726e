/**
 * What a criterion's check may name, refused when the contract is read: a check that checks nothing
 * (`contract/empty-check`), a files glob that leads out of the worktree (`contract/files-outside`), and
 * an http target that cannot be sent (`contract/invalid-http-url`, `contract/invalid-http-method`).
 */
import { describe, expect, it } from 'vitest';
import { parseContract } from '../../src/contracts/parse.js';
import type { Contract } from '../../src/contracts/schema.js';
import type { Diagnostic, Result } from '../../src/errors.js';

const FILE = 'specs/a/contract.md';
/** The placeholder contracts write literally (Baton substitutes the feature's port). */
const PORT = ['$', '{PORT}'].join('');
const fm = (...lines: string[]) => ['---', ...lines, '---', ''].join('\n');
/** A contract whose only criterion (on line 5, its check on line 6) has the given check lines. */
const withCheck = (...check: string[]) =>
  ['---', 'feature_id: a', 'acceptance_criteria:', '  - id: k', '    text: t', ...check, '---', ''].join(
    '\n',
  );

function errors(r: Result<Contract>): Diagnostic[] {
  if (r.ok) throw new Error('expected errors, got a contract');
  return r.errors;
}

function value(r: Result<Contract>): Contract {
  if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('\n'));
  return r.value;
}

/** code, line, message of each error: what the user reads as `file:line: message`. */
function told(text: string): Array<[string, number | undefined, string]> {
  return errors(parseContract(text, FILE)).map((e) => {
    expect(e.location?.file).toBe(FILE);
    return [e.code, e.location?.line, e.message];
  });
}

describe('contract/empty-check: a check that checks nothing is an error at its line', () => {
  it.each([
    ['a blank command', ['    run: "   "'], 6, 'acceptance_criteria[0].run'],
    ['an empty command', ['    run: ""'], 6, 'acceptance_criteria[0].run'],
    ['a run with no value', ['    run:'], 6, 'acceptance_criteria[0].run'],
    ['an http check with no url', ['    http: { p95_ms: 100 }'], 6, 'acceptance_criteria[0].http.url'],
    ['an http check with an empty url', ['    http: { url: "" }'], 6, 'acceptance_criteria[0].http.url'],
    ['an http check with a blank url', ['    http: { url: "  " }'], 6, 'acceptance_criteria[0].http.url'],
    ['an http with no value', ['    http:'], 6, 'acceptance_criteria[0].http'],
    ['a files check with an empty list', ['    files: { exist: [] }'], 6, 'acceptance_criteria[0].files'],
    ['a files check with nothing in it', ['    files: {}'], 6, 'acceptance_criteria[0].files'],
    [
      'a files check that checks nothing',
      ['    files: { untouched_outside_owns: false }'],
      6,
      'acceptance_criteria[0].files',
    ],
    ['a files with no value', ['    files:'], 6, 'acceptance_criteria[0].files'],
    [
      'a blank glob in a files list',
      ['    files:', '      exist:', '        - src/a.ts', '        - " "'],
      9,
      'acceptance_criteria[0].files.exist[1]',
    ],
  ])('%s', (_, check, line, field) => {
    const [first, ...rest] = told(withCheck(...check));
    expect(rest).toEqual([]);
    expect(first?.[0]).toBe('contract/empty-check');
    expect(first?.[1]).toBe(line);
    expect(first?.[2]).toContain(`${field}:`);
    expect(first?.[2]).toContain('criterion "k"');
  });

  it('names the criterion by position when it has no id, and shows the line', () => {
    const text = ['---', 'feature_id: a', 'acceptance_criteria:', '  - text: ok', '    run: "true"'];
    const [e] = errors(parseContract([...text, '  - { text: t, run: " " }', '---', ''].join('\n'), FILE));
    expect(e?.code).toBe('contract/empty-check');
    expect(e?.location?.line).toBe(6);
    expect(e?.source).toBe('  - { text: t, run: " " }');
    expect(e?.message).toContain('criterion "c2"');
    expect(e?.hint).toBeTruthy();
  });

  it('is told in the heading form too', () => {
    const text = [
      '## feature_id',
      'a',
      '',
      '## acceptance_criteria',
      '- Index exists',
      '  - files: {exist: []}',
    ];
    const [e] = errors(parseContract(`${text.join('\n')}\n`, FILE));
    expect(e?.code).toBe('contract/empty-check');
    expect(e?.message).toContain('criterion "c1"');
  });

  it('is told beside the other errors of the contract, once', () => {
    const found = told(
      fm('feature_id: a', 'estimate_minutes: soon', 'acceptance_criteria:', '  - { text: t, run: "" }'),
    );
    expect(found.map(([code, line]) => [code, line])).toEqual([
      ['contract/empty-check', 5],
      ['contract/invalid', 3],
    ]);
  });

  it('hides no other error: every criterion is told in one pass', () => {
    const text = fm(
      'feature_id: a',
      'acceptance_criteria:',
      '  - { text: t, http: {} }',
      '  - { text: u, files: { exist: ["../x"] } }',
      '  - { text: v, http: { url: "ftp://x", method: "fe tch" } }',
      '  - { id: k, text: w, run: "" }',
      '  - { id: k, text: z, run: "true" }',
    );
    expect(told(text).map(([code, line]) => [code, line])).toEqual([
      ['contract/empty-check', 4],
      ['contract/empty-check', 7],
      ['contract/files-outside', 5],
      ['contract/invalid-http-url', 6],
      ['contract/invalid-http-method', 6],
      ['contract/duplicate-criterion', 8],
    ]);
  });

  it('a check that checks something is not empty', () => {
    const c = value(parseContract(withCheck('    files: { untouched_outside_owns: true }'), FILE));
    expect(c.acceptance_criteria[0]?.kind).toBe('files');
  });
});

describe('contract/files-outside: a files glob must stay inside the worktree', () => {
  it.each([
    ['/../etc/passwd', 'climbs out'],
    ['~/secret.txt', 'the home folder'],
    ['C:/secret.txt', 'an absolute path'],
    ['../other/secret.txt', 'climbs out'],
    ['src/../../secret.txt', 'climbs out'],
    ['src/**/../../../x', 'climbs out'],
  ])('%s is refused (%s), at its line', (glob, why) => {
    const [first, ...rest] = told(
      withCheck('    files:', '      exist:', '        - src/a.ts', `        - ${glob}`),
    );
    expect(rest).toEqual([]);
    expect(first?.[0]).toBe('contract/files-outside');
    expect(first?.[1]).toBe(9);
    expect(first?.[2]).toContain('acceptance_criteria[0].files.exist[1]:');
    expect(first?.[2]).toContain(JSON.stringify(glob));
    expect(first?.[2]).toContain(why);
  });

  it.each(['src/../README.md', './src/*.ts', 'a/./b/**', '/src/a/i.ts', '/docs/**/*.md', '//etc/passwd'])(
    '%s stays inside once normalised (a leading / is the worktree root)',
    (glob) => {
      const c = value(parseContract(withCheck(`    files: { exist: ["${glob}"] }`), FILE));
      expect(c.acceptance_criteria[0]?.files?.exist).toEqual([glob]);
    },
  );
});

describe('http checks: url and method are checked when the contract is read', () => {
  it.each([
    ['ftp://127.0.0.1/x', 'only http: and https:'],
    ['not a url', 'not a valid URL'],
    ['http://127.0.0.1:99999/x', 'not a valid URL'],
  ])('url %s is an error naming the field at its line', (raw, says) => {
    const [first, ...rest] = told(withCheck('    http:', `      url: "${raw}"`, '      p95_ms: 100'));
    expect(rest).toEqual([]);
    expect(first?.[0]).toBe('contract/invalid-http-url');
    expect(first?.[1]).toBe(7);
    expect(first?.[2]).toContain('acceptance_criteria[0].http.url:');
    expect(first?.[2]).toContain(says);
  });

  it.each([`http://127.0.0.1:${PORT}/products`, '/products?page=2', 'https://example.com/x'])(
    'url %s is accepted',
    (raw) => {
      const c = value(parseContract(withCheck(`    http: { url: "${raw}", p95_ms: 100 }`), FILE));
      expect(c.acceptance_criteria[0]?.http?.url).toBe(raw);
    },
  );

  it.each([
    ['GE T', 'is not an HTTP method'],
    ['get /x', 'is not an HTTP method'],
    ['GET\u00e9', 'is not an HTTP method'],
    ['(GET)', 'is not an HTTP method'],
    ['CONNECT', 'CONNECT cannot be measured'],
    ['connect', 'CONNECT cannot be measured'],
  ])('method %j is an error naming the field at its line', (m, says) => {
    const [first, ...rest] = told(withCheck('    http:', '      url: /x', `      method: "${m}"`));
    expect(rest).toEqual([]);
    expect(first?.[0]).toBe('contract/invalid-http-method');
    expect(first?.[1]).toBe(8);
    expect(first?.[2]).toContain('acceptance_criteria[0].http.method:');
    expect(first?.[2]).toContain(says);
  });

  it.each([
    ['patch', 'PATCH'],
    ['purge', 'PURGE'],
    ['REPORT', 'REPORT'],
    ['PropFind', 'PROPFIND'],
    ['query', 'QUERY'],
    ['x-custom.1', 'X-CUSTOM.1'],
  ])('method %j is any HTTP token, read in capitals (%s)', (m, method) => {
    const c = value(parseContract(withCheck(`    http: { url: /x, method: "${m}" }`), FILE));
    expect(c.acceptance_criteria[0]?.http?.method).toBe(method);
  });

  it('is told in the heading form too', () => {
    const text = [
      '## feature_id',
      'a',
      '',
      '## acceptance_criteria',
      '- Health',
      '  - http: {url: "ftp://h/x"}',
    ];
    const [e] = errors(parseContract(`${text.join('\n')}\n`, FILE));
    expect(e?.code).toBe('contract/invalid-http-url');
  });
});
