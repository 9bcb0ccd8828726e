/**
 * Symbolic links in the specs folder: a feature folder, or a feature's contract.md or spec.md, may be a
 * link to one inside the repository, read like any other; one that leads out of it is refused, as the
 * specs folder itself may not lead out (DESIGN §6: every path Baton reads stays inside the repository),
 * and so is a folder link to nothing.
 */
import { lstatSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import type { Diagnostic } from '../errors.js';
import { isInside } from '../path-inside.js';
import { realNearest } from '../real-nearest.js';

/**
 * What a symbolic link in the specs folder leads to: a folder inside the repository (`inside`), a file
 * (`file`), or the error refusing it: a folder outside the repository (Baton reads nothing there, as
 * the specs folder itself may not lead out) or nothing at all.
 */
export function linkedFolder(root: string, path: string, rel: string): 'inside' | 'file' | Diagnostic {
  let target = '';
  try {
    target = readlinkSync(path);
    if (!statSync(path).isDirectory()) return 'file';
    if (isInside(realNearest(root), realpathSync(path))) return 'inside';
  } catch {
    return {
      severity: 'error',
      code: 'contracts/broken-link',
      message: `${rel} is a symbolic link to ${target || 'something'} that does not exist (or cannot be followed); no contract is read there`,
      location: { file: rel },
      hint: `Point ${rel} at the feature's folder inside the repository, or remove the link.`,
    };
  }
  return linkOutside(rel, outsideProblem(target, 'folder', 'contract'), 'folder');
}

/** A feature's contract.md or spec.md refused unread: a symbolic link to a file outside the repository. */
export interface LinkedOutside {
  ok: false;
  reason: 'link-outside';
  /** Finishes a sentence that starts with the path, as a `TextRead`'s problem does. */
  problem: string;
}

/**
 * The refusal of a feature's contract.md or spec.md that is a symbolic link to a regular file outside the
 * repository, or undefined for any other path: a link inside it is read like a file, and a link to
 * nothing or to something not a regular file is left to the reader to name.
 */
export function linkedFileOutside(
  root: string,
  path: string,
  what: 'contract' | 'spec',
): LinkedOutside | undefined {
  let target: string;
  let real: string;
  try {
    if (!lstatSync(path).isSymbolicLink() || !statSync(path).isFile()) return undefined;
    target = readlinkSync(path);
    real = realpathSync(path);
  } catch {
    return undefined;
  }
  if (isInside(realNearest(root), real)) return undefined;
  return { ok: false, reason: 'link-outside', problem: outsideProblem(target, 'file', what) };
}

/** Why a link out of the repository is refused, after its path: "is a symbolic link to …, a file outside …". */
function outsideProblem(target: string, kind: 'folder' | 'file', what: 'contract' | 'spec'): string {
  return `is a symbolic link to ${target}, a ${kind} outside the repository; Baton reads no ${what} from outside it`;
}

/**
 * The one `contracts/link-outside` error, for a feature folder or a file of one (`rel`) linking out of
 * the repository, `problem` being what `outsideProblem` says of it.
 */
export function linkOutside(rel: string, problem: string, kind: 'folder' | 'file'): Diagnostic {
  return {
    severity: 'error',
    code: 'contracts/link-outside',
    message: `${rel} ${problem}`,
    location: { file: rel },
    hint:
      kind === 'folder'
        ? `Move the feature's folder into the repository (${rel} may link to it there), or copy it to ${rel}/.`
        : `Put the file itself at ${rel} in place of the link, or move it into the repository and link to it there.`,
  };
}
