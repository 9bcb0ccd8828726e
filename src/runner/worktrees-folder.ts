/**
 * Where the config's `worktrees` folder may be, checked before anything exists (`baton run`'s preflight)
 * and said beforehand by `baton doctor` with the same functions: never at or inside git's folder
 * or Baton's state folder, and inside the repository only where git ignores it; in a submodule, a
 * warning when it lies in the superproject's checkout where that git does not ignore it.
 */
import { lstatSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { configFileName } from '../config-files.js';
import type { Config } from '../config-schema.js';
import { UserError } from '../errors.js';
import { commonGitDir, gitRaw } from '../git/git.js';
import { stateDirFor } from '../log/paths.js';
import { isInside } from '../path-inside.js';
import { realNearest } from '../real-nearest.js';

/** A folder of git's or Baton's own, by its real path, with the words that name it. */
export interface OwnPlace {
  path: string;
  words: string;
}

/** How the worktrees folder meets an own folder: it is it, holds it, or lies inside it. */
export interface OwnPlaceClash {
  place: OwnPlace;
  how: 'is' | 'holds' | 'lies inside';
}

/**
 * The one rule (pure, on real paths): the first of `places` the worktrees folder is, lies inside, or
 * holds as one of its own entries (the repository's root: a feature's worktree beside `.baton` and
 * `.git`), or undefined. A feature's worktree there would be a folder of git's or Baton's (Baton's
 * `.baton/cache` or `.baton/runs` as the worktree of a feature named `cache` or `runs`). A folder that
 * holds them deeper (`..`, the repository's parent) is not refused: its entries are features' folders.
 */
export function worktreesOwnPlace(worktrees: string, places: readonly OwnPlace[]): OwnPlaceClash | undefined {
  for (const place of places) {
    if (place.path === worktrees) return { place, how: 'is' };
    if (isInside(place.path, worktrees)) return { place, how: 'lies inside' };
    if (dirname(place.path) === worktrees) return { place, how: 'holds' };
  }
  return undefined;
}

/** A path for a message: relative to the repository root when inside it (`.` for the root), else as it is. */
function shownPath(root: string, path: string): string {
  if (!isInside(root, path)) return path;
  return relative(root, path) || '.';
}

/**
 * The refusal of a worktrees folder that is, lies inside or directly holds git's folder or Baton's
 * state folder, or undefined: run's preflight and doctor refuse it; clean, which must still remove
 * what such a folder holds, then takes none of its folders for a leftover worktree.
 */
export async function ownPlaceRefusal(
  root: string,
  config: Pick<Config, 'worktrees' | 'file'>,
): Promise<UserError | undefined> {
  const realRoot = realNearest(root);
  const places: OwnPlace[] = [
    { path: realNearest(stateDirFor(root)), words: "Baton's state folder" },
    { path: realNearest(await commonGitDir(root)), words: "git's folder" },
  ];
  const clash = worktreesOwnPlace(realNearest(config.worktrees), places);
  if (!clash) return undefined;
  const file = configFileName(config.file);
  const where = `${clash.place.words} ${shownPath(realRoot, clash.place.path)}`;
  return new UserError(
    'run/worktrees-own-folder',
    `the worktrees folder ${shownPath(root, config.worktrees)} (\`worktrees\` in ${file}) ${clash.how} ${where}: features' worktrees there would mix with the files git or Baton keeps there`,
    {
      hint: `Set \`worktrees\` in ${file} to a folder of its own outside the repository (the default is ../${basename(root)}.baton-worktrees).`,
    },
  );
}

/**
 * A worktrees folder (config `worktrees`) at, around or inside git's or Baton's own folder, or inside
 * the repository where git does not ignore it: there, every feature's worktree would show in the main
 * checkout as an untracked folder, which Baton reports as something an agent changed there and a next
 * run refuses as uncommitted. Refused before anything exists.
 */
export async function checkWorktreesFolder(
  root: string,
  config: Pick<Config, 'worktrees' | 'file'>,
): Promise<void> {
  const own = await ownPlaceRefusal(root, config);
  if (own) throw own;
  const { worktrees } = config;
  if (!isInside(root, worktrees)) return;
  const rel = relative(root, worktrees);
  const probe = join(rel, 'feature');
  const ignored = await gitRaw(root, ['check-ignore', '-q', '--', probe]);
  if (ignored.exitCode === 0) return;
  const shown = rel === '' ? '.' : rel;
  throw new UserError(
    'run/worktrees-inside',
    `the worktrees folder ${shown} (config \`worktrees\`) is inside the repository and git does not ignore it: each feature's worktree would show in the main checkout as an untracked change`,
    {
      hint: `Set \`worktrees\` to a folder outside the repository (the default is ../${basename(root)}.baton-worktrees), or add ${rel === '' ? 'the feature folders' : `${rel}/`} to .gitignore.`,
    },
  );
}

/**
 * The warning when the worktrees folder lies in the work tree of a superproject the repository is a
 * submodule of, where that superproject's git does not ignore it (the default `../<repo>.baton-worktrees`
 * of a submodule does): each feature's worktree then shows in the superproject's checkout as an
 * untracked folder, and a `baton run` there refuses it as uncommitted. Undefined otherwise. Not a
 * refusal: the repository's own checkout stays clean, and the superproject is the user's to arrange.
 */
export async function worktreesInSuperproject(
  root: string,
  config: Pick<Config, 'worktrees' | 'file'>,
): Promise<string | undefined> {
  // A submodule's `.git` is a file naming its folder in the superproject's: with a folder there, no git is asked.
  if (lstatSync(join(root, '.git'), { throwIfNoEntry: false })?.isDirectory() !== false) return undefined;
  const worktrees = realNearest(config.worktrees);
  let outer: string | undefined;
  let showing: string | undefined;
  for (let at = root; ; ) {
    const r = await gitRaw(at, ['rev-parse', '--show-superproject-working-tree']);
    const up = r.exitCode === 0 && r.stdout.trim() !== '' ? realNearest(r.stdout.trim()) : '';
    if (up === '' || up === at) break;
    outer = up;
    if (showing === undefined && isInside(up, worktrees)) {
      const probe = join(relative(up, worktrees), 'feature');
      if ((await gitRaw(up, ['check-ignore', '-q', '--', probe])).exitCode !== 0) showing = up;
    }
    at = up;
  }
  if (showing === undefined || outer === undefined) return undefined;
  const beside = join(dirname(outer), `${basename(outer)}.${basename(root)}.baton-worktrees`);
  return `the worktrees folder ${config.worktrees} (config \`worktrees\`) lies inside the checkout of ${showing}, which this repository is a submodule of, and git does not ignore it there: each feature's worktree shows in that checkout as an untracked folder, and a baton run there refuses it as uncommitted; set \`worktrees\` in ${configFileName(config.file)} to a folder outside it (e.g. ${relative(root, beside)}), or add ${relative(showing, worktrees)}/ to its .gitignore`;
}
