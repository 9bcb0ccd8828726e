/**
 * The config's folders as written: `specs` naming git's or Baton's own folder, and `specs` or
 * `worktrees` starting at a home folder `~` that Baton does not expand, are refused at their line,
 * before `baton new` or `baton run` writes anything; the contracts/none hint names the folder configured.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runBaton } from '../rig/cli.js';
import { contractFiles } from '../rig/contracts.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

function repoWith(config: string, contracts = true): TempRepo {
  const repo = makeRepo({
    'README.md': '# app\n',
    '.gitignore': '.baton/\n',
    'baton.yaml': config,
    ...(contracts
      ? contractFiles([
          { id: 'a', owns: ['src/a/**'], agent: { command: 'mkdir -p src/a && touch src/a/x' } },
        ])
      : {}),
  });
  repos.push(repo);
  return repo;
}

describe("specs naming git's or Baton's own folder", () => {
  it.each([
    ['.git', '.git', "git's"],
    ['.git/hooks', '.git', "git's"],
    ['./.baton', '.baton', "Baton's"],
    ['.baton/specs', '.baton', "Baton's"],
  ])('refuses specs: %s at its line, and baton new writes nothing there', async (specs, own, whose) => {
    const repo = repoWith(`agent: claude\nspecs: ${specs}\n`, false);
    const lint = await runBaton(['lint'], { cwd: repo.root });
    expect(lint.code).toBe(1);
    expect(lint.stdout + lint.stderr).toContain(
      `baton.yaml:2: error: specs: "${specs}" names ${own}/, which is ${whose} own: Baton writes contracts there, where git never commits them [config/specs-own-folder]`,
    );
    const made = await runBaton(['new', 'my thing'], { cwd: repo.root });
    expect(made.code).not.toBe(0);
    expect(made.stderr).toContain('[config/specs-own-folder]');
    expect(existsSync(join(repo.root, own, 'feature-001-my-thing'))).toBe(false);
    expect(existsSync(join(repo.root, specs, 'feature-001-my-thing'))).toBe(false);
  });

  it('keeps a folder whose name only starts like one (.github/specs, .gitlab)', async () => {
    const repo = repoWith('specs: .github/specs\n', false);
    const made = await runBaton(['new', 'my thing'], { cwd: repo.root });
    expect(made.code, made.stdout + made.stderr).toBe(0);
    expect(readdirSync(join(repo.root, '.github', 'specs'))).toEqual(['feature-001-my-thing']);
  });
});

describe('a config folder starting with ~', () => {
  it('refuses worktrees: ~/x at its line (lint and run), and makes no folder named ~', async () => {
    const repo = repoWith('worktrees: ~/baton-wts\n');
    const lint = await runBaton(['lint'], { cwd: repo.root });
    expect(lint.code).toBe(1);
    const said =
      'baton.yaml:1: error: worktrees: "~/baton-wts" starts with "~", which Baton does not expand (it would be a folder named "~" in the repository) [config/worktrees-home]';
    expect(lint.stdout + lint.stderr).toContain(said);
    const run = await runBaton(['run'], { cwd: repo.root });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(said);
    expect(run.stderr).toContain(
      'hint: Write the folder as an absolute path, or relative to the repository root (the default is `../<repo>.baton-worktrees`).',
    );
    expect(existsSync(join(repo.root, '~'))).toBe(false);
    expect(repo.git('branch', '--list', 'baton/*')).toBe('');
  });

  it('refuses specs: ~/specs at its line as outside the repository', async () => {
    const repo = repoWith('specs: ~/specs\n', false);
    const made = await runBaton(['new', 'x'], { cwd: repo.root });
    expect(made.code).not.toBe(0);
    expect(made.stdout + made.stderr).toContain(
      'baton.yaml:1: error: specs: "~/specs" starts with "~", which Baton does not expand (it would be a folder named "~" in the repository): Baton writes contracts there, and writes nothing outside the repository [config/specs-outside]',
    );
    expect(existsSync(join(repo.root, '~'))).toBe(false);
  });
});

describe('no contracts in the specs folder', () => {
  it('hints at the folder the config names, not specs/', async () => {
    const repo = repoWith('specs: docs/contracts\n', false);
    repo.commit('an empty contracts folder', { 'docs/contracts/.keep': '' });
    for (const command of ['lint', 'plan']) {
      const r = await runBaton([command], { cwd: repo.root });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(
        'hint: Write one with `baton new <name>` (it creates docs/contracts/feature-NNN-<name>/contract.md).',
      );
    }
  });
});
