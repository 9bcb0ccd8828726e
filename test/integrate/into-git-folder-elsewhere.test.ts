/**
 * `--into` moves the user's branch in the main checkout, found where the repository's git folder is
 * not `<checkout>/.git`: a `--separate-git-dir` checkout (git lists the git folder as the main
 * worktree) and a `.git` that is a symbolic link to a git folder kept elsewhere (git lists the folder
 * the link leads to). Neither is where git can move the branch, nor the user's files.
 */
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runBaton } from '../rig/cli.js';
import { contractFiles } from '../rig/contracts.js';
import { GIT_FOLDER_ELSEWHERE, type GitFolderPlacement } from '../rig/git-folder-elsewhere.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

/** One feature writing src/a/a.txt, in a checkout whose git folder `place` puts elsewhere. */
function repoWithGitFolderElsewhere(place: GitFolderPlacement): TempRepo {
  const repo = makeRepo({
    '.gitignore': '.baton/\n',
    ...contractFiles([{ id: 'a', agent: { command: 'mkdir -p src/a && echo a > src/a/a.txt' } }]),
  });
  repos.push(repo);
  place(repo, dirname(repo.root));
  return repo;
}

describe('integrate --into, the git folder kept elsewhere', () => {
  it.each(GIT_FOLDER_ELSEWHERE)('fast-forwards the branch in %s, not in the git folder', async (_, place) => {
    const repo = repoWithGitFolderElsewhere(place);
    const run = await runBaton(['run'], { cwd: repo.root });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const r = await runBaton(['integrate', '--into', 'main'], { cwd: repo.root });
    expect(r.stderr).toBe('');
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toContain('main fast-forwarded');
    expect(repo.git('rev-parse', 'main')).toBe(repo.git('rev-parse', 'baton/integration'));
    // The checkout moved with its branch: the feature's file is there, nothing left uncommitted.
    expect(repo.git('ls-files', 'src/a')).toBe('src/a/a.txt');
    expect(repo.git('status', '--porcelain')).toBe('');

    // The integration branch checked out there is refused, naming the checkout.
    repo.git('worktree', 'remove', join(dirname(repo.root), 'repo.baton-worktrees', 'integration'));
    repo.git('switch', '-q', 'baton/integration');
    const held = await runBaton(['integrate'], { cwd: repo.root });
    expect(held.code).toBe(1);
    expect(held.stderr).toContain(`baton/integration is checked out in your checkout ${repo.root} [`);
  });
});
