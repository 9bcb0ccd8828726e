/**
 * Which checkout Baton reads the config and contracts from (`findMainWorktree`), where the repository's
 * git folder is not `<checkout>/.git`: a submodule (`.git/modules/<name>` of the superproject), a
 * checkout made with `--separate-git-dir`, and linked worktrees of both.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findMainWorktree } from '../../src/git/git.js';
import { placesFromRevParse } from '../../src/git/places.js';
import { runBaton } from '../rig/cli.js';
import { contractFiles } from '../rig/contracts.js';
import { GIT_ENV, makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, {
    cwd,
    env: GIT_ENV,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();

/** A project with one contract, committed. */
function project(): TempRepo {
  const r = makeRepo({ 'README.md': '# app\n', ...contractFiles([{ id: 'feature-001-a' }]) });
  repos.push(r);
  return r;
}

describe('the main checkout of a repository whose git folder has another name', () => {
  it('is the submodule itself, not its git folder under the superproject', async () => {
    const inner = project();
    const outer = makeRepo({ 'README.md': '# outer\n' });
    repos.push(outer);
    git(outer.root, '-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', inner.root, 'sub');
    const sub = join(outer.root, 'sub');
    expect(git(sub, 'rev-parse', '--git-common-dir')).toContain(join('.git', 'modules'));
    expect(await findMainWorktree(sub)).toBe(sub);
    const r = await runBaton(['lint'], { cwd: sub });
    expect(r.stderr).toBe('');
    expect(r.code, r.stdout).toBe(0);
    // From a linked worktree of the submodule: the checkout its git folder's core.worktree names.
    const linked = join(outer.root, '..', 'sub-linked');
    git(sub, 'worktree', 'add', '-q', linked);
    expect(await findMainWorktree(linked)).toBe(sub);
  });

  it('is the checkout of a --separate-git-dir repository; from its linked worktree, one clear error', async () => {
    const base = project();
    const dir = join(base.root, '..');
    git(dir, 'clone', '-q', '--separate-git-dir', join(dir, 'elsewhere.git'), base.root, 'checkout');
    const checkout = join(dir, 'checkout');
    expect(await findMainWorktree(checkout)).toBe(checkout);
    expect((await runBaton(['lint'], { cwd: checkout })).code).toBe(0);
    // Nothing in the git folder says where the checkout is (git itself lists the git folder).
    git(checkout, 'worktree', 'add', '-q', join(dir, 'linked'));
    const r = await runBaton(['lint'], { cwd: join(dir, 'linked') });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('does not say where its main checkout is [git/no-main-checkout]');
  });

  it('a repository path holding a newline is refused by name, never taken for a linked worktree', async () => {
    const base = project();
    const checkout = join(base.root, '..', 'new\nline');
    git(join(base.root, '..'), 'clone', '-q', base.root, checkout);
    expect(git(checkout, 'rev-parse', '--show-toplevel')).toBe(checkout);
    for (const command of [['init', '--agent', 'demo'], ['lint'], ['status']]) {
      const r = await runBaton(command, { cwd: checkout });
      expect([r.code, r.stderr], command[0]).toEqual([
        1,
        `baton: Baton does not support a repository path holding a newline: ${checkout.replace('\n', '\\n')} [git/newline-in-path]\n` +
          'hint: Rename or move the folder to a path without a newline (git itself works there; Baton does not).\n',
      ]);
    }
    expect(existsSync(join(checkout, 'baton.config.json'))).toBe(false);
  });
});

describe('placesFromRevParse', () => {
  it.each<[string, string, ReturnType<typeof placesFromRevParse>]>([
    ['three paths', '/r\n/r/.git\n/r/.git\n', { top: '/r', gitDir: '/r/.git', commonDir: '/r/.git' }],
    ['a path cut short', '/r\n/r/.git\n', undefined],
    ['nothing', '', undefined],
    ['a newline in the top', '/a\nb\n/a\nb/.git\n/a\nb/.git\n', 'newline'],
    ['a newline at the end of the last', '/r\n/g\n/g\n\n', 'newline'],
  ])('%s', (_, out, places) => {
    expect(placesFromRevParse(out)).toEqual(places);
  });
});
