/**
 * `baton run` and a repository that vendors a library as a submodule: the worktree of each feature
 * gets the submodules the main checkout has populated, checked out from the main checkout's own copy
 * (no network), so its agent and its checks see the library's files; one the main checkout has not
 * populated stays empty and is named at the run's start; nothing in `.gitmodules` runs; an agent's
 * edits inside a checked-out submodule are reported; `baton clean` removes such a worktree once merged.
 */

import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseChangedSubmodules, parseSubmoduleConfig } from '../../src/git/submodule-checkout.js';
import { runBaton } from '../rig/cli.js';
import { contractFiles, type TestContract } from '../rig/contracts.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';
import { events, tempRepos } from './repo-rig.js';

const { kept } = tempRepos();
afterEach(() => {
  vi.unstubAllEnvs();
});

/** A library repository, as a project would vendor it. */
function library(file: string): TempRepo {
  return kept(makeRepo({ [file]: `from ${file}\n` }));
}

/**
 * A project with `contracts`, vendoring each library at its path as a submodule; those not in
 * `populated` are then taken out of the main checkout (`submodule deinit`), as in a clone made
 * without `--recurse-submodules`.
 */
function projectWith(
  contracts: TestContract[],
  subs: Record<string, TempRepo>,
  populated: readonly string[] = Object.keys(subs),
): TempRepo {
  const repo = kept(
    makeRepo({ 'README.md': '# app\n', '.gitignore': '.baton/\n', ...contractFiles(contracts) }),
  );
  for (const [path, lib] of Object.entries(subs)) {
    // Test set-up only: git refuses a local submodule URL by default.
    repo.git('-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', lib.root, path);
  }
  repo.git('commit', '-q', '-m', 'vendor libraries');
  for (const path of Object.keys(subs)) {
    if (!populated.includes(path)) repo.git('submodule', 'deinit', '-q', '-f', path);
  }
  return repo;
}

/** Where the run made the feature's worktree. */
function worktreeOf(repo: TempRepo, id: string): string {
  const made = events(repo).find((e) => e.type === 'worktree.created' && e.feature_id === id);
  if (made?.type !== 'worktree.created') throw new Error(`no worktree for ${id}`);
  return made.path;
}

/** Everything the main checkout's copy of a submodule holds that a clone could change: refs, HEAD, config, objects. */
function storeSnapshot(repo: TempRepo, name: string): string {
  const store = join(repo.root, '.git', 'modules', name);
  const g = (...args: string[]) => repo.git('--git-dir', store, ...args);
  return [
    g('for-each-ref'),
    g('rev-parse', 'HEAD'),
    readFileSync(join(store, 'config'), 'utf8'),
    g('count-objects', '-v'),
  ].join('\n');
}

const reader: TestContract = {
  id: 'feature-001-reader',
  owns: ['src/feature-001-reader/**'],
  agent: {
    command: 'mkdir -p src/feature-001-reader && cp vendor/lib/lib.txt src/feature-001-reader/copy.txt',
  },
  criteria: [
    { id: 'sees-lib', text: 'the library is there', run: 'grep -q "from lib.txt" vendor/lib/lib.txt' },
  ],
};

