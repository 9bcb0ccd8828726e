import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../src/errors.js';
import { runBaton } from '../rig/cli.js';
import { contractFiles, type TestContract } from '../rig/contracts.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

const criteria = [{ id: 'tests', text: 'tests pass', run: 'true' }];
const CONTRACTS: TestContract[] = [
  { id: 'feature-001-auth', owns: ['src/auth/**'], criteria },
  { id: 'feature-002-catalog', owns: ['src/catalog/**'], criteria },
  { id: 'feature-003-stock', owns: ['src/stock/**'], criteria },
  { id: 'feature-004-billing', owns: ['src/billing/**'], criteria },
];

/**
 * A shop with a known history: catalog and stock always change together; billing secretly imports
 * auth; every feature edits the shared route table src/routes.ts; auth and catalog never share a file.
 */
function shop(): TempRepo {
  const r = makeRepo({
    'README.md': '# shop\n',
    'src/routes.ts': 'export const routes = [];\n',
    ...contractFiles(CONTRACTS),
  });
  repos.push(r);
  const route = (n: number) => ({ 'src/routes.ts': `export const routes = [${'0,'.repeat(n)}];\n` });
  let n = 0;
  for (let i = 0; i < 4; i++) {
    r.commit(`catalog and stock ${i}`, {
      [`src/catalog/c${i}.ts`]: `export const c${i} = ${i};\n`,
      [`src/stock/s${i}.ts`]: `export const s${i} = ${i};\n`,
      ...route(++n),
    });
  }
  for (let i = 0; i < 4; i++)
    r.commit(`auth ${i}`, { [`src/auth/a${i}.ts`]: `export const a${i} = 1;\n`, ...route(++n) });
  r.commit('auth session', {
    'src/auth/session.ts': 'export function session(): string {\n  return "s";\n}\n',
  });
  for (let i = 0; i < 4; i++)
    r.commit(`billing ${i}`, { [`src/billing/b${i}.ts`]: `export const b${i} = 1;\n`, ...route(++n) });
  r.commit('invoice', {
    'src/billing/invoice.ts': [
      "import type { Money } from './money';",
      '',
      "import { session } from '../auth/session.js';",
      'export const invoice = (m: Money) => [session(), m].join(":");',
      '',
    ].join('\n'),
    'src/billing/money.ts': 'export type Money = number;\n',
  });
  return r;
}

async function lintWarnings(root: string): Promise<Diagnostic[]> {
  const r = await runBaton(['lint', '--json'], { cwd: root });
  expect(r.stderr).toBe('');
  return (JSON.parse(r.stdout) as { diagnostics: Diagnostic[] }).diagnostics;
}

const mentions = (d: Diagnostic, a: string, b: string) => d.message.includes(a) && d.message.includes(b);

