import { existsSync, lstatSync, readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import picomatch from 'picomatch';
import { expandOwnedPattern, filesOutsideOwns, isExclusion, pathGlobMatcher } from '../contracts/owns.js';
import type { FilesCheck } from '../contracts/schema.js';
import { changedFiles, currentBranch, gitRaw } from '../git/git.js';
import { branchRevision } from '../git/refs.js';
import { statusEntries } from '../git/status.js';
import { isInside, isWrittenInside, rootRelative } from '../path-inside.js';
import { realNearest } from '../real-nearest.js';
import { errorMessage } from '../text/error-message.js';
import { oneLine } from '../text/one-line.js';
import { type CheckVerdict, type FilesFindings, judgeFiles } from './judge.js';

/** Folders never searched unless a glob names them: they are not the feature's work. */
const SKIPPED_FOLDERS = new Set(['.git', 'node_modules']);

/** What one glob found: the matches, and what it would have reached outside the worktree. */
interface GlobScan {
  matches: string[];
  /** The glob itself when it is written outside, or the paths that lead out through a symlink. */
  outside: string[];
}

/**
 * The files under `root` a glob matches (repository-relative, `/`-separated; `/src/*.ts` is taken from
 * `root`), never anything outside `root`: a glob written outside it (`..`, `~`) matches nothing, and
 * neither does a path whose real location is elsewhere (a symlink in the worktree pointing out), nor is
 * a folder outside ever listed. A glob is read as an `owns` entry is (`expandOwnedPattern`: as a glob and
 * literally, a folder counting by its files), so `app/(shop)` and `app/products/[id]` find the files of
 * those folders whichever way their names are read.
 */
function scanGlob(root: string, glob: string): GlobScan {
  const pattern = rootRelative(glob);
  if (!isWrittenInside(pattern)) return { matches: [], outside: [glob] };
  const realRoot = realNearest(root);
  const leaves = (path: string) => !isInside(realRoot, realNearest(path));
  const outside: string[] = [];
  const scan = picomatch.scan(pattern);
  if (!scan.isGlob) {
    const full = join(root, pattern);
    if (leaves(full)) return { matches: [], outside: [pattern] };
    // A folder counts by the files in it: an empty one (or one of ignored files) no commit can hold.
    if (isFolder(full)) return scanGlob(root, `${pattern.replace(/\/+$/, '')}/**`);
    return { matches: existsSync(full) ? [pattern] : [], outside };
  }
  const start = scan.base ? join(root, scan.base) : root;
  if (leaves(start)) return { matches: [], outside: [scan.base] };
  // An entry starting with `!` is an exclusion to owns, which owns nothing: here it stays a plain glob.
  const isMatch = pathGlobMatcher(isExclusion(pattern) ? pattern : expandOwnedPattern(pattern));
  const matches: string[] = [];
  const walk = (dir: string) => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const full = join(dir, entry.name);
      const rel = relative(root, full).split(sep).join('/');
      // A symlink is never followed into a folder; it counts only when where it leads is in the worktree.
      if (entry.isDirectory()) {
        if (!SKIPPED_FOLDERS.has(entry.name)) walk(full);
      } else if (isMatch(rel)) {
        if (!entry.isSymbolicLink()) matches.push(rel);
        else if (leaves(full)) outside.push(rel);
        else if (existsSync(full)) matches.push(rel);
      }
    }
  };
  walk(start);
  return { matches: matches.sort(), outside: outside.sort() };
}

