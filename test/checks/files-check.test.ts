import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findMatches } from '../../src/checks/files-check.js';
import { verifyFeature } from '../../src/checks/verify.js';
import type { Criterion } from '../../src/contracts/schema.js';
import type { CheckFailed, CheckPassed } from '../../src/log/events.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';
import { criterion, makeContract, makeProject } from './rig.js';

let repo: TempRepo;
afterEach(() => repo?.cleanup());

/** A repo with a base commit, and a worktree on `baton/feature-002-catalog` for the agent's work. */
function setup() {
  repo = makeRepo({ 'README.md': '# shop\n', 'src/db.ts': 'export const db = 1;\n' });
  const worktree = join(repo.root, '..', 'wt-catalog');
  repo.git('worktree', 'add', '-q', '-b', 'baton/feature-002-catalog', worktree, 'main');
  const inWorktree = (...args: string[]) => repo.git('-C', worktree, ...args);
  const commitInWorktree = (files: Record<string, string>) => {
    for (const [path, content] of Object.entries(files)) {
      repo.write({ [join('..', 'wt-catalog', path)]: content });
    }
    inWorktree('add', '-A');
    inWorktree('commit', '-q', '-m', 'agent work');
  };
  return { worktree, commitInWorktree };
}

async function verifyFiles(
  worktree: string,
  files: Criterion['files'],
  owns = ['src/catalog/**', 'test/catalog/**'],
) {
  const project = makeProject();
  const contract = makeContract(
    'feature-002-catalog',
    [criterion({ id: 'scope', text: 'stays in scope', ...(files ? { files } : {}) })],
    {
      owns,
    },
  );
  const report = await verifyFeature({
    contract,
    cwd: worktree,
    on: 'worktree',
    port: 41000,
    diff: { base: 'main', branch: 'baton/feature-002-catalog' },
    config: project.config,
    logPath: project.logPath,
  });
  // The implicit `owns` criterion runs too when `scope` does not check ownership itself.
  return report.events.find((e) => 'criterion_id' in e && e.criterion_id === 'scope') as
    | CheckPassed
    | CheckFailed;
}

describe('files.untouched_outside_owns', () => {
  it('fails when the agent also edited a file outside owns, naming the file', async () => {
    const { worktree, commitInWorktree } = setup();
    commitInWorktree({ 'src/catalog/index.ts': 'export {};\n', 'src/db.ts': 'export const db = 2;\n' });
    const event = await verifyFiles(worktree, { untouched_outside_owns: true });
    expect(event.type).toBe('check.failed');
    expect(event.message).toBe('changed outside owns: src/db.ts (owns: src/catalog/**, test/catalog/**)');
    expect(event.measured?.files).toEqual(['src/db.ts']);
  });

  it('passes when every change is inside owns, even after main moved on', async () => {
    const { worktree, commitInWorktree } = setup();
    commitInWorktree({ 'src/catalog/index.ts': 'export {};\n', 'test/catalog/a.test.ts': '\n' });
    // Changes on main since the branch point are not the feature's.
    repo.commit('main moves on', { 'src/db.ts': 'export const db = 3;\n' });
    const event = await verifyFiles(worktree, { untouched_outside_owns: true });
    expect(event.type, event.message).toBe('check.passed');
    expect(event.message).toBe('2 changed files, none outside owns (src/catalog/**, test/catalog/**)');
  });

  it('sees uncommitted edits in the feature’s worktree too', async () => {
    const { worktree, commitInWorktree } = setup();
    commitInWorktree({ 'src/catalog/index.ts': 'export {};\n' });
    repo.write({ [join('..', 'wt-catalog', 'package.json')]: '{}\n' });
    const event = await verifyFiles(worktree, { untouched_outside_owns: true });
    expect(event.message).toBe('changed outside owns: package.json (owns: src/catalog/**, test/catalog/**)');
  });

  it('fails clearly, on one line, when the base does not exist', async () => {
    const { worktree } = setup();
    const project = makeProject();
    const report = await verifyFeature({
      contract: makeContract('feature-002-catalog', [
        criterion({ id: 'scope', text: 'scope', files: { untouched_outside_owns: true } }),
      ]),
      cwd: worktree,
      on: 'worktree',
      port: 41000,
      diff: { base: 'no-such-branch', branch: 'baton/feature-002-catalog' },
      config: project.config,
      logPath: project.logPath,
    });
    const message = (report.events[0] as CheckFailed).message;
    expect(message).toMatch(/^could not diff baton\/feature-002-catalog against no-such-branch: git diff/);
    // git's several lines of stderr joined: a check's message is printed (and escaped) as one line.
    expect(message).not.toContain('\n');
    expect(message).toContain("unknown revision or path not in the working tree. Use '--'");
  });
});

