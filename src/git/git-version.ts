/**
 * The git Baton needs: 2.38 or newer, for `merge-tree --write-tree`. Doctor checks the version up
 * front; the merge that uses the feature turns git's refusal of the option into the same words, so an
 * older git costs no extra process on the commands that work without it.
 */
import { UserError } from '../errors.js';
import { parseVersion } from '../version.js';
import { gitRaw } from './git.js';

/** git 2.38 brought `merge-tree --write-tree`, which conflict prediction needs. */
export const MIN_GIT = [2, 38] as const;

/** What to do about a git older than `MIN_GIT`. */
export const UPGRADE_GIT_HINT =
  'Upgrade git (e.g. from https://git-scm.com/downloads or your package manager).';

/** Why a git `version` (`2.20.1`) is not enough, as doctor and the refused merge both say it. */
export function gitTooOldDetail(version: string): string {
  return `${version} is older than ${MIN_GIT.join('.')}: conflict prediction needs git merge-tree --write-tree`;
}

/** Whether a failed git's stderr is its refusal of an option it does not know (`unknown option`). */
export function unknownOption(stderr: string, option: string): boolean {
  return stderr.includes(`unknown option \`${option}'`) || stderr.includes(`unknown option '${option}'`);
}

/**
 * The error for a git too old for `merge-tree --write-tree` (`git/too-old`), naming the version
 * `git --version` gives in `cwd` (asked only now, on this failure path).
 */
export async function gitTooOldError(cwd: string): Promise<UserError> {
  const r = await gitRaw(cwd, ['--version']).catch(() => undefined);
  const version = (r && parseVersion(r.stdout)) ?? 'this version';
  return new UserError('git/too-old', `git ${gitTooOldDetail(version)}`, { hint: UPGRADE_GIT_HINT });
}
