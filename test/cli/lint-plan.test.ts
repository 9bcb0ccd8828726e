import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runBaton } from '../rig/cli.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});
function repo(files?: Record<string, string>): TempRepo {
  const r = makeRepo(files);
  repos.push(r);
  return r;
}

/** A valid contract; it owns its own folder unless `extra` says what it owns (no `lint/no-owns`). */
const ok = (id: string, extra: string[] = []) =>
  [
    '---',
    `feature_id: ${id}`,
    ...extra,
    ...(extra.some((l) => l.startsWith('owns:')) ? [] : [`owns: ["src/${id}/**"]`]),
    'acceptance_criteria:',
    '  - { text: tests pass, run: "true" }',
    '---',
    '',
  ].join('\n');

const CATALOG_HEADING_FORM = `# Feature Contract: Product Catalog
## feature_id
feature-002-product-catalog
## provides
- API: GET /products, GET /products/{id}, PATCH /products/{id}/stock
- Models: Product(id, name, price, stock)
## owns
- src/catalog/**
## depends_on
- feature-001-authentication
- Shared Logging Service
## acceptance_criteria
- All endpoints implemented per spec \`run: npm test -- catalog\`
- GET requests < 100ms (p95)
- Should be fast
## estimate_minutes
60
`;

describe('baton lint', () => {
  it('warnings only: exit 0, with file:line, the offending line and a suggestion; --strict: exit 1', async () => {
    const r = repo({
      'specs/feature-001-authentication/contract.md': ok('feature-001-authentication', [
        'owns: ["src/**/*.ts"]',
      ]),
      'specs/feature-002-product-catalog/contract.md': CATALOG_HEADING_FORM,
      'src/catalog/index.ts': 'export {};\n',
    });
    const out = await runBaton(['lint'], { cwd: r.root });
    expect(out.code).toBe(0);
    expect(out.stdout).toContain(
      'specs/feature-002-product-catalog/contract.md:14:3: warning: criterion c2 "GET requests < 100ms (p95)" is unverifiable',
    );
    expect(out.stdout).toContain('    14 | - GET requests < 100ms (p95)');
    expect(out.stdout).toContain('criterion c3 "Should be fast" is vague ("fast", "should")');
    expect(out.stdout).toContain('p95_ms: 100');
    // They depend on each other, so their overlapping paths are not a hotspot.
    expect(out.stdout).not.toContain('both own');
    expect(out.stdout).toContain('2 contracts: 2 warnings');
    const strict = await runBaton(['lint', '--strict', '--json'], { cwd: r.root });
    expect(strict.code).toBe(1);
    const json = JSON.parse(strict.stdout);
    expect(json).toMatchObject({ ok: false, contracts: 2, errors: 2, warnings: 0 });
    expect(json.diagnostics.map((d: { code: string }) => d.code)).toEqual([
      'lint/unverifiable-criterion',
      'lint/vague-criterion',
    ]);
  });

  it('names both features and the overlapping path when independent features own the same files', async () => {
    const r = repo({
      'specs/a/contract.md': ok('a', ['owns: ["src/shared/**"]']),
      'specs/b/contract.md': ok('b', ['owns: ["src/**"]']),
    });
    const out = await runBaton(['lint'], { cwd: r.root });
    expect(out.code).toBe(0);
    expect(out.stdout).toContain(
      'a (src/shared/**) and b (src/**) both own src/shared/**, and neither depends on the other',
    );
  });

  it('errors: exit 1, every problem reported at once, each naming its file and line', async () => {
    const r = repo({
      'specs/a/contract.md': '---\nfeature_id: a\nowns: [src/**\n---\n',
      'specs/b/contract.md': '---\nfeature_id: "x;rm -rf"\n---\n',
      'specs/c/contract.md': ok('c'),
    });
    const out = await runBaton(['lint', '--json'], { cwd: r.root });
    expect(out.code).toBe(1);
    const json = JSON.parse(out.stdout);
    expect(json.ok).toBe(false);
    expect(
      json.diagnostics.map((d: { code: string; location: { file: string; line: number } }) => [
        d.code,
        d.location.file,
        d.location.line,
      ]),
    ).toEqual([
      ['contract/invalid-yaml', 'specs/a/contract.md', 3],
      ['contract/invalid-id', 'specs/b/contract.md', 2],
      // What lint says of b's fields that are valid, in the same pass: it owns nothing, checks nothing.
      ['lint/no-owns', 'specs/b/contract.md', 2],
      ['lint/no-criteria', 'specs/b/contract.md', 2],
    ]);
  });

  it('a check that checks nothing or reaches outside is an error at its line, and verify runs nothing', async () => {
    const contract = (...criteria: string[]) =>
      ['---', 'feature_id: a', 'owns: ["src/a/**"]', 'acceptance_criteria:', ...criteria, '---', ''].join(
        '\n',
      );
    const r = repo({
      'specs/a/contract.md': contract(
        '  - { id: blank, text: tests pass, run: "  " }',
        '  - { id: none, text: files exist, files: { exist: [] } }',
        '  - { id: away, text: secret exists, files: { exist: ["../secret.txt"] } }',
        '  - { id: ftp, text: answers, http: { url: "ftp://127.0.0.1/x", method: get } }',
      ),
    });
    const out = await runBaton(['lint'], { cwd: r.root });
    expect(out.code).toBe(1);
    expect(out.stdout).toContain(
      'specs/a/contract.md:5:36: error: acceptance_criteria[0].run: criterion "blank" has an empty command: it would pass without running anything [contract/empty-check]',
    );
    expect(out.stdout).toContain('specs/a/contract.md:6:');
    expect(out.stdout).toContain('criterion "none" has a files check that checks nothing');
    expect(out.stdout).toContain('specs/a/contract.md:7:');
    expect(out.stdout).toContain('criterion "away" looks for "../secret.txt" outside the worktree');
    expect(out.stdout).toContain('specs/a/contract.md:8:');
    expect(out.stdout).toContain(
      'acceptance_criteria[3].http.url: criterion "ftp" has an http check that cannot be sent',
    );
    const verify = await runBaton(['verify', 'a', '--json'], { cwd: r.root });
    expect(verify.code).not.toBe(0);
    expect(verify.stdout + verify.stderr).toContain('contract/empty-check');
  });

  it('reports an unknown dependency in the same pass as a schema error in another contract', async () => {
    const r = repo({
      'specs/a/contract.md': '---\nfeature_id: "x;rm -rf"\n---\n',
      'specs/b/contract.md': ok('b', ['depends_on: [feature-009-nowhere, a]']),
    });
    const out = await runBaton(['lint', '--json'], { cwd: r.root });
    expect(out.code).toBe(1);
    const json = JSON.parse(out.stdout);
    expect(
      json.diagnostics.map((d: { code: string; location: { file: string; line: number } }) => [
        d.code,
        d.location.file,
        d.location.line,
      ]),
    ).toEqual([
      ['contract/invalid-id', 'specs/a/contract.md', 2],
      ['plan/unknown-dependency', 'specs/b/contract.md', 3],
      ['lint/no-owns', 'specs/a/contract.md', 2],
      ['lint/no-criteria', 'specs/a/contract.md', 2],
    ]);
    // "a" failed to parse but its folder is there, so depending on it is not reported.
    expect(json.diagnostics[1].message).toContain('b depends on "feature-009-nowhere"');
  });

  it('an unknown agent is a lint error at its line; run refuses it before starting, naming feature and file', async () => {
    const r = repo({
      'specs/a/contract.md': ok('a', ['agent: demo']),
      'specs/b/contract.md': ok('b', ['agent: cluade']),
    });
    r.commit('contracts');
    const lint = await runBaton(['lint', '--no-coupling'], { cwd: r.root });
    expect(lint.code).toBe(1);
    expect(lint.stdout).toContain(
      'specs/b/contract.md:3:1: error: agent of b: unknown agent "cluade" (did you mean "claude"?) [contract/unknown-agent]\n' +
        '     3 | agent: cluade\n',
    );
    expect(lint.stdout).toMatch(/1 error\n$/);
    const run = await runBaton(['run', 'a'], { cwd: r.root });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('specs/b/contract.md:3:1: error: agent of b: unknown agent "cluade"');
    expect(run.stdout).not.toContain('worktree');
  });

  it('an unknown agent in the config (default, attempts, settings) is a lint error at its line, not a run failure', async () => {
    const r = repo({
      'specs/a/contract.md': ok('a'),
      'baton.yaml':
        'agent: cluade\nattempts: [codex, nosuch]\nagents:\n  gemni: { model: x }\n  command: { env: { A: b } }\n',
    });
    r.commit('contracts');
    const lint = await runBaton(['lint', '--no-coupling'], { cwd: r.root });
    expect(lint.code).toBe(1);
    const out = lint.stdout + lint.stderr;
    expect(out).toContain('baton.yaml:1');
    expect(out).toContain('agent: unknown agent "cluade" (did you mean "claude"?) [config/unknown-agent]');
    expect(out).toContain('attempts[1]: unknown agent "nosuch"');
    expect(out).toContain('agents.gemni: unknown agent "gemni" (did you mean "gemini"?)');
    expect(out).not.toContain('agents.command');
    expect(out).not.toContain('attempts[0]');
    const plan = await runBaton(['plan'], { cwd: r.root });
    expect(plan.code).toBe(1);
    expect(plan.stdout + plan.stderr).toContain('[config/unknown-agent]');
  });

  it('one pass: schema errors with the unknown fields beside them, and the plan and lint rules on the contracts that parsed', async () => {
    const r = repo({
      'specs/one/contract.md': ok('one'),
      'specs/two/contract.md': ok('one'),
      'specs/three/contract.md': '---\nfeature_id: Three\nown: [src/**]\nestimate_minutes: soon\n---\n',
      'specs/four/contract.md':
        '---\nfeature_id: four\ndepends_on: [three, five]\nacceptance_criteria: [it is fast]\nowns: [src/four/**]\n---\n',
    });
    const out = await runBaton(['lint', '--json', '--no-coupling'], { cwd: r.root });
    expect(out.code).toBe(1);
    const json = JSON.parse(out.stdout);
    expect(
      json.diagnostics.map(
        (d: { severity: string; code: string; location: { file: string; line: number } }) => [
          d.severity,
          d.code,
          d.location.file,
          d.location.line,
        ],
      ),
    ).toEqual([
      ['error', 'contract/invalid-id', 'specs/three/contract.md', 2],
      ['error', 'contract/invalid', 'specs/three/contract.md', 4],
      ['warning', 'contract/unknown-field', 'specs/three/contract.md', 3],
      ['error', 'plan/duplicate-id', 'specs/two/contract.md', 2],
      ['error', 'plan/unknown-dependency', 'specs/four/contract.md', 3],
      ['warning', 'lint/vague-criterion', 'specs/four/contract.md', 4],
      // The lint rules on the fields of three that are valid (`own:` is not `owns:`).
      ['warning', 'lint/no-owns', 'specs/three/contract.md', 2],
      ['warning', 'lint/no-criteria', 'specs/three/contract.md', 2],
      ['warning', 'contracts/folder-mismatch', 'specs/two/contract.md', 2],
    ]);
    expect(json.diagnostics[4].message).toContain('four depends on "five"');
    // The repeated id does not hide the lint rules; with it gone, they still run on the contracts that parsed.
    r.write({ 'specs/two/contract.md': ok('two') });
    const again = JSON.parse((await runBaton(['lint', '--json', '--no-coupling'], { cwd: r.root })).stdout);
    expect(again.diagnostics.map((d: { code: string }) => d.code)).toEqual([
      'contract/invalid-id',
      'contract/invalid',
      'contract/unknown-field',
      'plan/unknown-dependency',
      'lint/vague-criterion',
      'lint/no-owns',
      'lint/no-criteria',
    ]);
  });

  it('an unknown config key is an error with the key it was probably meant to be', async () => {
    const r = repo({
      'baton.config.json': '{\n  "agent": "demo",\n  "concurency": 2,\n  "retry": { "atempts": 1 }\n}\n',
      'specs/c/contract.md': ok('c'),
    });
    const out = await runBaton(['lint'], { cwd: r.root });
    expect(out.code).toBe(1);
    expect(out.stdout).toContain(
      'baton.config.json:3: error: unknown key "concurency" (did you mean "concurrency"?) [config/unknown-key]',
    );
    expect(out.stdout).toContain('unknown key "retry.atempts" (did you mean "retry.attempts"?)');
    expect(out.stdout).toContain('hint: Rename "atempts" to "attempts".');
    const yaml = repo({ 'baton.yaml': 'agent: demo\nspecz: contracts\n', 'specs/c/contract.md': ok('c') });
    const plan = await runBaton(['plan'], { cwd: yaml.root });
    expect(plan.code).toBe(1);
    expect(plan.stderr).toContain('baton.yaml:2: error: unknown key "specz" (did you mean "specs"?)');
  });

  it('a wrong value in the config names the field inside a union and what was there, at its line', async () => {
    const r = repo({ 'baton.yaml': 'test: npm test\nagent: {command: 5}\n', 'specs/c/contract.md': ok('c') });
    const out = await runBaton(['lint'], { cwd: r.root });
    expect(out.code).toBe(1);
    expect(out.stdout).toContain(
      'baton.yaml:2: error: agent.command: expected string, got number 5 [config/invalid]',
    );
    // A YAML number where text is meant: what was written, and the quotes that keep it.
    const base = repo({ 'baton.yaml': 'agent: demo\nbase: 0123\n', 'specs/c/contract.md': ok('c') });
    const said = await runBaton(['lint'], { cwd: base.root });
    expect(said.stdout).toContain(
      'baton.yaml:2: error: base: expected string, got 0123, which YAML reads as the number 123 [config/invalid]\n' +
        '  hint: Quote it to keep it as written: base: "0123"',
    );
  });

  it('an unknown key in any nested section is suggested from that section, or its keys are listed', async () => {
    const r = repo({
      'baton.yaml': 'agent: demo\ncoupling:\n  windw: 50\n  zzz: 1\nagents:\n  claude:\n    comand: x\n',
      'specs/c/contract.md': ok('c'),
    });
    const out = await runBaton(['lint'], { cwd: r.root });
    expect(out.code).toBe(1);
    expect(out.stdout).toContain(
      'baton.yaml:3: error: unknown key "coupling.windw" (did you mean "coupling.window"?)',
    );
    // No close match: the keys that are allowed there, never an empty list.
    expect(out.stdout).toMatch(
      /unknown key "coupling\.zzz" \[config\/unknown-key\]\n\s+hint: Known keys here: window, /,
    );
    expect(out.stdout).toContain(
      'unknown key "agents.claude.comand" (did you mean "agents.claude.command"?)',
    );
  });

  it("--fix writes the http check that measures the seed contract's latency criterion, verbatim", async () => {
    const seed = readFileSync(
      join(import.meta.dirname, '..', 'fixtures', 'contracts', 'seed-example.md'),
      'utf8',
    );
    const file = 'specs/feature-002-product-catalog/contract.md';
    const r = repo({
      [file]: `${seed}\n5. \`serve\`\n\n\`node server.js\`\n`,
      'specs/feature-001-authentication/contract.md': ok('feature-001-authentication'),
    });
    const before = await runBaton(['lint'], { cwd: r.root });
    expect(before.stdout).toContain('criterion performance "`GET` requests < 100ms (p95)." is unverifiable');
    expect(before.stdout).toContain('hint: Baton can measure it: give it `http: { url: "http://127.0.0.1:');
    const fixed = await runBaton(['lint', '--fix'], { cwd: r.root });
    expect(fixed.code).toBe(0);
    expect(fixed.stdout).toContain(
      `${file}:19: fixed: performance now has \`http: { url: "http://127.0.0.1:`,
    );
    expect(fixed.stdout).not.toContain('criterion performance');
    expect(readFileSync(join(r.root, file), 'utf8')).toContain(
      `Performance: \`GET\` requests < 100ms (p95). \`http: { url: "http://127.0.0.1:${'$'}{PORT}/products", p95_ms: 100 }\``,
    );
    const plan = JSON.parse((await runBaton(['plan', '--json'], { cwd: r.root })).stdout);
    expect(plan.waves).toEqual([['feature-001-authentication'], ['feature-002-product-catalog']]);
  });

  it.each([
    ['an unknown dependency', 'depends_on: [nowhere]', 'plan/unknown-dependency', true],
    ['a cycle', 'depends_on: [c]', 'plan/cycle', false],
  ] as const)(
    '%s does not hide the warnings: every problem at once',
    async (_, deps, planError, overlaps) => {
      const r = repo({
        'baton.config.json': '{}\n',
        'baton.yaml': 'agent: codex\n',
        'specs/a/contract.md':
          '---\nfeature_id: a\nowns: ["src/**"]\nacceptance_criteria:\n  - text: The API should be fast\n---\n',
        'specs/b/contract.md': ok('b', [deps, 'owns: ["src/b/**"]']),
        'specs/c/contract.md': [
          '---',
          'feature_id: c',
          ...(deps === 'depends_on: [c]' ? ['depends_on: [b]'] : []),
          'acceptance_criteria:',
          '  - { text: tests pass, run: "true" }',
          '---',
          '',
        ].join('\n'),
      });
      const out = await runBaton(['lint', '--json', '--no-coupling'], { cwd: r.root });
      expect(out.code).toBe(1);
      const codes = JSON.parse(out.stdout).diagnostics.map((d: { code: string }) => d.code);
      expect(codes).toEqual(
        expect.arrayContaining([planError, 'config/ignored-file', 'lint/vague-criterion', 'lint/no-owns']),
      );
      // Ownership overlaps need the dependency order: said when the graph holds without the unknown id, never guessed.
      expect(codes.includes('lint/owns-overlap')).toBe(overlaps);
    },
  );

  it('a cycle is an error naming the cycle in order', async () => {
    const r = repo({
      'specs/a/contract.md': ok('a', ['depends_on: [b]']),
      'specs/b/contract.md': ok('b', ['depends_on: [c]']),
      'specs/c/contract.md': ok('c', ['depends_on: [a]']),
    });
    const out = await runBaton(['lint'], { cwd: r.root });
    expect(out.code).toBe(1);
    expect(out.stdout).toContain('specs/a/contract.md:3:14: error: dependency cycle: a → b → c → a');
  });

  it('without specs says what to run', async () => {
    const r = repo();
    const out = await runBaton(['lint'], { cwd: r.root });
    expect(out.code).toBe(1);
    expect(out.stderr).toContain('hint: Run `baton init`');
  });

  it('an empty specs folder is an error, as for plan, not "0 contracts: no problems"', async () => {
    const r = repo({ 'specs/.gitkeep': '' });
    const out = await runBaton(['lint'], { cwd: r.root });
    expect(out.code).toBe(1);
    expect(out.stdout).not.toContain('no problems');
    expect(out.stderr).toContain('no contracts found in');
    expect(out.stderr).toContain('[contracts/none]');
  });

  it('a schema error does not hide the criteria and agent errors of the fields that are valid, and only of those', async () => {
    const r = repo({
      'specs/a/contract.md': [
        '---',
        'feature_id: a',
        'estimate_minutes: -5',
        'agent: nosuchagent',
        'acceptance_criteria:',
        '  - id: k',
        '    text: one',
        '    run: "true"',
        '    http: { url: "http://localhost:3000/" }',
        '  - { id: k, text: two, run: "true" }',
        '---',
        '',
      ].join('\n'),
    });
    const out = await runBaton(['lint', '--json', '--no-coupling'], { cwd: r.root });
    expect(out.code).toBe(1);
    const codes = JSON.parse(out.stdout).diagnostics.map(
      (d: { code: string; location: { line: number } }) => [d.code, d.location.line],
    );
    expect(codes).toEqual([
      ['contract/invalid', 3],
      ['contract/ambiguous-check', 6],
      ['contract/duplicate-criterion', 10],
      ['contract/unknown-agent', 4],
      ['lint/no-owns', 2],
    ]);
    // A criterion that fails the schema is left out of the criteria's checks (its id repeated by another
    // is not reported), the others are checked and linted.
    const bad = repo({
      'specs/a/contract.md':
        '---\nfeature_id: a\nowns: [src/a/**]\nacceptance_criteria:\n  - { id: k, text: one, run: "true", timeout_s: soon }\n  - { id: k, text: two }\n---\n',
    });
    const badOut = await runBaton(['lint', '--json', '--no-coupling'], { cwd: bad.root });
    expect(JSON.parse(badOut.stdout).diagnostics.map((d: { code: string }) => d.code)).toEqual([
      'contract/invalid',
      'lint/unverifiable-criterion',
    ]);
  });
});

