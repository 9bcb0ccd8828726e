import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { loadContracts, rereadContract } from '../../src/contracts/load.js';
import { UserError } from '../../src/errors.js';
import { loadProject, selectFeatures } from '../../src/project.js';
import { runBaton } from '../rig/cli.js';
import { gitProcessesDuring } from '../rig/git-trace.js';
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

const contract = (id: string, deps: string[] = []) =>
  `---\nfeature_id: ${id}\ndepends_on: ${JSON.stringify(deps)}\nowns: ["src/${id}/**"]\n---\nBuild ${id}.\n`;

function configOf(root: string) {
  const c = loadConfig(root);
  if (!c.ok) throw new Error('bad config');
  return c.value;
}

describe('loadContracts', () => {
  it('reads specs/*/contract.md with sibling spec.md, paths relative to the root, in folder order', async () => {
    const r = repo({
      'specs/feature-002-b/contract.md': contract('feature-002-b', ['feature-001-a']),
      'specs/feature-002-b/spec.md': 'Details for b.\n',
      'specs/feature-001-a/contract.md': '## feature_id\nfeature-001-a\n',
      'specs/notes/README.md': 'not a feature\n',
    });
    const result = await loadContracts(configOf(r.root));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.map((c) => [c.feature_id, c.file, c.spec])).toEqual([
      ['feature-001-a', 'specs/feature-001-a/contract.md', undefined],
      ['feature-002-b', 'specs/feature-002-b/contract.md', 'Details for b.\n'],
    ]);
    expect(result.warnings.map((w) => w.code)).toEqual(['contracts/missing-contract']);
  });

  it('names the contracts one level too deep that a folder without contract.md takes with it', async () => {
    const r = repo({
      'specs/feature-001-a/contract.md': contract('feature-001-a'),
      'specs/backend/feature-002-b/contract.md': contract('feature-002-b'),
      'specs/backend/feature-003-c/contract.md': contract('feature-003-c'),
      'specs/backend/notes/README.md': 'not a feature\n',
    });
    const result = await loadContracts(configOf(r.root));
    expect(result.ok && result.value.map((c) => c.feature_id)).toEqual(['feature-001-a']);
    expect(result.ok && result.warnings).toEqual([
      {
        severity: 'warning',
        code: 'contracts/missing-contract',
        location: { file: 'specs/backend' },
        message:
          'specs/backend/ has no contract.md; the folder is skipped, and the contracts one level below it with it: specs/backend/feature-002-b/contract.md, specs/backend/feature-003-c/contract.md',
        hint: "A feature's folder sits directly in specs/: move each up (specs/backend/feature-002-b/ to specs/feature-002-b/).",
      },
    ]);
  });

  it('names a contract written directly in the specs folder, and where it goes; other files there are left alone', async () => {
    const r = repo({
      'specs/feature-001-a/contract.md': contract('feature-001-a'),
      'specs/feature-002-cart.md': contract('feature-002-cart'),
      'specs/contract.md': '---\nfeature_id: "Not An Id"\n---\n',
      'specs/Checkout.md': '# Checkout\n\n## feature_id\nfeature-003-checkout\n',
      'specs/README.md': '# Specs\n\nOne folder per feature.\n',
      'specs/notes.md': '---\ntitle: notes\n---\nfeature_id: is not in the front matter\n',
      'specs/diagram.png': 'feature_id: x\n',
      'specs/.gitkeep': '',
      'notes.md': contract('linked'),
    });
    // A link to a file is not followed, as a feature's own files are read only inside the repository.
    symlinkSync('../notes.md', join(r.root, 'specs/linked.md'));
    const result = await loadContracts(configOf(r.root));
    expect(result.ok && result.value.map((c) => c.feature_id)).toEqual(['feature-001-a']);
    expect(result.ok && result.warnings.map((w) => [w.code, w.location?.file, w.message, w.hint])).toEqual([
      [
        'contracts/misplaced-contract',
        'specs/Checkout.md',
        "specs/Checkout.md looks like a contract (feature_id feature-003-checkout) but is not read: a contract lives in its feature's folder, specs/<feature_id>/contract.md",
        'Move specs/Checkout.md to specs/feature-003-checkout/contract.md.',
      ],
      [
        'contracts/misplaced-contract',
        'specs/contract.md',
        "specs/contract.md looks like a contract but is not read: a contract lives in its feature's folder, specs/<feature_id>/contract.md",
        'Move specs/contract.md to specs/<feature_id>/contract.md, the folder named by its feature_id.',
      ],
      [
        'contracts/misplaced-contract',
        'specs/feature-002-cart.md',
        "specs/feature-002-cart.md looks like a contract (feature_id feature-002-cart) but is not read: a contract lives in its feature's folder, specs/<feature_id>/contract.md",
        'Move specs/feature-002-cart.md to specs/feature-002-cart/contract.md.',
      ],
    ]);
  });

  it('says why no contract was found when the only one sits directly in the specs folder', async () => {
    const r = repo({ 'specs/contract.md': contract('feature-001-a') });
    const err = (await loadProject(r.root).catch((e: unknown) => e)) as UserError;
    expect(err.code).toBe('contracts/none');
    expect(err.diagnostics.map((d) => [d.code, d.location?.file])).toEqual([
      ['contracts/misplaced-contract', 'specs/contract.md'],
    ]);
    expect(err.hint).toBe('Move specs/contract.md to specs/feature-001-a/contract.md.');
    const lint = await runBaton(['lint', '--no-coupling'], { cwd: r.root });
    expect(lint.code).toBe(1);
    expect(lint.stderr).toContain('specs/contract.md: warning: specs/contract.md looks like a contract');
    expect(lint.stderr).toContain('[contracts/none]');
  });

  it('honours the specs folder of the config and warns when an id differs from its folder', async () => {
    const r = repo({
      'baton.config.json': '{"specs": "contracts"}',
      'contracts/upload/contract.md': contract('feature-003-upload'),
    });
    const result = await loadContracts(configOf(r.root));
    expect(result.ok && result.warnings.map((w) => [w.code, w.location?.file, w.location?.line])).toEqual([
      ['contracts/folder-mismatch', 'contracts/upload/contract.md', 2],
    ]);
  });

  it('collects every invalid contract, each naming its file', async () => {
    const r = repo({
      'specs/a/contract.md': '---\nfeature_id: "a b"\n---\n',
      'specs/b/contract.md': '---\ntitle: no id\n---\n',
    });
    const result = await loadContracts(configOf(r.root));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => [e.code, e.location?.file])).toEqual([
      ['contract/invalid-id', 'specs/a/contract.md'],
      ['contract/missing-field', 'specs/b/contract.md'],
    ]);
  });
});