describe('coupling analysis on a repository with a known history', () => {
  // One shop for the read-only tests; the tests that commit build their own.
  let shared: TempRepo;
  beforeAll(() => {
    shared = shop();
    repos.splice(repos.indexOf(shared), 1);
  });
  afterAll(() => shared.cleanup());
  it('flags the two features whose files always change together, with support and the latest example', async () => {
    const r = shared;
    const warnings = await lintWarnings(r.root);
    const cochange = warnings.filter((d) => d.code === 'coupling/co-change');
    expect(cochange).toHaveLength(1);
    expect(cochange[0]?.message).toMatch(
      /^feature-002-catalog and feature-003-stock changed together in 4 of the last \d+ commits \(e\.g\. [0-9a-f]{7,} 'catalog and stock 3'\): declare a dependency or move the shared part into one feature$/,
    );
    expect(cochange[0]?.location?.file).toBe('specs/feature-002-catalog/contract.md');
  });

  it('flags the hidden import with its file and line', async () => {
    const r = shared;
    const imports = (await lintWarnings(r.root)).filter((d) => d.code === 'coupling/undeclared-import');
    expect(imports).toHaveLength(1);
    expect(imports[0]).toMatchObject({
      message:
        'undeclared dependency: src/billing/invoice.ts:3 imports src/auth/session.ts (owned by feature-001-auth) but feature-004-billing does not depend on feature-001-auth',
      location: { file: 'src/billing/invoice.ts', line: 3 },
      source: "import { session } from '../auth/session.js';",
    });
  });

  it('names the shared route table as a hotspot, with the registry fix', async () => {
    const r = shared;
    const hot = (await lintWarnings(r.root)).filter((d) => d.code === 'coupling/hotspot');
    expect(hot.map((d) => d.location?.file)).toEqual(['src/routes.ts']);
    expect(hot[0]?.message).toContain(
      '(route-table) is owned by no feature but changed with the files of 4 of 4 features',
    );
    expect(hot[0]?.hint).toMatch(/one file per feature/);
  });

  it('gives no warning for a truly independent pair, none once the dependencies are declared, and reads only the window', async () => {
    const r = shop();
    const warnings = (await lintWarnings(r.root)).filter((d) => d.code !== 'coupling/hotspot');
    expect(warnings.filter((d) => mentions(d, 'feature-001-auth', 'feature-002-catalog'))).toEqual([]);
    expect(warnings.filter((d) => mentions(d, 'feature-001-auth', 'feature-003-stock'))).toEqual([]);
    // Once .baton/ exists the imports are cached; an edited file is read again.
    mkdirSync(join(r.root, '.baton'));
    await lintWarnings(r.root);
    expect(existsSync(join(r.root, '.baton', 'cache', 'imports.json'))).toBe(true);
    const invoice = join(r.root, 'src/billing/invoice.ts');
    writeFileSync(invoice, `// moved down a line\n${readFileSync(invoice, 'utf8')}`);
    const moved = (await lintWarnings(r.root)).find((d) => d.code === 'coupling/undeclared-import');
    expect(moved?.location).toEqual({ file: 'src/billing/invoice.ts', line: 4 });
    // Declaring what the history and the imports say leaves only the hotspot.
    r.commit('declare', {
      ...contractFiles([
        CONTRACTS[0] as TestContract,
        CONTRACTS[1] as TestContract,
        { ...(CONTRACTS[2] as TestContract), depends: ['feature-002-catalog'] },
        { ...(CONTRACTS[3] as TestContract), depends: ['feature-001-auth'] },
      ]),
    });
    expect((await lintWarnings(r.root)).map((d) => d.code)).toEqual(['coupling/hotspot']);
    // The configured window bounds the history read; the flag overrides it.
    r.commit('config', { 'baton.config.json': JSON.stringify({ coupling: { window: 6 } }) });
    const json = JSON.parse((await runBaton(['couple', '--json'], { cwd: r.root })).stdout);
    expect(json.analysis.commits).toBe(6);
    expect(json.analysis.pairs).toEqual([]);
    const flag = JSON.parse(
      (await runBaton(['couple', '--json', '--window', '100'], { cwd: r.root })).stdout,
    );
    expect(flag.analysis.commits).toBe(17);
  });

  it.each([
    ['--window', '1000'],
    ['--min-support', '3'],
  ])('refuses %s 0 with an example of its own kind', async (flag, example) => {
    const r = await runBaton(['couple', flag, '0'], { cwd: shared.root });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${flag} must be a whole number of 1 or more, got "0" [usage/number]`);
    expect(r.stderr).toContain(`e.g. ${flag} ${example}\n`);
  });

  it('is silent on two features that share neither a commit, an import nor a file', async () => {
    const r = makeRepo({ 'README.md': '# two\n', ...contractFiles(CONTRACTS.slice(0, 2)) });
    repos.push(r);
    for (let i = 0; i < 5; i++) {
      r.commit(`auth ${i}`, { [`src/auth/a${i}.ts`]: `import { x } from './x';\nexport const a = x;\n` });
      r.commit(`catalog ${i}`, { [`src/catalog/c${i}.ts`]: `export const c${i} = ${i};\n` });
    }
    expect(await lintWarnings(r.root)).toEqual([]);
    const plan = await runBaton(['plan', '--json'], { cwd: r.root });
    expect(JSON.parse(plan.stdout).decomposition).toMatchObject({ penalty: 0, predicted_conflict_pairs: [] });
  });

  it('scores the plan: conflict pairs, undeclared dependencies, hotspots, critical path, Amdahl bound', async () => {
    const r = shared;
    const json = JSON.parse((await runBaton(['plan', '--json'], { cwd: r.root })).stdout);
    expect(json.decomposition).toMatchObject({
      features: 4,
      predicted_conflict_pairs: [
        { a: 'feature-002-catalog', b: 'feature-003-stock', reasons: ['co-change'] },
      ],
      undeclared_dependencies: 1,
      hotspots: ['src/routes.ts'],
      penalty: 3,
    });
    const text = await runBaton(['plan'], { cwd: r.root });
    expect(text.stdout).toContain('decomposition score: 3');
    expect(text.stdout).toContain('feature-002-catalog ↔ feature-003-stock (co-change)');
    const couple = await runBaton(['couple'], { cwd: r.root });
    expect(couple.code).toBe(0);
    expect(couple.stdout).toMatch(/flagged\s+feature-002-catalog ↔ feature-003-stock\s+4\s+100 %/);
    expect(couple.stdout).toContain('src/billing/invoice.ts:3 imports src/auth/session.ts');
  });
});