/** Whether `path` is a real folder (a link to one is not followed). */
function isFolder(path: string): boolean {
  try {
    return lstatSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Files under `root` matching a glob (repository-relative, `/`-separated), none outside `root`. */
export function findMatches(root: string, glob: string): string[] {
  return scanGlob(root, glob).matches;
}

/**
 * Each glob's matches on the disk, less the files git ignores (one `git check-ignore` for all): an
 * ignored file never reaches a commit, so it cannot show that the feature's work holds it.
 */
async function findCommittable(cwd: string, globs: readonly string[]): Promise<FilesFindings['exist']> {
  const found = globs.map((glob) => {
    const { matches, outside } = scanGlob(cwd, glob);
    return outside.length > 0 ? { glob, matches, outside } : { glob, matches };
  });
  const all = [...new Set(found.flatMap((f) => f.matches))];
  if (all.length === 0) return found;
  const r = await gitRaw(cwd, ['check-ignore', '-z', '--stdin'], `${all.join('\0')}\0`);
  // Exit 1: none ignored; anything but 0 or 1 (not a repository): the disk's answer stands.
  if (r.exitCode !== 0) return found;
  const ignored = new Set(r.stdout.split('\0').filter((p) => p.length > 0));
  return found.map((f) => {
    const left = f.matches.filter((m) => !ignored.has(m));
    return left.length === f.matches.length
      ? f
      : { ...f, matches: left, ignored: f.matches.filter((m) => ignored.has(m)) };
  });
}

/** The branch an ownership check diffs, and from where. */
export interface BranchDiff {
  /** Diffed from where the branch meets it (`base...branch`), unless `start` is known. */
  base: string;
  branch: string;
  /** Where the branch's own work starts (`ownWorkStartOf`): diffed from it (`start..branch`) instead. */
  start?: string;
  /**
   * Files the work it carries from its dependencies brings that none of them owns
   * (`carriedOutsideOwns`): counted as its own changes.
   */
  carried?: readonly string[];
  /** Why no base could be trusted to measure the branch from (`ownsBase`): the check fails. */
  unmeasured?: string;
}

/** The branch's changed files and those its carried work brings that no dependency owns (`BranchDiff.carried`). */
function withCarried(changed: readonly string[], diff: BranchDiff | undefined): string[] {
  const carried = diff?.carried ?? [];
  return carried.length === 0 ? [...changed] : [...new Set([...changed, ...carried])].sort();
}

/** What a files check needs: where to look, what the feature owns, and the branch to diff. */
export interface FilesCheckOptions {
  check: FilesCheck;
  cwd: string;
  owns: readonly string[];
  diff?: BranchDiff;
  /** The branch's changed files when already known: used instead of diffing again. */
  changed?: readonly string[];
}

/**
 * Checks that every `exist` glob matches a file in `cwd`, and with `untouched_outside_owns` that
 * the branch changed nothing outside `owns` since its merge base, or since where its own work starts
 * when that is known (`BranchDiff`) — uncommitted changes in a
 * worktree of that branch included, so work the runner has not yet committed is seen too.
 */
export async function runFilesCheck(opts: FilesCheckOptions): Promise<CheckVerdict> {
  const findings: FilesFindings = { exist: await findCommittable(opts.cwd, opts.check.exist ?? []) };
  if (opts.check.untouched_outside_owns && opts.changed) {
    const changed = withCarried(opts.changed, opts.diff);
    findings.ownership = { changed, outside: filesOutsideOwns(changed, opts.owns), owns: [...opts.owns] };
  } else if (opts.check.untouched_outside_owns) {
    if (!opts.diff) {
      return {
        outcome: 'failed',
        message:
          'untouched_outside_owns needs the feature branch and its base to compare, and none was given',
      };
    }
    if (opts.diff.unmeasured) {
      return {
        outcome: 'failed',
        message: `cannot tell what ${opts.diff.branch} changed: ${opts.diff.unmeasured}`,
      };
    }
    let changed: string[];
    try {
      const { base, start, branch } = opts.diff;
      changed = await changedFiles(opts.cwd, start ?? base, branchRevision(branch), start === undefined);
      if ((await currentBranch(opts.cwd)) === opts.diff.branch) {
        changed = [...new Set([...changed, ...(await statusEntries(opts.cwd)).map((e) => e.path)])].sort();
      }
    } catch (err) {
      return {
        outcome: 'failed',
        // git's stderr spans lines; a check's message is one.
        message: `could not diff ${opts.diff.branch} against ${opts.diff.base}: ${oneLine(errorMessage(err))}`,
      };
    }
    changed = withCarried(changed, opts.diff);
    findings.ownership = { changed, outside: filesOutsideOwns(changed, opts.owns), owns: [...opts.owns] };
  }
  return judgeFiles(findings);
}
