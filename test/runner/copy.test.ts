import { lstatSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { copyIntoWorktree } from '../../src/runner/worktree.js';
import { runBaton } from '../rig/cli.js';
import type { TempRepo } from '../rig/repo.js';
import { tempRepos } from './repo-rig.js';

const { repoWith } = tempRepos();

/** A fresh, empty folder beside the repository, standing for a worktree. */
function emptyWorktree(repo: TempRepo, name = 'wt'): string {
  const wt = join(repo.root, '..', name);
  mkdirSync(wt);
  return wt;
}

describe('copy into a worktree: symlinks', () => {
  it('copies a relative symlink as its contents, never as a link back into the main checkout', async () => {
    const repo = repoWith([], { '.gitignore': '.env\nlocal/\n' });
    repo.write({ 'local/env': 'SECRET=1\n' });
    symlinkSync('local/env', join(repo.root, '.env'));
    const wt = emptyWorktree(repo);
    expect(await copyIntoWorktree(repo.root, wt, ['.env'])).toEqual(['.env']);
    expect(lstatSync(join(wt, '.env')).isSymbolicLink()).toBe(false);
    writeFileSync(join(wt, '.env'), 'AGENT\n', { flag: 'a' });
    expect(readFileSync(join(repo.root, 'local', 'env'), 'utf8')).toBe('SECRET=1\n');
    expect(readFileSync(join(wt, '.env'), 'utf8')).toBe('SECRET=1\nAGENT\n');
  });

  it('copies a folder holding symlinks (to a file and to a folder) by contents', async () => {
    const repo = repoWith([], { '.gitignore': 'local/\nshared/\n' });
    repo.write({ 'shared/a.json': '{"a":1}\n', 'shared/deep/b.json': '{"b":2}\n', 'local/own.txt': 'own\n' });
    symlinkSync('../shared/a.json', join(repo.root, 'local', 'a.json'));
    symlinkSync('../shared/deep', join(repo.root, 'local', 'deep'));
    const wt = emptyWorktree(repo);
    expect(await copyIntoWorktree(repo.root, wt, ['local'])).toEqual([
      'local/a.json',
      'local/deep/b.json',
      'local/own.txt',
    ]);
    for (const rel of ['local/a.json', 'local/deep', 'local/deep/b.json', 'local/own.txt']) {
      expect(lstatSync(join(wt, rel)).isSymbolicLink()).toBe(false);
    }
    writeFileSync(join(wt, 'local', 'deep', 'b.json'), 'changed\n');
    expect(readFileSync(join(repo.root, 'shared', 'deep', 'b.json'), 'utf8')).toBe('{"b":2}\n');
  });

  it('copies a folder whose symlink loops back to an ancestor once, without looping', async () => {
    const repo = repoWith([], { '.gitignore': 'local/\n' });
    repo.write({ 'local/x.txt': 'x\n' });
    symlinkSync('..', join(repo.root, 'local', 'up'));
    const wt = emptyWorktree(repo);
    expect(await copyIntoWorktree(repo.root, wt, ['local'])).toEqual(['local/x.txt']);
  });

  it('baton run: an agent appending to a copied .env that is a symlink leaves the real file alone', async () => {
    const repo = repoWith(
      [{ id: 'f-a', agent: { command: 'echo AGENT >> .env && mkdir -p src/f-a && touch src/f-a/x' } }],
      {
        'baton.config.json': JSON.stringify({ copy: ['.env'] }),
        '.gitignore': '.env\nlocal/\n',
      },
    );
    repo.write({ 'local/env': 'SECRET=1\n' });
    symlinkSync('local/env', join(repo.root, '.env'));
    const r = await runBaton(['run'], { cwd: repo.root });
    expect(r.code).toBe(0);
    expect(readFileSync(join(repo.root, 'local', 'env'), 'utf8')).toBe('SECRET=1\n');
  });
});

describe('copy into a worktree: folders and missing entries', () => {
  it('copies the untracked files of a folder the checkout already made, never overwriting a tracked file', async () => {
    const repo = repoWith([], {
      '.gitignore': 'config/local.json\n',
      'config/app.json': '{"tracked":true}\n',
    });
    repo.write({ 'config/local.json': '{"local":true}\n' });
    const wt = emptyWorktree(repo);
    mkdirSync(join(wt, 'config'));
    writeFileSync(join(wt, 'config', 'app.json'), '{"tracked":"as checked out"}\n');
    repo.write({ 'config/app.json': '{"tracked":"edited in main"}\n' });
    expect(await copyIntoWorktree(repo.root, wt, ['config'])).toEqual(['config/local.json']);
    expect(readFileSync(join(wt, 'config', 'local.json'), 'utf8')).toBe('{"local":true}\n');
    expect(readFileSync(join(wt, 'config', 'app.json'), 'utf8')).toBe('{"tracked":"as checked out"}\n');
  });

  it('baton run copies config/local.json into the checked-out config folder and warns once of an entry matching nothing', async () => {
    const repo = repoWith(
      ['f-a', 'f-b'].map((id) => ({
        id,
        agent: { command: `mkdir -p src/${id} && cat config/local.json > src/${id}/seen.txt` },
      })),
      {
        'baton.config.json': JSON.stringify({ copy: ['config', '.env.missing'] }),
        '.gitignore': 'config/local.json\n',
        'config/app.json': '{}\n',
      },
    );
    repo.write({ 'config/local.json': '{"local":true}\n' });
    const r = await runBaton(['run'], { cwd: repo.root });
    expect(r.code).toBe(0);
    expect(repo.git('show', 'baton/f-a:src/f-a/seen.txt')).toBe('{"local":true}');
    const warnings = `${r.stdout}${r.stderr}`.split('\n').filter((l) => l.includes('.env.missing'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/matches nothing/);
  });
});