describe('submodules in the worktrees of baton run', () => {
  it('checks out a submodule the main checkout has, from its copy: the agent and the check see its files, and clean removes the merged worktree leaving the copy as it was', async () => {
    const lib = library('lib.txt');
    const repo = projectWith([reader], { 'vendor/lib': lib });
    const before = storeSnapshot(repo, 'vendor/lib');
    const r = await runBaton(['run'], { cwd: repo.root });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stderr).not.toContain('submodule');
    expect(repo.git('show', 'baton/feature-001-reader:src/feature-001-reader/copy.txt')).toBe('from lib.txt');
    expect(events(repo).some((e) => e.type === 'check.passed' && e.criterion_id === 'sees-lib')).toBe(true);
    const folder = worktreeOf(repo, 'feature-001-reader');
    // Its own copy, kept where git keeps a worktree's submodules; its origin where the user's points.
    expect(repo.git('-C', join(folder, 'vendor/lib'), 'rev-parse', '--absolute-git-dir')).toContain(
      join('.git', 'worktrees'),
    );
    expect(repo.git('-C', join(folder, 'vendor/lib'), 'config', 'remote.origin.url')).toBe(lib.root);
    expect(storeSnapshot(repo, 'vendor/lib')).toBe(before);

    repo.git('merge', '-q', '--ff-only', 'baton/feature-001-reader');
    const c = await runBaton(['clean', '--merged'], { cwd: repo.root });
    expect(c.stdout).toContain('Removed 1');
    expect(existsSync(folder)).toBe(false);
    expect(storeSnapshot(repo, 'vendor/lib')).toBe(before);
    expect(readFileSync(join(repo.root, 'vendor/lib/lib.txt'), 'utf8')).toBe('from lib.txt\n');
  });

  it('leaves empty a submodule the main checkout has not populated, and names only that one at the start', async () => {
    const looker: TestContract = {
      id: 'feature-001-looker',
      agent: {
        command: 'mkdir -p src/feature-001-looker && ls -A vendor/other > src/feature-001-looker/other.txt',
      },
      criteria: [{ id: 'lib', text: 'the populated one is there', run: 'test -f vendor/lib/lib.txt' }],
    };
    const repo = projectWith(
      [looker],
      { 'vendor/lib': library('lib.txt'), 'vendor/other': library('other.txt') },
      ['vendor/lib'],
    );
    const r = await runBaton(['run'], { cwd: repo.root });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stderr).toContain(
      "submodule vendor/other is not checked out in your checkout, so Baton's worktrees leave it empty too",
    );
    expect(r.stderr).not.toContain('vendor/lib');
    const folder = worktreeOf(repo, 'feature-001-looker');
    expect(readdirSync(join(folder, 'vendor/other'))).toEqual([]);
    expect(repo.git('show', 'baton/feature-001-looker:src/feature-001-looker/other.txt')).toBe('');
  });

  it('runs no update command .gitmodules names: the submodule is left empty, with a warning, and the run goes on', async () => {
    const plain: TestContract = {
      id: 'feature-001-plain',
      agent: { command: 'mkdir -p src/feature-001-plain && echo x > src/feature-001-plain/x' },
    };
    const repo = projectWith([plain], { 'vendor/lib': library('lib.txt') });
    const marker = join(repo.root, '..', 'pwned');
    repo.git('config', '--file', '.gitmodules', 'submodule.vendor/lib.update', `!touch ${marker}`);
    repo.commit('an update command', {});
    const r = await runBaton(['run'], { cwd: repo.root });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(existsSync(marker)).toBe(false);
    expect(r.stderr).toContain('feature-001-plain: submodule vendor/lib could not be checked out');
    expect(readdirSync(join(worktreeOf(repo, 'feature-001-plain'), 'vendor/lib'))).toEqual([]);
  });

  it("leaves empty, with a warning, a submodule whose recorded commit the main checkout's copy lacks", async () => {
    const lib = library('lib.txt');
    const plain: TestContract = {
      id: 'feature-001-plain',
      agent: { command: 'mkdir -p src/feature-001-plain && echo x > src/feature-001-plain/x' },
    };
    const repo = projectWith([plain], { 'vendor/lib': lib });
    // A base whose gitlink is a commit made upstream since: the main checkout never fetched it.
    const upstream = lib.commit('upstream work', { 'lib.txt': 'newer\n' });
    repo.git('update-index', '--cacheinfo', `160000,${upstream},vendor/lib`);
    repo.git('commit', '-q', '-m', 'bump the library');
    repo.git('branch', 'next');
    repo.git('reset', '-q', '--hard', 'HEAD~1');
    const r = await runBaton(['run', '--base', 'next'], { cwd: repo.root });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stderr).toContain('feature-001-plain: submodule vendor/lib could not be checked out');
    const folder = worktreeOf(repo, 'feature-001-plain');
    expect(readdirSync(join(folder, 'vendor/lib'))).toEqual([]);
    const gitDir = repo.git('-C', folder, 'rev-parse', '--absolute-git-dir');
    expect(existsSync(join(gitDir, 'modules'))).toBe(false);
    expect(repo.git('rev-parse', 'baton/feature-001-plain:vendor/lib')).toBe(upstream);
    // Nothing of the failed clone is left to keep `git worktree remove` from removing the worktree.
    await runBaton(['clean', '--force', 'feature-001-plain'], { cwd: repo.root });
    expect(existsSync(folder)).toBe(false);
  });

  it('checks out the recorded commit even when the repository config names an update command', async () => {
    const repo = projectWith([reader], { 'vendor/lib': library('lib.txt') });
    const marker = join(repo.root, '..', 'pwned');
    repo.git('config', 'submodule.vendor/lib.update', `!touch ${marker}`);
    const r = await runBaton(['run'], { cwd: repo.root });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(existsSync(marker)).toBe(false);
    expect(events(repo).some((e) => e.type === 'check.passed' && e.criterion_id === 'sees-lib')).toBe(true);
  });

  it("reports an agent's uncommitted edits inside a checked-out submodule, and clean keeps the worktree", async () => {
    const editor: TestContract = {
      id: 'feature-001-editor',
      agent: {
        command:
          'mkdir -p src/feature-001-editor && echo x > src/feature-001-editor/x && echo edit >> vendor/lib/lib.txt',
      },
    };
    const repo = projectWith([editor], { 'vendor/lib': library('lib.txt') });
    const r = await runBaton(['run'], { cwd: repo.root });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stderr).toContain(
      'feature-001-editor: changes inside submodule vendor/lib are not on baton/feature-001-editor',
    );
    const folder = worktreeOf(repo, 'feature-001-editor');
    repo.git('merge', '-q', '--ff-only', 'baton/feature-001-editor');
    const c = await runBaton(['clean', '--merged'], { cwd: repo.root });
    expect(c.stdout).toContain('uncommitted changes inside submodule vendor/lib');
    expect(readFileSync(join(folder, 'vendor/lib/lib.txt'), 'utf8')).toBe('from lib.txt\nedit\n');
  });

  it("leaves the user's origin as it is when their config has a populated submodule inactive", async () => {
    const plain: TestContract = {
      id: 'feature-001-plain',
      agent: { command: 'mkdir -p src/feature-001-plain && echo x > src/feature-001-plain/x' },
    };
    const repo = projectWith([plain], { 'vendor/lib': library('lib.txt') });
    repo.git('config', 'remote.origin.url', 'git@github.com:me/project.git');
    repo.git('config', 'submodule.vendor/lib.active', 'false');
    const r = await runBaton(['run'], { cwd: repo.root });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(repo.git('config', 'remote.origin.url')).toBe('git@github.com:me/project.git');
    expect(r.stderr).toContain('feature-001-plain: submodule vendor/lib could not be checked out');
    expect(r.stderr).toContain('git skipped it without an error');
  });

  it('checks the submodules out in a worktree a resume makes again', async () => {
    const lib = library('lib.txt');
    const gate = join(lib.root, '..', 'go-ahead');
    const feature: TestContract = {
      ...reader,
      agent: {
        command: `test -f '${gate}' && mkdir -p src/feature-001-reader && cp vendor/lib/lib.txt src/feature-001-reader/copy.txt`,
      },
    };
    const repo = projectWith([feature], { 'vendor/lib': lib });
    // No gate yet: the agent fails, and its worktree is removed by hand before the resume.
    const first = await runBaton(['run'], { cwd: repo.root });
    expect(first.code).not.toBe(0);
    const folder = worktreeOf(repo, 'feature-001-reader');
    rmSync(folder, { recursive: true, force: true });
    writeFileSync(gate, '');
    const again = await runBaton(['run', '--resume'], { cwd: repo.root });
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(readFileSync(join(folder, 'vendor/lib/lib.txt'), 'utf8')).toBe('from lib.txt\n');
  });
});