describe('baton lint on a contract with several independent problems', () => {
  /** `baton lint --json` as [severity, code, line, column, field or criterion named]. */
  async function lintOne(contract: string) {
    const r = repo({ 'specs/feature-001-api/contract.md': contract });
    const out = await runBaton(['lint', '--json', '--no-coupling'], { cwd: r.root });
    expect(out.code).toBe(1);
    const json = JSON.parse(out.stdout) as {
      diagnostics: Array<{
        severity: string;
        code: string;
        message: string;
        location: { file: string; line?: number; column?: number };
      }>;
    };
    for (const d of json.diagnostics) expect(d.location.file).toBe('specs/feature-001-api/contract.md');
    return json.diagnostics.map((d) => [
      d.severity,
      d.code,
      d.location.line,
      d.location.column,
      /^(acceptance_criteria\[\d+\]\.\w+|\w+(?=:)|criterion \w+|acceptance criterion id "\w+")/.exec(
        d.message,
      )?.[0],
    ]);
  }

  it('lists them all in one pass: a bad `after` hides no repeated id, and neither hides the wording warnings', async () => {
    const contract = [
      '---',
      'feature_id: feature-001-api',
      'owns: [src/api/**]',
      'acceptance_criteria:',
      '  - { id: smoke, text: smoke test passes, run: npm test, after: integraton }',
      '  - { id: fast, text: it is fast }',
      '  - { id: fast, text: handles errors properly }',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the contract's own placeholder syntax
      '  - { id: lat, text: latency, http: { url: "http://127.0.0.1:${PORT}/x", p95_ms: 100 } }',
      '  - the docs folder exists',
      '---',
      '',
    ].join('\n');
    expect(await lintOne(contract)).toEqual([
      ['error', 'contract/invalid', 5, 58, 'acceptance_criteria[0].after'],
      ['error', 'contract/duplicate-criterion', 7, 7, 'acceptance criterion id "fast"'],
      ['warning', 'lint/vague-criterion', 6, 5, 'criterion fast'],
      ['warning', 'lint/vague-criterion', 7, 5, 'criterion fast'],
      ['warning', 'lint/http-without-serve', 8, 5, 'criterion lat'],
      ['warning', 'lint/unverifiable-criterion', 9, 5, 'criterion c5'],
    ]);
  });

  it('says nothing a failed field would make false: a wrong `serve` is not a missing one, nor a wrong `owns` none', async () => {
    const contract = [
      '---',
      'feature_id: feature-001-api',
      'owns: src/api',
      'serve: 5',
      'acceptance_criteria:',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the contract's own placeholder syntax
      '  - { id: lat, text: latency, http: { url: "http://127.0.0.1:${PORT}/x", p95_ms: 100 } }',
      '  - { id: empty, text: tests pass, run: "" }',
      '  - { id: vague, text: it is robust }',
      '---',
      '',
    ].join('\n');
    expect(await lintOne(contract)).toEqual([
      ['error', 'contract/empty-check', 7, 36, 'acceptance_criteria[1].run'],
      ['error', 'contract/invalid', 3, 1, 'owns'],
      ['error', 'contract/invalid', 4, 1, 'serve'],
      // No http-without-serve for `lat`, no unverifiable for `empty` (its error says why), no no-owns.
      ['warning', 'lint/vague-criterion', 8, 5, 'criterion vague'],
    ]);
  });
});