describe('files.exist', () => {
  it('passes when every glob matches and fails naming the globs that match nothing', async () => {
    const { worktree, commitInWorktree } = setup();
    commitInWorktree({ 'src/catalog/index.ts': '\n', 'src/catalog/model.ts': '\n' });
    const ok = await verifyFiles(worktree, { exist: ['src/catalog/*.ts', 'README.md'] });
    expect(ok.type, ok.message).toBe('check.passed');
    expect(ok.message).toBe('3 files found for 2 globs');
    const missing = await verifyFiles(worktree, {
      exist: ['src/catalog/*.ts', 'docs/catalog.md', 'dist/**/*.js'],
    });
    expect(missing.type).toBe('check.failed');
    expect(missing.message).toBe('missing: docs/catalog.md, dist/**/*.js (no file matches)');
    expect(missing.measured?.files).toEqual(['docs/catalog.md', 'dist/**/*.js']);
  });

  it('finds files below the glob’s base and never inside .git or node_modules', () => {
    const { worktree, commitInWorktree } = setup();
    commitInWorktree({ 'a/b/c.ts': '\n', 'a/d.ts': '\n', 'node_modules/x/e.ts': '\n' });
    expect(findMatches(worktree, 'a/**/*.ts')).toEqual(['a/b/c.ts', 'a/d.ts']);
    expect(findMatches(worktree, '**/*.ts')).toEqual(['a/b/c.ts', 'a/d.ts', 'src/db.ts']);
    expect(findMatches(worktree, '**/HEAD')).toEqual([]);
    expect(findMatches(worktree, 'node_modules/x/e.ts')).toEqual(['node_modules/x/e.ts']);
  });

  it('counts a folder by the files in it: an empty one, which no commit can hold, is missing', async () => {
    const { worktree, commitInWorktree } = setup();
    commitInWorktree({ 'docs/guide/intro.md': '\n' });
    mkdirSync(join(worktree, 'docs', 'api'), { recursive: true });
    const empty = await verifyFiles(worktree, { exist: ['docs/api'] });
    expect(empty.type).toBe('check.failed');
    expect(empty.message).toBe('missing: docs/api (no file matches)');
    const full = await verifyFiles(worktree, { exist: ['docs/guide', 'docs/guide/'] });
    expect(full.type, full.message).toBe('check.passed');
    expect(findMatches(worktree, 'docs/guide')).toEqual(['docs/guide/intro.md']);
  });

  it('counts a folder named with ( or [ by its files, as owns reads such names (app/(shop), app/products/[id])', async () => {
    const { worktree, commitInWorktree } = setup();
    commitInWorktree({ 'app/(shop)/page.tsx': '\n', 'app/products/[id]/page.tsx': '\n' });
    const folders = ['app/(shop)', 'app/(shop)/', 'app/products/[id]', 'app/products/[id]/'];
    const event = await verifyFiles(worktree, { exist: [...folders, 'app/(shop)/**'] });
    expect(event.type, event.message).toBe('check.passed');
    expect(findMatches(worktree, 'app/(shop)')).toEqual(['app/(shop)/page.tsx']);
    expect(findMatches(worktree, 'app/products/[id]/')).toEqual(['app/products/[id]/page.tsx']);
    // The glob reading still counts: `[id]` is `i` or `d`.
    commitInWorktree({ 'app/products/i/x.ts': '\n' });
    expect(findMatches(worktree, 'app/products/[id]/*.ts')).toEqual(['app/products/i/x.ts']);
  });

  it('matches a file name holding a newline as owns does (one glob rule)', () => {
    const { worktree, commitInWorktree } = setup();
    commitInWorktree({ 'a/odd\nname.ts': '\n', 'a/plain.ts': '\n' });
    expect(findMatches(worktree, 'a/**')).toEqual(['a/odd\nname.ts', 'a/plain.ts']);
    expect(findMatches(worktree, 'a/*.ts')).toEqual(['a/odd\nname.ts', 'a/plain.ts']);
  });
});