describe('submodules in the integration worktree', () => {
  it('checks them out where baton integrate merges and tests', async () => {
    const repo = projectWith([reader], { 'vendor/lib': library('lib.txt') });
    expect((await runBaton(['run'], { cwd: repo.root })).code).toBe(0);
    const i = await runBaton(['integrate', '--test', 'grep -q "from lib.txt" vendor/lib/lib.txt'], {
      cwd: repo.root,
    });
    expect(i.code, i.stdout + i.stderr).toBe(0);
    const started = events(repo).find((e) => e.type === 'integration.started');
    if (started?.type !== 'integration.started') throw new Error('no integration');
    expect(readFileSync(join(started.worktree, 'vendor/lib/lib.txt'), 'utf8')).toBe('from lib.txt\n');
  });

  it("never rewrites the user's origin when git skips a submodule an agent made inactive: the run and integrate leave it, and warn", async () => {
    const evil = join(kept(makeRepo({ 'x.txt': 'x\n' })).root, 'evil.git');
    const turncoat: TestContract = {
      id: 'feature-001-turncoat',
      agent: {
        command: [
          'mkdir -p src/feature-001-turncoat && echo x > src/feature-001-turncoat/x',
          `git config submodule.vendor/lib.active false && git config submodule.vendor/lib.url '${evil}'`,
        ].join(' && '),
      },
    };
    const repo = projectWith([turncoat], { 'vendor/lib': library('lib.txt') });
    repo.git('config', 'remote.origin.url', 'git@github.com:me/project.git');
    expect((await runBaton(['run'], { cwd: repo.root })).code).toBe(0);
    expect(repo.git('config', 'remote.origin.url')).toBe('git@github.com:me/project.git');
    const i = await runBaton(['integrate', '--test', 'true'], { cwd: repo.root });
    expect(i.code, i.stdout + i.stderr).toBe(0);
    expect(repo.git('config', 'remote.origin.url')).toBe('git@github.com:me/project.git');
    expect(repo.git('remote', '-v')).not.toContain('evil.git');
    expect(i.stdout + i.stderr).toContain('submodule vendor/lib could not be checked out');
  });

  it('leaves empty one a feature moves: no merge leaves its checkout behind what the branch records', async () => {
    const bumper: TestContract = {
      id: 'feature-001-bump',
      owns: ['vendor/lib', 'src/feature-001-bump/**'],
      agent: {
        command: [
          'mkdir -p src/feature-001-bump && echo x > src/feature-001-bump/x',
          'cd vendor/lib && echo y > y && git add y && git -c user.name=a -c user.email=a@b commit -qm y',
        ].join(' && '),
      },
    };
    const repo = projectWith([bumper], { 'vendor/lib': library('lib.txt') });
    expect((await runBaton(['run'], { cwd: repo.root })).code).toBe(0);
    const i = await runBaton(['integrate', '--test', 'true'], { cwd: repo.root });
    expect(i.code, i.stdout + i.stderr).toBe(0);
    const started = events(repo).find((e) => e.type === 'integration.started');
    if (started?.type !== 'integration.started') throw new Error('no integration');
    expect(readdirSync(join(started.worktree, 'vendor/lib'))).toEqual([]);
  });
});