describe('baton plan', () => {
  function shop(): TempRepo {
    return repo({
      'specs/feature-001-authentication/contract.md': ok('feature-001-authentication', [
        'estimate_minutes: 30',
        'owns: [src/auth/**]',
      ]),
      'specs/feature-002-product-catalog/contract.md': CATALOG_HEADING_FORM,
      'specs/feature-003-cart/contract.md': ok('feature-003-cart', [
        'depends_on: [feature-001-authentication]',
        'estimate_minutes: 20',
        'owns: [src/catalog/cart.ts]',
      ]),
      'specs/feature-004-search/contract.md': ok('feature-004-search', ['estimate_minutes: 40']),
    });
  }

  it('--json: features, waves, integration points, critical path, Amdahl', async () => {
    const r = shop();
    const out = await runBaton(['plan', '--json'], { cwd: r.root });
    expect(out.code).toBe(0);
    const plan = JSON.parse(out.stdout);
    expect(plan.features.map((f: { feature_id: string }) => f.feature_id)).toEqual([
      'feature-001-authentication',
      'feature-004-search',
      'feature-002-product-catalog',
      'feature-003-cart',
    ]);
    expect(plan.waves).toEqual([
      ['feature-001-authentication', 'feature-004-search'],
      ['feature-002-product-catalog', 'feature-003-cart'],
    ]);
    expect(plan.integration_points).toEqual({
      potential: 6,
      declared: 2,
      overlaps: [{ a: 'feature-002-product-catalog', b: 'feature-003-cart', pattern: 'src/catalog/cart.ts' }],
    });
    expect(plan.critical_path).toEqual({
      feature_ids: ['feature-001-authentication', 'feature-002-product-catalog'],
      minutes: 90,
    });
    expect(plan.amdahl).toEqual({ sequential_minutes: 150, parallel_minutes: 90, max_speedup: 150 / 90 });
  });

  it('prints a table with waves, critical path, integration points, Amdahl bound and hotspots, without colour', async () => {
    const r = shop();
    const out = await runBaton(['plan'], { cwd: r.root });
    expect(out.code).toBe(0);
    expect(out.stdout).toContain('4 features in 2 waves');
    expect(out.stdout).toMatch(
      /^2\s+feature-002-product-catalog \*\s+60 min\s+feature-001-authentication, Shared Logging Service$/m,
    );
    expect(out.stdout).toContain(
      'critical path   feature-001-authentication → feature-002-product-catalog (90 min)',
    );
    expect(out.stdout).toContain(
      '6 potential points (N·(N−1)/2, N = 4), 2 declared dependencies, 1 owns overlap',
    );
    expect(out.stdout).toContain('at most 1.7× faster');
    expect(out.stdout).toContain(
      'feature-002-product-catalog ↔ feature-003-cart: both own src/catalog/cart.ts',
    );
    expect(out.stdout).not.toContain('\x1b[');
  });

  it('names one thing "hotspot": an owns overlap is counted as one, and the hotspot count is the score\'s alone', async () => {
    const r = repo({
      'src/index.js': 'x\n',
      'specs/feature-003-api/contract.md': ok('feature-003-api', ['owns: [src/api/**, src/index.js]']),
      'specs/feature-004-cli/contract.md': ok('feature-004-cli', ['owns: [src/cli/**, src/index.js]']),
    });
    r.commit('contracts');
    const out = await runBaton(['plan'], { cwd: r.root });
    expect(out.code).toBe(0);
    const lines = out.stdout.split('\n');
    // The overlap, counted once from the plan, and again as the conflict pair it makes.
    expect(lines.filter((l) => /owns.overlap/.test(l))).toEqual([
      expect.stringMatching(/, 1 owns overlap$/),
      'owns overlaps (predicted conflicts: owned paths overlap, no dependency between the two):',
      '  predicted conflict pairs   1: feature-003-api ↔ feature-004-cli (owns-overlap)',
    ]);
    // Hotspots (files no feature owns) are counted in one place, and no other line counts them differently.
    const counted = /\d+ (\w+ )?hotspots?\b|\bhotspots?\s+\d/i;
    expect(lines.filter((l) => counted.test(l))).toEqual(['  hotspots                   0']);
    const json = JSON.parse((await runBaton(['plan', '--json'], { cwd: r.root })).stdout);
    expect(json.integration_points.overlaps).toHaveLength(1);
    expect(json.decomposition.hotspots).toEqual([]);
  });

  it('escapes control characters a contract writes in a service or an owned path, colour codes included', async () => {
    const r = repo({
      'specs/a/contract.md': ok('a', [
        'depends_on: { services: ["Log\\e[31mRED\\e[2Jcleared"] }',
        'owns: ["src/x\\e[31m/**"]',
      ]),
      'specs/b/contract.md': ok('b', ['owns: ["src/x\\e[31m/**"]']),
    });
    const out = await runBaton(['plan', '--no-coupling'], { cwd: r.root });
    expect(out.code).toBe(0);
    expect(out.stdout).not.toContain('\x1b');
    expect(out.stdout).toContain('Log\\x1b[31mRED\\x1b[2Jcleared');
    expect(out.stdout).toContain('a ↔ b: both own src/x\\x1b[31m/**');
    for (const format of ['mermaid', 'dot']) {
      const drawn = await runBaton(['plan', '--format', format], { cwd: r.root });
      expect(drawn.stdout).not.toContain('\x1b');
      expect(drawn.stdout).toContain('x1b[31m/**');
    }
  });

  it('--format mermaid and dot draw the dependency graph', async () => {
    const r = shop();
    const mermaid = await runBaton(['plan', '--format', 'mermaid'], { cwd: r.root });
    expect(mermaid.stdout.split('\n')[0]).toBe('flowchart LR');
    expect(mermaid.stdout).toContain('f0 --> f2');
    expect(mermaid.stdout).toContain('f2 -.-|"overlap: src/catalog/cart.ts"| f3');
    const dot = await runBaton(['plan', '--format', 'dot'], { cwd: r.root });
    expect(dot.stdout).toContain('"feature-001-authentication" -> "feature-003-cart";');
    expect(dot.stdout).toContain('{ rank=same; "feature-001-authentication"; "feature-004-search"; }');
    const bad = await runBaton(['plan', '--format', 'svg'], { cwd: r.root });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown format "svg"; expected one of text, json, mermaid, dot');
  });

  it('refuses an invalid project with located diagnostics (exit 1)', async () => {
    const r = repo({ 'specs/a/contract.md': ok('a', ['depends_on: [ghost]']) });
    const out = await runBaton(['plan'], { cwd: r.root });
    expect(out.code).toBe(1);
    expect(out.stderr).toContain(
      'specs/a/contract.md:3:14: error: a depends on "ghost", which is not a known feature; known ids: a',
    );
  });
});
