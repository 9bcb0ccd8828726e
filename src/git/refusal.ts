/** What git says when it refuses to merge, in the words and paths Baton repeats (pure). */
import { escapeControl } from '../text/escape.js';
import { someOf } from '../text/some-of.js';

/** Paths a refusal names at most, before "and N more". */
export const MAX_NAMED = 10;

/**
 * A git refusal on one line (pure): its first line and the paths git lists under it, one a line and
 * tab-indented (`error: The following untracked working tree files would be overwritten by merge:`
 * then `\tsrc/m/m.txt`), control characters escaped: the paths are the repository's, not Baton's.
 */
export function gitRefusal(output: string): string {
  const lines = output.replace(/\s+$/, '').split('\n');
  const head = escapeControl(lines[0]?.trim() ?? '');
  const paths: string[] = [];
  for (const line of lines.slice(1)) {
    if (!line.startsWith('\t')) break;
    paths.push(escapeControl(line.slice(1)));
  }
  if (paths.length === 0) return head;
  return `${head} ${someOf(paths, MAX_NAMED)}`;
}

/**
 * The paths git names when it refuses a merge over untracked files (pure): the tab-indented lines under
 * `The following untracked working tree files would be overwritten by merge:` (or `removed by merge`),
 * or the one in `Untracked working tree file '<path>' would be overwritten by merge.`
 */
export function untrackedBlocking(stderr: string): string[] {
  const paths: string[] = [];
  let listing = false;
  for (const line of stderr.split('\n')) {
    const one = /Untracked working tree file '(.+)' would be (?:overwritten|removed) by/.exec(line);
    if (one?.[1]) paths.push(one[1]);
    if (/untracked working tree files would be (overwritten|removed) by/.test(line)) listing = true;
    else if (listing && line.startsWith('\t')) paths.push(line.slice(1));
    else listing = false;
  }
  return paths;
}