describe("submodule.recurse=true in the user's config", () => {
  // It made every worktree's checkout (`read-tree -mu HEAD`) reset a submodule not cloned yet: each feature failed.
  it('runs, integrates into main and cleans as without it', async () => {
    const repo = projectWith([reader], { 'vendor/lib': library('lib.txt') });
    const config = join(repo.root, '..', 'gitconfig');
    writeFileSync(config, '[submodule]\n\trecurse = true\n');
    vi.stubEnv('GIT_CONFIG_GLOBAL', config);
    const r = await runBaton(['run'], { cwd: repo.root });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(repo.git('show', 'baton/feature-001-reader:src/feature-001-reader/copy.txt')).toBe('from lib.txt');
    const i = await runBaton(['integrate', '--into', 'main'], { cwd: repo.root });
    expect(i.code, i.stdout + i.stderr).toBe(0);
    expect(repo.git('rev-parse', 'main')).toBe(repo.git('rev-parse', 'baton/integration'));
    expect(repo.git('status', '--porcelain')).toBe('');
    const c = await runBaton(['clean', '--all'], { cwd: repo.root });
    expect(c.code, c.stdout + c.stderr).toBe(0);
    expect(c.stdout).toContain('Removed 2');
    expect(readFileSync(join(repo.root, 'vendor/lib/lib.txt'), 'utf8')).toBe('from lib.txt\n');
  });
});

