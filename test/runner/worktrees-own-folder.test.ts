/**
 * A worktrees folder at, inside or around git's folder or Baton's state folder is refused before
 * anything is made, though git ignores `.baton/`: a feature named `cache` or `runs` would otherwise get
 * Baton's own `.baton/cache` or `.baton/runs` as its worktree.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type OwnPlace, worktreesOwnPlace } from '../../src/runner/worktrees-folder.js';
import { runBaton } from '../rig/cli.js';
import { contractFiles } from '../rig/contracts.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

describe('worktreesOwnPlace', () => {
  const places: OwnPlace[] = [
    { path: '/r/.baton', words: 'state' },
    { path: '/r/.git', words: 'git' },
  ];
  it.each([
    ['/r/.baton', 'state', 'is'],
    ['/r/.baton/wts', 'state', 'lies inside'],
    ['/r/.git/wts', 'git', 'lies inside'],
    ['/r', 'state', 'holds'],
  ])('%s: %s, %s', (worktrees, words, how) => {
    expect(worktreesOwnPlace(worktrees, places)).toEqual({
      place: places.find((p) => p.words === words),
      how,
    });
  });
  // The repository's parent (`worktrees: ..`) and above hold them deeper: their entries are features' folders.
  it.each(['/r.baton-worktrees', '/r/wt', '/r/.batons', '/r/.github', '/'])('%s: none', (worktrees) => {
    expect(worktreesOwnPlace(worktrees, places)).toBeUndefined();
  });
});

describe("baton run with a worktrees folder in git's or Baton's own folder", () => {
  it.each([
    ['.baton', "the worktrees folder .baton (`worktrees` in baton.yaml) is Baton's state folder .baton"],
    [
      '.baton/wts',
      "the worktrees folder .baton/wts (`worktrees` in baton.yaml) lies inside Baton's state folder .baton",
    ],
    ['.git/wts', "the worktrees folder .git/wts (`worktrees` in baton.yaml) lies inside git's folder .git"],
    ['.', "the worktrees folder . (`worktrees` in baton.yaml) holds Baton's state folder .baton"],
  ])(
    'refuses worktrees: %s before anything is made, naming the config file and key',
    async (worktrees, said) => {
      const repo = makeRepo({
        'README.md': '# app\n',
        '.gitignore': '.baton/\n',
        'baton.yaml': `worktrees: ${worktrees}\n`,
        ...contractFiles(
          ['runs', 'cache'].map((id) => ({
            id,
            owns: [`src/${id}/**`],
            agent: { command: `mkdir -p src/${id} && touch src/${id}/x` },
          })),
        ),
      });
      repos.push(repo);
      const r = await runBaton(['run'], { cwd: repo.root });
      expect(r.code, r.stdout + r.stderr).toBe(1);
      expect(r.stderr).toContain(
        `baton: ${said}: features' worktrees there would mix with the files git or Baton keeps there [run/worktrees-own-folder]`,
      );
      expect(r.stderr).toContain(
        'hint: Set `worktrees` in baton.yaml to a folder of its own outside the repository (the default is ../repo.baton-worktrees).',
      );
      expect(repo.git('branch', '--list', 'baton/*')).toBe('');
      expect(repo.git('worktree', 'list', '--porcelain').match(/^worktree /gm)).toHaveLength(1);
      expect(existsSync(join(repo.root, '.baton', 'cache', '.git'))).toBe(false);
    },
  );
});

describe('baton run and doctor in a submodule, whose default worktrees folder lies in the superproject', () => {
  it("warns that the worktrees would show in the superproject's checkout, naming a folder outside it", async () => {
    const sub = makeRepo({
      '.gitignore': '.baton/\n',
      ...contractFiles([{ id: 'a', agent: { command: 'true' } }]),
    });
    const sup = makeRepo({ R: 'x\n' });
    repos.push(sub, sup);
    // Test set-up only: git refuses a local submodule URL by default.
    sup.git('-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', sub.root, 'lib');
    sup.git('commit', '-q', '-m', 'add submodule');
    const lib = join(sup.root, 'lib');
    sup.git('-C', lib, 'checkout', '-q', '-b', 'work');
    const r = await runBaton(['run', '--dry-run'], { cwd: lib });
    const said = r.stdout + r.stderr;
    expect(said).toContain(
      `the worktrees folder ${sup.root}/lib.baton-worktrees (config \`worktrees\`) lies inside the checkout of ${sup.root}`,
    );
    expect(said).toContain('(e.g. ../../repo.lib.baton-worktrees)');
    const d = await runBaton(['doctor'], { cwd: lib });
    expect(d.stdout).toMatch(/worktrees folder +the worktrees folder .* lies inside the checkout of/);
    // The superproject itself is no submodule: nothing to say there.
    expect((await runBaton(['doctor'], { cwd: sup.root })).stdout).not.toContain(
      'lies inside the checkout of',
    );
  });
});
