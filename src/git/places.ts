/**
 * Where a folder is in its repository, read from one `git rev-parse`, and the refusal of a repository
 * path that output cannot carry (pure).
 */
import { UserError } from '../errors.js';
import { escapeControl } from '../text/escape.js';

/** Where `cwd` is: its checkout's top folder, its own git folder and the repository's common one (absolute). */
export interface GitPlaces {
  top: string;
  gitDir: string;
  commonDir: string;
}

/** The arguments whose output `placesFromRevParse` reads: the three paths, one a line. */
export const PLACES_ARGS: readonly string[] = [
  'rev-parse',
  '--show-toplevel',
  '--path-format=absolute',
  '--git-dir',
  '--git-common-dir',
];

/**
 * The places in the output of `PLACES_ARGS`; undefined when a path is missing; `newline` when there are
 * more lines than paths: a path holds a newline, which rev-parse (it has no -z) writes as a line's end,
 * so the lines cannot be told apart (cut there, a checkout's top was taken for a linked worktree).
 */
export function placesFromRevParse(out: string): GitPlaces | 'newline' | undefined {
  const lines = out.split('\n');
  if (lines.length > 4 || (lines.length === 4 && lines[3] !== '')) return 'newline';
  const [top, gitDir, commonDir] = lines;
  return top && gitDir && commonDir ? { top, gitDir, commonDir } : undefined;
}

/**
 * The refusal of a repository a path of which holds a newline, given `git rev-parse --show-toplevel`'s
 * own output (one path, which may hold it): Baton reads git's paths line by line in many places.
 */
export function newlineInPath(cwd: string, topOutput: string): UserError {
  const top = topOutput.endsWith('\n') ? topOutput.slice(0, -1) : topOutput;
  const path = top.includes('\n') ? top : cwd.includes('\n') ? cwd : `the git folder of ${top || cwd}`;
  return new UserError(
    'git/newline-in-path',
    `Baton does not support a repository path holding a newline: ${escapeControl(path)}`,
    {
      hint: 'Rename or move the folder to a path without a newline (git itself works there; Baton does not).',
    },
  );
}