describe('loadProject', () => {
  it('finds the main checkout from inside a linked worktree', async () => {
    const r = repo({
      'specs/feature-001-a/contract.md': contract('feature-001-a'),
      'specs/feature-002-b/contract.md': contract('feature-002-b', ['feature-001-a']),
    });
    const linked = join(r.root, '..', 'wt-a');
    r.git('worktree', 'add', '-q', '-b', 'baton/feature-001-a', linked);
    const project = await loadProject(join(linked, 'specs'));
    expect(project.root).toBe(r.root);
    expect(project.logPath).toBe(join(r.root, '.baton', 'log.jsonl'));
    expect(project.plan.waves).toEqual([['feature-001-a'], ['feature-002-b']]);
    expect(project.warnings).toEqual([]);
  });

  it('without a specs folder says to run baton init or baton new', async () => {
    const r = repo();
    const err = await loadProject(r.root).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).code).toBe('contracts/none');
    expect((err as UserError).hint).toMatch(/baton init.*baton new <name>/);
  });

  it('with an empty specs folder says to write a contract', async () => {
    const r = repo();
    mkdirSync(join(r.root, 'specs'));
    const err = (await loadProject(r.root).catch((e: unknown) => e)) as UserError;
    expect(err.code).toBe('contracts/none');
    expect(err.hint).toMatch(/baton new <name>/);
  });

  it('throws contracts/invalid with located diagnostics for a graph error', async () => {
    const r = repo({ 'specs/a/contract.md': contract('a', ['ghost']) });
    const err = (await loadProject(r.root).catch((e: unknown) => e)) as UserError;
    expect(err.code).toBe('contracts/invalid');
    expect(err.message).toBe('1 problem in the contracts');
    expect(err.diagnostics[0]?.code).toBe('plan/unknown-dependency');
    expect(err.diagnostics[0]?.location?.file).toBe('specs/a/contract.md');
  });

  it('judges owned-path overlaps on tracked files too', async () => {
    const r = repo({
      'specs/a/contract.md': '---\nfeature_id: a\nowns: ["src/+(db|cache).ts"]\n---\n',
      'specs/b/contract.md': '---\nfeature_id: b\nowns: ["src/d?.ts"]\n---\n',
      'src/db.ts': 'export {};\n',
    });
    const project = await loadProject(r.root);
    expect(project.plan.integration_points.overlaps).toEqual([{ a: 'a', b: 'b', pattern: 'src/db.ts' }]);
  });

  it('lists the tracked files only when an overlap could hide in them', async () => {
    const r = repo({ 'specs/a/contract.md': contract('a'), 'specs/b/contract.md': contract('b') });
    const apart = await gitProcessesDuring(r.root, async () => {
      await loadProject(r.root);
    });
    expect(apart.filter((cmd) => cmd.includes(' ls-files'))).toEqual([]);
    // Globs whose sample paths miss each other: only a file both match could show them overlapping.
    r.commit('owns that may meet', {
      'specs/a/contract.md': '---\nfeature_id: a\nowns: ["src/+(db|cache).ts"]\n---\n',
      'specs/b/contract.md': '---\nfeature_id: b\nowns: ["src/d?.ts"]\n---\n',
    });
    const meet = await gitProcessesDuring(r.root, async () => {
      await loadProject(r.root);
    });
    expect(meet.filter((cmd) => cmd.includes(' ls-files'))).toHaveLength(1);
  });
});

