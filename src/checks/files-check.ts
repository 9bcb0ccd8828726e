import { existsSync, readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import picomatch from 'picomatch';
import { filesOutsideOwns, pathGlobMatcher } from '../contracts/owns.js';
import type { FilesCheck } from '../contracts/schema.js';
import { changedFiles, currentBranch, gitRaw, statusEntries } from '../git/git.js';
import { oneLine } from '../text/one-line.js';
import { type CheckVerdict, type FilesFindings, judgeFiles } from './judge.js';

/** Folders never searched unless a glob names them: they are not the feature's work. */
const SKIPPED_FOLDERS = new Set(['.git', 'node_modules']);

/** Files under `root` matching a glob (repository-relative, `/`-separated). */
export function findMatches(root: string, glob: string): string[] {
  const pattern = glob.replace(/^\.\//, '');
  const scan = picomatch.scan(pattern);
  if (!scan.isGlob) return existsSync(join(root, pattern)) ? [pattern] : [];
  const isMatch = pathGlobMatcher(pattern);
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
      if (entry.isDirectory()) {
        if (!SKIPPED_FOLDERS.has(entry.name)) walk(full);
      } else if (isMatch(rel)) {
        matches.push(rel);
      }
    }
  };
  walk(scan.base ? join(root, scan.base) : root);
  return matches.sort();
}

/**
 * Each glob's matches on the disk, less the files git ignores (one `git check-ignore` for all): an
 * ignored file never reaches a commit, so it cannot show that the feature's work holds it.
 */
async function findCommittable(
  cwd: string,
  globs: readonly string[],
): Promise<Array<{ glob: string; matches: string[]; ignored?: string[] }>> {
  const found = globs.map((glob) => ({ glob, matches: findMatches(cwd, glob) }));
  const all = [...new Set(found.flatMap((f) => f.matches))];
  if (all.length === 0) return found;
  const r = await gitRaw(cwd, ['check-ignore', '-z', '--stdin'], `${all.join('\0')}\0`);
  // Exit 1: none ignored; anything but 0 or 1 (not a repository): the disk's answer stands.
  if (r.exitCode !== 0) return found;
  const ignored = new Set(r.stdout.split('\0').filter((p) => p.length > 0));
  return found.map(({ glob, matches }) => {
    const left = matches.filter((m) => !ignored.has(m));
    return left.length === matches.length
      ? { glob, matches }
      : { glob, matches: left, ignored: matches.filter((m) => ignored.has(m)) };
  });
}

/** What a files check needs: where to look, what the feature owns, and the branch to diff. */
export interface FilesCheckOptions {
  check: FilesCheck;
  cwd: string;
  owns: readonly string[];
  diff?: { base: string; branch: string };
  /** The branch's changed files when already known: used instead of diffing again. */
  changed?: readonly string[];
}

/**
 * Checks that every `exist` glob matches a file in `cwd`, and with `untouched_outside_owns` that
 * the branch changed nothing outside `owns` since its merge base — uncommitted changes in a
 * worktree of that branch included, so work the runner has not yet committed is seen too.
 */
export async function runFilesCheck(opts: FilesCheckOptions): Promise<CheckVerdict> {
  const findings: FilesFindings = { exist: await findCommittable(opts.cwd, opts.check.exist ?? []) };
  if (opts.check.untouched_outside_owns && opts.changed) {
    const changed = [...opts.changed];
    findings.ownership = { changed, outside: filesOutsideOwns(changed, opts.owns), owns: [...opts.owns] };
  } else if (opts.check.untouched_outside_owns) {
    if (!opts.diff) {
      return {
        outcome: 'failed',
        message:
          'untouched_outside_owns needs the feature branch and its base to compare, and none was given',
      };
    }
    let changed: string[];
    try {
      changed = await changedFiles(opts.cwd, opts.diff.base, opts.diff.branch, true);
      if ((await currentBranch(opts.cwd)) === opts.diff.branch) {
        changed = [...new Set([...changed, ...(await statusEntries(opts.cwd)).map((e) => e.path)])].sort();
      }
    } catch (err) {
      return {
        outcome: 'failed',
        // git's stderr spans lines; a check's message is one.
        message: `could not diff ${opts.diff.branch} against ${opts.diff.base}: ${oneLine(err instanceof Error ? err.message : String(err))}`,
      };
    }
    findings.ownership = { changed, outside: filesOutsideOwns(changed, opts.owns), owns: [...opts.owns] };
  }
  return judgeFiles(findings);
}
