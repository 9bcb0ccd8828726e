/**
 * Agents may rewrite `.baton/cache/contracts.json` (ignored by git, so no watch sees it): the commands that
 * decide on a contract read it from its file; only the commands that show the contracts use the cache.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runBaton } from '../rig/cli.js';
import { contractFiles } from '../rig/contracts.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';
import { watchWorld } from './rig.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

/** fa's check wants GOOD in src/fa/a.txt; its agent writes BAD there and README.md, outside its `owns`. */
function failingRepo(): TempRepo {
  const r = makeRepo({
    'README.md': '# app\n',
    ...contractFiles([
      {
        id: 'fa',
        agent: { command: 'mkdir -p src/fa && echo BAD > src/fa/a.txt && echo x > README.md' },
        criteria: [{ id: 'ok', text: 'the file says GOOD', run: 'grep -q GOOD src/fa/a.txt' }],
      },
    ]),
  });
  cleanups.push(() => r.cleanup());
  return r;
}

/** Rewrites fa's cached parse as an agent would: its check always passes and it owns everything. */
function forgeCache(root: string): void {
  const file = join(root, '.baton', 'cache', 'contracts.json');
  const data = JSON.parse(readFileSync(file, 'utf8'));
  const value = data.entries['specs/fa/contract.md'].result.value;
  value.acceptance_criteria[0].run = 'true';
  value.owns = ['**'];
  writeFileSync(file, JSON.stringify(data));
}

describe('adversarial: a forged contracts parse cache decides nothing', () => {
  it('verify and integrate --into judge the feature by its contract file, not by the cache', async () => {
    const r = failingRepo();
    const world = watchWorld(r);
    expect((await runBaton(['run'], { cwd: r.root })).code).toBe(1);
    expect((await runBaton(['lint'], { cwd: r.root })).code).toBe(0);
    forgeCache(r.root);
    // The forged entry is the one the cache serves: a command that only shows the contracts sees it.
    const plan = await runBaton(['plan', '--json'], { cwd: r.root });
    expect(plan.stdout).toContain('"**"');

    const verify = await runBaton(['verify', 'fa'], { cwd: r.root });
    expect(verify.code, verify.stdout + verify.stderr).toBe(1);
    expect(verify.stdout).toMatch(/checks 0\/2/);
    expect(verify.stdout).toContain('changed outside owns: README.md');

    const resumed = await runBaton(['run', '--resume', 'fa'], { cwd: r.root });
    expect(resumed.code).toBe(1);

    await runBaton(['integrate', '--into', 'main'], { cwd: r.root });
    expect(r.git('show', 'main:README.md')).toBe('# app');
    expect(r.git('ls-tree', '--name-only', 'main', 'src/fa/a.txt')).toBe('');
    world.expectUntouched();
  });
});

/** A repository with `.baton/` (so the caches are kept) and contracts fa and fb, fa's source importing fb's. */
function cachedRepo(): TempRepo {
  const r = makeRepo({
    'README.md': '# app\n',
    '.gitignore': '.baton/\n',
    'src/fa/a.js': "import { b } from '../fb/b.js';\n",
    'src/fb/b.js': 'export const b = 1;\n',
    ...contractFiles([
      {
        id: 'fa',
        agent: { command: 'true' },
        criteria: [{ id: 'ok', text: 'exists', run: 'test -f src/fa/a.js' }],
      },
      {
        id: 'fb',
        agent: { command: 'true' },
        criteria: [{ id: 'ok', text: 'exists', run: 'test -f src/fb/b.js' }],
      },
    ]),
  });
  cleanups.push(() => r.cleanup());
  mkdirSync(join(r.root, '.baton'));
  return r;
}

/** A cache file's entries, edited as loosely as a hostile writer would. */
// biome-ignore lint/suspicious/noExplicitAny: the test breaks the entries' types on purpose
type Entries = Record<string, any>;

/** Rewrites one cache file of `.baton/cache/` through `edit`, as any process running as the user can. */
function editCache(root: string, name: string, edit: (entries: Entries) => void): void {
  const file = join(root, '.baton', 'cache', name);
  const data = JSON.parse(readFileSync(file, 'utf8'));
  edit(data.entries);
  writeFileSync(file, JSON.stringify(data));
}

/** Runs each command and expects its ordinary answer: no internal error, the features named. */
async function expectAnswers(root: string, commands: string[][]): Promise<void> {
  for (const args of commands) {
    const res = await runBaton(args, { cwd: root });
    expect(res.stderr, args.join(' ')).not.toMatch(/internal error|\n\s+at /);
    expect(res.code, `${args.join(' ')}: ${res.stderr}`).toBe(0);
  }
}

describe('adversarial: an ill-typed cache entry is a miss, parsed again', () => {
  const fa = 'specs/fa/contract.md';
  it.each<[string, (e: Entries) => void]>([
    ['owns: 5', (e) => Object.assign(e[fa].result.value, { owns: 5 })],
    ['depends_on: null', (e) => Object.assign(e[fa].result.value, { depends_on: null })],
    ['a result without warnings', (e) => Object.assign(e[fa], { result: { ok: true } })],
    ['a criterion of null', (e) => Object.assign(e[fa].result.value, { acceptance_criteria: [null] })],
    ['a warning of null', (e) => Object.assign(e[fa].result, { warnings: [null] })],
    ['a feature_id that is a path', (e) => Object.assign(e[fa].result.value, { feature_id: '../../x' })],
    ['an entry of null', (e) => Object.assign(e, { [fa]: null })],
  ])('contracts.json with %s', async (_what, edit) => {
    const r = cachedRepo();
    await expectAnswers(r.root, [['lint']]);
    editCache(r.root, 'contracts.json', edit);
    await expectAnswers(r.root, [['lint'], ['plan'], ['run', '--dry-run'], ['status']]);
    const plan = await runBaton(['plan', '--json'], { cwd: r.root });
    const features = (JSON.parse(plan.stdout) as { features: Array<{ feature_id: string; owns: string[] }> })
      .features;
    expect(features.map((f) => [f.feature_id, f.owns])).toEqual([
      ['fa', ['src/fa/**']],
      ['fb', ['src/fb/**']],
    ]);
    // Parsed again and written back as Baton writes it.
    editCache(r.root, 'contracts.json', (entries) => {
      expect(entries[fa].result.value.owns).toEqual(['src/fa/**']);
    });
  });

  it.each<[string, (e: Entries) => void]>([
    ['sites: [null]', (e) => Object.assign(e['src/fa/a.js'], { sites: [null] })],
    ['sites: 5', (e) => Object.assign(e['src/fa/a.js'], { sites: 5 })],
    ['a site without its specifier', (e) => Object.assign(e['src/fa/a.js'].sites[0], { specifier: 7 })],
  ])('imports.json with %s', async (_what, edit) => {
    const r = cachedRepo();
    await expectAnswers(r.root, [['couple']]);
    editCache(r.root, 'imports.json', edit);
    await expectAnswers(r.root, [['lint'], ['plan'], ['couple']]);
    editCache(r.root, 'imports.json', (entries) => {
      expect(entries['src/fa/a.js'].sites[0].specifier).toBe('../fb/b.js');
    });
  });
});
