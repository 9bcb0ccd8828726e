import { mkdirSync, renameSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { TempRepo } from './repo.js';

/** Moves a repository's git folder out of its checkout, into `parent`. */
export type GitFolderPlacement = (repo: TempRepo, parent: string) => void;

/**
 * The two layouts whose git folder is not `<checkout>/.git`, as `it.each` rows: a `--separate-git-dir`
 * checkout (git lists the git folder as the main worktree) and a `.git` that is a symbolic link to a
 * git folder kept elsewhere (git lists the folder the link leads to).
 */
export const GIT_FOLDER_ELSEWHERE: [string, GitFolderPlacement][] = [
  [
    'a --separate-git-dir checkout',
    (repo, parent) => repo.git('init', '-q', '--separate-git-dir', join(parent, 'store.git')),
  ],
  [
    'a checkout whose .git is a symbolic link',
    (repo, parent) => {
      mkdirSync(join(parent, 'store'));
      renameSync(join(repo.root, '.git'), join(parent, 'store', '.git'));
      symlinkSync(join('..', 'store', '.git'), join(repo.root, '.git'));
    },
  ],
];