describe("diff.ignoreSubmodules in the user's config", () => {
  /** `value` as the user's ~/.gitconfig `diff.ignoreSubmodules`. */
  function ignoring(repo: TempRepo, value: string): void {
    const config = join(repo.root, '..', 'gitconfig');
    writeFileSync(config, `[diff]\n\tignoreSubmodules = ${value}\n`);
    vi.stubEnv('GIT_CONFIG_GLOBAL', config);
  }

  it("still sees an agent's write into the main checkout's submodule as an escape (dirty)", async () => {
    const intruder: TestContract = {
      id: 'feature-001-intruder',
      agent: {
        command:
          'mkdir -p src/feature-001-intruder && echo x > src/feature-001-intruder/x && ' +
          'echo EVIL > "$(git rev-parse --git-common-dir)/../vendor/lib/lib.txt"',
      },
    };
    const repo = projectWith([intruder], { 'vendor/lib': library('lib.txt') });
    ignoring(repo, 'dirty');
    await runBaton(['run'], { cwd: repo.root });
    const escaped = events(repo).flatMap((e) => (e.type === 'feature.escaped' ? [e.files] : []));
    expect(escaped).toEqual([['vendor/lib']]);
  });

  it('commits a feature whose whole work is a submodule commit (all): not taken for empty', async () => {
    const bumper: TestContract = {
      id: 'feature-001-bump',
      owns: ['vendor/lib'],
      agent: {
        command:
          'cd vendor/lib && echo y > y && git add y && git -c user.name=a -c user.email=a@b commit -qm y',
      },
    };
    const repo = projectWith([bumper], { 'vendor/lib': library('lib.txt') });
    ignoring(repo, 'all');
    const r = await runBaton(['run'], { cwd: repo.root });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const pointer = (ref: string) => repo.git('rev-parse', `${ref}:vendor/lib`);
    expect(pointer('baton/feature-001-bump')).not.toBe(pointer('main'));
  });
});

describe('reading submodule facts from git', () => {
  it('parses .gitmodules entries, names with dots and slashes included', () => {
    const out =
      'submodule.a.b.path\nvendor/a\0submodule.a.b.url\n../a\0submodule.c/d.path\nc d\0submodule.e.url\nx\0';
    expect(parseSubmoduleConfig(out)).toEqual([
      { name: 'a.b', path: 'vendor/a', url: '../a' },
      { name: 'c/d', path: 'c d' },
    ]);
  });

  it('finds the submodules whose checkout holds changes in porcelain v2 status', () => {
    const clean = '1 .M S... 160000 160000 160000 abc abc lib';
    const dirty = '1 .M S.M. 160000 160000 160000 abc abc vendor/my lib';
    const untracked = '1 .M S..U 160000 160000 160000 abc abc u';
    const file = '1 .M N... 100644 100644 100644 abc abc S.M.txt';
    const renamed = '2 R. S.M. 160000 160000 160000 abc abc R100 new\0old';
    expect(parseChangedSubmodules([clean, dirty, untracked, file, renamed, ''].join('\0'))).toEqual([
      'vendor/my lib',
      'u',
      'new',
    ]);
  });
});