describe('selectFeatures', () => {
  it('returns all features in plan order, or the named ones in plan order, or refuses an unknown id', async () => {
    const r = repo({
      'specs/b/contract.md': contract('b', ['a']),
      'specs/a/contract.md': contract('a'),
      'specs/c/contract.md': contract('c'),
    });
    const { plan } = await loadProject(r.root);
    expect(selectFeatures(plan, [])).toEqual(['a', 'c', 'b']);
    expect(selectFeatures(plan, ['b', 'a'])).toEqual(['a', 'b']);
    const err = (() => {
      try {
        selectFeatures(plan, ['a', 'zz']);
      } catch (e) {
        return e as UserError;
      }
    })();
    expect(err?.message).toBe('unknown feature: zz; known ids: a, c, b');
    expect(err?.exitCode).toBe(1);
  });
});

describe('loadContracts with a parse cache', () => {
  it('reuses results of unchanged files and re-parses changed ones', async () => {
    const r = repo({
      'specs/a/contract.md': contract('a'),
      'specs/b/contract.md': '## feature_id\nb\n## depends_on\n- a\n',
    });
    const config = configOf(r.root);
    const cacheFile = join(r.root, '.baton', 'cache', 'contracts.json');
    const first = await loadContracts(config, { cacheFile });
    expect(first.ok).toBe(true);
    const stored = JSON.parse(readFileSync(cacheFile, 'utf8'));
    expect(Object.keys(stored.entries)).toEqual(['specs/a/contract.md', 'specs/b/contract.md']);

    // A hand-edited cache entry with a matching key is what comes back: proof the cache is read.
    stored.entries['specs/a/contract.md'].result.value.title = 'from the cache';
    writeFileSync(cacheFile, JSON.stringify(stored));
    const second = await loadContracts(config, { cacheFile });
    expect(second.ok && second.value.map((c) => c.title)).toEqual(['from the cache', 'b']);

    // Changing the text invalidates the entry.
    writeFileSync(join(r.root, 'specs/a/contract.md'), contract('a').replace('Build a.', 'Build A.'));
    const third = await loadContracts(config, { cacheFile });
    expect(third.ok && third.value.map((c) => c.title)).toEqual(['a', 'b']);
    // "a" is not shaped like feature-NNN, so b's heading-form dependency is a feature only while folder a exists.
    expect(third.ok && third.value[1]?.depends_on).toEqual({ features: ['a'], services: [] });
  });

  it('re-classifies heading-form dependencies when the set of features changes, and ignores a foreign cache', async () => {
    const r = repo({ 'specs/b/contract.md': '## feature_id\nb\n## depends_on\n- a\n' });
    const config = configOf(r.root);
    const cacheFile = join(r.root, '.baton', 'cache', 'contracts.json');
    const before = await loadContracts(config, { cacheFile });
    expect(before.ok && before.value[0]?.depends_on).toEqual({ features: [], services: ['a'] });
    r.write({ 'specs/a/contract.md': contract('a') });
    const after = await loadContracts(config, { cacheFile });
    expect(after.ok && after.value.find((c) => c.feature_id === 'b')?.depends_on).toEqual({
      features: ['a'],
      services: [],
    });
    writeFileSync(cacheFile, JSON.stringify({ fingerprint: 'older baton', entries: { x: 1 } }));
    const foreign = await loadContracts(config, { cacheFile });
    expect(foreign.ok && foreign.value.map((c) => c.feature_id)).toEqual(['a', 'b']);
    expect(Object.keys(JSON.parse(readFileSync(cacheFile, 'utf8')).entries)).toEqual([
      'specs/a/contract.md',
      'specs/b/contract.md',
    ]);
  });
});

