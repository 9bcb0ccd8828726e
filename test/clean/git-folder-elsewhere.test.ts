/**
 * The main checkout clean protects, where the repository's git folder is not `<checkout>/.git`: a
 * `--separate-git-dir` checkout (git lists the git folder as the main worktree) and a `.git` that is a
 * symbolic link to a git folder kept elsewhere (git lists the folder the link leads to). The checkout
 * clean names is the user's, where the branch is checked out.
 */
import { dirname } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { projectRepo } from '../reliability/fixture.js';
import { runBaton } from '../rig/cli.js';
import { GIT_FOLDER_ELSEWHERE } from '../rig/git-folder-elsewhere.js';
import type { TempRepo } from '../rig/repo.js';

let repo: TempRepo | undefined;
afterEach(() => {
  repo?.cleanup();
  repo = undefined;
});

describe('baton clean, the git folder kept elsewhere', () => {
  it.each(GIT_FOLDER_ELSEWHERE)(
    'names %s as the main checkout a branch is checked out in, and keeps the branch',
    async (_, place) => {
      repo = projectRepo(['a']);
      place(repo, dirname(repo.root));
      repo.git('switch', '-q', '-c', 'baton/a');
      const r = await runBaton(['clean', '--force', '--base', 'main', 'a'], { cwd: repo.root });
      expect(r.code).toBe(1);
      expect(r.stdout).toContain(`a  it is checked out in your main checkout ${repo.root}\n`);
      expect(repo.git('branch', '--show-current')).toBe('baton/a');
    },
  );
});