describe('files.exist never matches or reads anything outside the worktree', () => {
  /**
   * A worktree with `out` → a folder outside it (holding secret.txt and deep/more.txt), `leak.txt` → the
   * secret file, and `inner.ts` → a file of the worktree itself; all committed, as an agent could.
   */
  function withLinksOut() {
    const { worktree, commitInWorktree } = setup();
    const outside = join(repo.root, '..', 'outside');
    mkdirSync(join(outside, 'deep'), { recursive: true });
    writeFileSync(join(outside, 'secret.txt'), 'secret\n');
    writeFileSync(join(outside, 'deep', 'more.txt'), 'more\n');
    symlinkSync(outside, join(worktree, 'out'));
    symlinkSync(join(outside, 'secret.txt'), join(worktree, 'leak.txt'));
    symlinkSync('src/db.ts', join(worktree, 'inner.ts'));
    commitInWorktree({ 'src/catalog/index.ts': '\n' });
    return { worktree, outside };
  }

  it.each([
    'out/secret.txt',
    'out/*.txt',
    'out/**',
    'out/deep/more.txt',
    'leak.txt',
    '../outside/secret.txt',
    'src/../../outside/secret.txt',
  ])('%s matches nothing: it leads outside the worktree', async (glob) => {
    const { worktree } = withLinksOut();
    expect(findMatches(worktree, glob)).toEqual([]);
    const event = await verifyFiles(worktree, { exist: [glob] });
    expect(event.type).toBe('check.failed');
    expect(event.message).toMatch(/^missing: .* \(no file matches; .* outside the worktree/);
  });

  it('a path with a leading / is taken from the worktree root, never from the file system', async () => {
    const { worktree, outside } = withLinksOut();
    expect(findMatches(worktree, '/src/db.ts')).toEqual(['src/db.ts']);
    expect(findMatches(worktree, '/src/*/index.ts')).toEqual(['src/catalog/index.ts']);
    expect(findMatches(worktree, join(outside, 'secret.txt'))).toEqual([]);
    const event = await verifyFiles(worktree, { exist: ['/src/catalog/index.ts'] });
    expect(event.type, event.message).toBe('check.passed');
  });

  it.each(['/../outside/secret.txt', '~/secret.txt', 'C:/secret.txt'])(
    '%s matches nothing: it leads outside the worktree',
    (glob) => {
      const { worktree } = withLinksOut();
      expect(findMatches(worktree, glob)).toEqual([]);
    },
  );

  it('a walk over the whole tree skips the links that leave it and keeps the ones that stay', () => {
    const { worktree } = withLinksOut();
    expect(findMatches(worktree, '**/*.txt')).toEqual([]);
    expect(findMatches(worktree, '**/*.ts')).toEqual(['inner.ts', 'src/catalog/index.ts', 'src/db.ts']);
    expect(findMatches(worktree, 'inner.ts')).toEqual(['inner.ts']);
  });
});
