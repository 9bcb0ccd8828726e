/**
 * Why HEAD names no commit, said in one set of words by every command whose base it is (run, doctor,
 * integrate, verify, clean, decompose): a repository with no commit at all is told to make one; HEAD on
 * an unborn branch (`git checkout --orphan`) in a repository that has commits is told to switch to a
 * branch that has some, or to name a base.
 */
import { escapeControl } from '../text/escape.js';
import { gitRaw } from './git.js';

/** Why HEAD names no commit. */
export interface NoHeadCommit {
  /** The unborn branch HEAD is on, in a repository that has commits; undefined when it has none. */
  orphan?: string;
  message: string;
  hint: string;
}

/**
 * How the orphan branch's hint names another base: the command's own `--base` (`flag`), `baton run`'s
 * and `integrate`'s for a command without one that says what they would refuse (`run-flag`: doctor),
 * the config's `base` for a command that reads it and has no flag (`config`: verify), or not at all for
 * a command that always works from HEAD (`none`: decompose).
 */
export type BaseOption = 'flag' | 'run-flag' | 'config' | 'none';

const NAME_A_BASE: Record<BaseOption, string> = {
  flag: ', or name one as the base: --base <branch>',
  'run-flag': ', or name one as the base: pass --base <branch> to baton run and baton integrate',
  config: ", or name one as the base: `base: <branch>` in Baton's config file",
  none: '',
};

/**
 * Why HEAD in `cwd` names no commit (ask only once `resolveCommit(cwd, 'HEAD')` found none); `base`:
 * how the hint may name another base (`BaseOption`).
 */
export async function noHeadCommit(cwd: string, base: BaseOption = 'flag'): Promise<NoHeadCommit> {
  const [branch, anyCommit] = await Promise.all([
    gitRaw(cwd, ['symbolic-ref', '--quiet', '--short', 'HEAD']),
    gitRaw(cwd, ['rev-list', '-n', '1', '--all']),
  ]);
  const orphan = branch.exitCode === 0 ? branch.stdout.trim() : '';
  if (orphan === '' || anyCommit.stdout.trim() === '') {
    return {
      message: 'the repository has no commit yet',
      hint: 'Make a first commit: git add -A && git commit -m "initial"',
    };
  }
  return {
    orphan,
    message: `HEAD is on ${escapeControl(orphan)}, a branch with no commit yet (an orphan branch)`,
    hint: `Switch to a branch that has commits (git switch <branch>; git branch lists them)${NAME_A_BASE[base]}.`,
  };
}
