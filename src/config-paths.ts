/**
 * The config's folders as written, judged where the config is read (pure): `specs`, where Baton writes
 * contracts, stays inside the repository and out of git's and Baton's own folders; neither `specs` nor
 * `worktrees` starts at a home folder `~` that nothing expands.
 */
import { isAbsolute, normalize, sep } from 'node:path';
import { lineAlong } from './config-lines.js';
import type { ConfigInput } from './config-schema.js';
import type { Diagnostic } from './errors.js';
import { ownFolderNamed, ownFolderOwner, startsAtHome } from './path-inside.js';

/** The codes of a refused `specs`: the contracts' folder is then unknown, and nothing is read from it. */
export const SPECS_REFUSALS: ReadonlySet<string> = new Set([
  'config/specs-outside',
  'config/specs-own-folder',
]);

/** The error for a `specs` folder outside the repository, where `baton new` would write contracts. */
export function specsOutsideError(file: string, text: string, specs: string, why: string): Diagnostic {
  return {
    severity: 'error',
    code: 'config/specs-outside',
    message: `specs: "${specs}" ${why}: Baton writes contracts there, and writes nothing outside the repository`,
    location: { file, ...lineAlong(text, ['specs']) },
    hint: 'Name a folder inside the repository, relative to its root (the default is `specs`).',
  };
}

/**
 * An error when `specs` is absolute, starts at the home folder `~`, climbs out of the repository with
 * `..` (every path Baton writes stays inside the repository, or the worktrees folder), or names git's or
 * Baton's own folder, where a contract is never committed (pure; the rule `copy` entries follow).
 */
export function specsOutside(file: string, text: string, input: ConfigInput): Diagnostic[] {
  const specs = input.specs;
  if (specs === undefined) return [];
  if (isAbsolute(specs)) return [specsOutsideError(file, text, specs, 'is an absolute path')];
  if (startsAtHome(specs)) return [specsOutsideError(file, text, specs, HOME_WORDS)];
  const norm = normalize(specs);
  if (norm === '..' || norm.startsWith(`..${sep}`))
    return [specsOutsideError(file, text, specs, 'is outside the repository')];
  const own = ownFolderNamed(norm);
  if (!own) return [];
  return [
    {
      severity: 'error',
      code: 'config/specs-own-folder',
      message: `specs: "${specs}" names ${own}/, which is ${ownFolderOwner(own)} own: Baton writes contracts there, where git never commits them`,
      location: { file, ...lineAlong(text, ['specs']) },
      hint: "Name a folder of the repository's own files, relative to its root (the default is `specs`).",
    },
  ];
}

/** Why a config path starting with `~` is refused: read as written, it is a folder named `~`. */
const HOME_WORDS =
  'starts with "~", which Baton does not expand (it would be a folder named "~" in the repository)';

/**
 * An error when `worktrees` starts with `~` (pure): resolved against the repository root as every
 * config path is, `~/wts` would be a folder named `~` inside the repository, not one in the home folder.
 */
export function worktreesAtHome(file: string, text: string, input: ConfigInput): Diagnostic[] {
  const worktrees = input.worktrees;
  if (worktrees === undefined || !startsAtHome(worktrees)) return [];
  return [
    {
      severity: 'error',
      code: 'config/worktrees-home',
      message: `worktrees: "${worktrees}" ${HOME_WORDS}`,
      location: { file, ...lineAlong(text, ['worktrees']) },
      hint: 'Write the folder as an absolute path, or relative to the repository root (the default is `../<repo>.baton-worktrees`).',
    },
  ];
}