describe('an unreadable spec.md is told as a spec', () => {
  it('names it once, and its hint is about the spec, not about writing a contract', async () => {
    const r = repo({ 'specs/a/contract.md': contract('a') });
    mkdirSync(join(r.root, 'specs/a/spec.md'), { recursive: true });
    const result = await loadContracts(configOf(r.root));
    if (result.ok) throw new Error('expected the spec to be refused');
    const [e] = result.errors;
    expect(e?.location?.file).toBe('specs/a/spec.md');
    expect(e?.message).toBe('the spec is a folder, not a regular file');
    expect(e?.hint).toContain('a spec is optional');
    expect(e?.hint).not.toContain('baton new');
  });
});

describe('a contract.md or spec.md that is a folder', () => {
  it('is a located error in lint and plan, not a stack trace; the other contracts are still read', async () => {
    const r = repo({ 'specs/a/contract.md': contract('a') });
    mkdirSync(join(r.root, 'specs/d/contract.md'), { recursive: true });
    mkdirSync(join(r.root, 'specs/a/spec.md'), { recursive: true });
    const lint = await runBaton(['lint', '--no-coupling'], { cwd: r.root });
    expect(lint.code).toBe(1);
    expect(lint.stderr).not.toContain('internal error');
    expect(lint.stdout).toContain(
      'specs/d/contract.md: error: the contract is a folder, not a regular file [contracts/not-a-file]',
    );
    expect(lint.stdout).toContain('specs/a/spec.md: error: the spec is a folder, not a regular file');
    const plan = await runBaton(['plan'], { cwd: r.root });
    expect(plan.code).toBe(1);
    expect(`${plan.stdout}${plan.stderr}`).not.toContain('internal error');
    expect(plan.stderr).toContain(
      'specs/d/contract.md: error: the contract is a folder, not a regular file [contracts/not-a-file]',
    );
  });
});

