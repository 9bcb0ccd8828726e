/**
 * Names git gives a meaning of its own inside a work tree, beyond a plain file: a folder it opens as a
 * repository (whose config, hooks and fsmonitor it then runs), and the files it reads for the folder
 * they sit in. Pure: paths in, paths out.
 */

/** Code points HFS+ ignores in a name (git's `is_hfs_dotgit`): there, `.g\u200cit` is `.git`. */
const HFS_IGNORED = /[\u200c-\u200f\u202a-\u202e\u206a-\u206f\ufeff]/g;

/** A name as a case-folding file system reads it: HFS+ drops some code points, NTFS trailing dots and spaces. */
function folded(name: string): string {
  return name
    .replace(HFS_IGNORED, '')
    .replace(/[. ]+$/, '')
    .toLowerCase();
}

/** Whether a file system may take this name for `.git` (any case, NTFS's short name `git~1`). */
export function isDotGit(name: string): boolean {
  const n = folded(name);
  return n === '.git' || n === 'git~1';
}

/** Files git reads in any folder of a work tree, for the paths below it (attributes pick filters and drivers). */
const READ_BY_GIT = new Set(['.gitattributes', '.gitignore', '.gitmodules']);

/** Whether git reads a file of this name in the folder it sits in (`.gitattributes`, `.gitignore`, `.gitmodules`). */
export function isReadByGit(name: string): boolean {
  return READ_BY_GIT.has(folded(name));
}

/** What beside a `HEAD` makes git open a folder as a bare repository (`commondir` points to the rest). */
const BARE_SIGNS = ['objects', 'refs', 'commondir'];

/**
 * The paths among `files` (relative, `/`-separated, regular files only) through which git would find a
 * repository: each one's `.git` (a folder or a `gitdir:` file, however a file system may spell it), and
 * the `HEAD` of a folder laid out as a bare repository (`HEAD` beside `objects/`, `refs/` or `commondir`),
 * which git opens as one when run inside it. Sorted, each named once.
 */
export function repositoryPaths(files: readonly string[]): string[] {
  const found = new Set<string>();
  // Folder → the (folded) names of its entries, to tell a bare repository's layout.
  const entries = new Map<string, Set<string>>();
  for (const file of files) {
    const parts = file.split('/');
    const dotGit = parts.findIndex(isDotGit);
    if (dotGit >= 0) found.add(parts.slice(0, dotGit + 1).join('/'));
    for (let i = 0; i < parts.length; i++) {
      const folder = parts.slice(0, i).join('/');
      const names = entries.get(folder) ?? new Set<string>();
      names.add(folded(parts[i] ?? ''));
      entries.set(folder, names);
    }
  }
  for (const file of files) {
    const cut = file.lastIndexOf('/');
    const folder = cut < 0 ? '' : file.slice(0, cut);
    // A `.git` folder's own HEAD is that repository, named once already.
    if (folded(file.slice(cut + 1)) !== 'head' || folder.split('/').some(isDotGit)) continue;
    const names = entries.get(folder);
    if (names && BARE_SIGNS.some((s) => names.has(s))) found.add(file);
  }
  return [...found].sort();
}