describe('plan and run stop with the errors lint reports', () => {
  it('a repeated criterion id in one contract and a cycle among the others: two problems each time', async () => {
    const r = repo({
      'specs/f/contract.md':
        '---\nfeature_id: f\nowns: ["src/f/**"]\nacceptance_criteria:\n  - { id: a, text: t, run: "true" }\n  - { id: a, text: u, run: "true" }\n---\n',
      'specs/g/contract.md': contract('g', ['g']),
    });
    const lint = await runBaton(['lint', '--json', '--no-coupling'], { cwd: r.root });
    const lintErrors = JSON.parse(lint.stdout)
      .diagnostics.filter((d: { severity: string }) => d.severity === 'error')
      .map((d: { code: string }) => d.code);
    expect(lintErrors).toEqual(['contract/duplicate-criterion', 'plan/cycle']);
    for (const command of [['plan'], ['run', '--dry-run']]) {
      const out = await runBaton(command, { cwd: r.root });
      expect(out.code).toBe(1);
      expect(out.stderr).toContain('[contract/duplicate-criterion]');
      expect(out.stderr).toContain('dependency cycle: g → g');
      expect(out.stderr).toContain('baton: 2 problems in the contracts [contracts/invalid]');
    }
  });
});

describe('a feature folder that is a symbolic link', () => {
  it('is read when it leads to a folder inside the repository, as a linked contract.md is', async () => {
    const r = repo({
      'shared/api/contract.md': contract('api'),
      'specs/web/contract.md': contract('web', ['api']),
    });
    symlinkSync('../shared/api', join(r.root, 'specs/api'));
    const result = await loadContracts(configOf(r.root));
    expect(result.ok && result.value.map((c) => [c.feature_id, c.file])).toEqual([
      ['api', 'specs/api/contract.md'],
      ['web', 'specs/web/contract.md'],
    ]);
    const lint = await runBaton(['lint', '--no-coupling'], { cwd: r.root });
    expect(lint.code).toBe(0);
    expect(lint.stdout).toContain('2 contracts:');
    expect(lint.stdout).not.toContain('unknown');
  });

  it('is refused, named, when it leads outside the repository or to nothing; a dependent is not told it is unknown', async () => {
    const r = repo({ 'specs/web/contract.md': contract('web', ['api']), 'notes.md': 'x\n' });
    const outside = mkdtempSync(join(tmpdir(), 'baton-outside-'));
    try {
      mkdirSync(join(outside, 'api'));
      writeFileSync(join(outside, 'api/contract.md'), contract('api'));
      symlinkSync(join(outside, 'api'), join(r.root, 'specs/api'));
      symlinkSync('../nowhere', join(r.root, 'specs/gone'));
      // A link to a file is left aside, as a file in the specs folder is.
      symlinkSync('../notes.md', join(r.root, 'specs/README.md'));
      const result = await loadContracts(configOf(r.root));
      if (result.ok) throw new Error('expected the links to be refused');
      expect(result.errors.map((e) => [e.code, e.location?.file])).toEqual([
        ['contracts/link-outside', 'specs/api'],
        ['contracts/broken-link', 'specs/gone'],
      ]);
      expect(result.errors[0]?.message).toBe(
        `specs/api is a symbolic link to ${join(outside, 'api')}, a folder outside the repository; Baton reads no contract from outside it`,
      );
      const lint = await runBaton(['lint', '--no-coupling'], { cwd: r.root });
      expect(lint.code).toBe(1);
      expect(lint.stdout).toContain('[contracts/link-outside]');
      expect(lint.stdout).not.toContain('plan/unknown-dependency');
      const plan = await runBaton(['plan'], { cwd: r.root });
      expect(plan.code).toBe(1);
      expect(plan.stderr).toContain('specs/gone: error: specs/gone is a symbolic link to ../nowhere');
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });
});

describe('a contract.md or spec.md that is a symbolic link', () => {
  it('is read when it leads to a file inside the repository', async () => {
    const r = repo({ 'shared/api.md': contract('api'), 'shared/api-spec.md': 'Details for api.\n' });
    mkdirSync(join(r.root, 'specs/api'), { recursive: true });
    symlinkSync('../../shared/api.md', join(r.root, 'specs/api/contract.md'));
    symlinkSync(join(r.root, 'shared/api-spec.md'), join(r.root, 'specs/api/spec.md'));
    const result = await loadContracts(configOf(r.root));
    expect(result.ok && result.value.map((c) => [c.feature_id, c.file, c.spec])).toEqual([
      ['api', 'specs/api/contract.md', 'Details for api.\n'],
    ]);
  });

  it('is refused, named, when it leads to a file outside the repository, which is never read', async () => {
    const r = repo({ 'specs/web/contract.md': contract('web') });
    const outside = mkdtempSync(join(tmpdir(), 'baton-outside-'));
    try {
      writeFileSync(join(outside, 'contract.md'), contract('api'));
      writeFileSync(join(outside, 'private.txt'), 'PRIVATE TEXT\n');
      mkdirSync(join(r.root, 'specs/api'));
      symlinkSync(join(outside, 'contract.md'), join(r.root, 'specs/api/contract.md'));
      // A relative link, as a cloned repository may hold, leads out just the same.
      const up = relative(join(r.root, 'specs/web'), join(outside, 'private.txt'));
      expect(up.startsWith('../../../')).toBe(true);
      symlinkSync(up, join(r.root, 'specs/web/spec.md'));
      const result = await loadContracts(configOf(r.root));
      if (result.ok) throw new Error('expected the links to be refused');
      expect(result.errors.map((e) => [e.code, e.location?.file, e.message])).toEqual([
        [
          'contracts/link-outside',
          'specs/api/contract.md',
          `specs/api/contract.md is a symbolic link to ${join(outside, 'contract.md')}, a file outside the repository; Baton reads no contract from outside it`,
        ],
        [
          'contracts/link-outside',
          'specs/web/spec.md',
          `specs/web/spec.md is a symbolic link to ${up}, a file outside the repository; Baton reads no spec from outside it`,
        ],
      ]);
      const lint = await runBaton(['lint', '--no-coupling'], { cwd: r.root });
      expect(lint.code).toBe(1);
      expect(lint.stdout).toContain('specs/web/spec.md: error: specs/web/spec.md is a symbolic link');
      expect(lint.stdout).not.toContain('PRIVATE');
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('is refused when read again after the load (a queued run sends its text), and read when inside', () => {
    const r = repo({ 'shared/api.md': contract('api'), 'specs/web/contract.md': contract('web') });
    mkdirSync(join(r.root, 'specs/api'), { recursive: true });
    symlinkSync('../../shared/api.md', join(r.root, 'specs/api/contract.md'));
    expect(rereadContract(r.root, 'specs/api/contract.md')).toBe(contract('api'));
    const secret = join(r.root, '..', 'private.md');
    writeFileSync(secret, 'PRIVATE TEXT\n');
    rmSync(join(r.root, 'specs/web/contract.md'));
    symlinkSync(secret, join(r.root, 'specs/web/contract.md'));
    const err = (() => {
      try {
        rereadContract(r.root, 'specs/web/contract.md');
      } catch (e) {
        return e;
      }
      return undefined;
    })() as UserError;
    expect(err).toBeInstanceOf(UserError);
    expect([err.code, err.message]).toEqual([
      'contracts/link-outside',
      `specs/web/contract.md is a symbolic link to ${secret}, a file outside the repository; Baton reads no contract from outside it`,
    ]);
  });
});
