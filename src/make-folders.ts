import { lstatSync, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Creates `path` and its missing parents, one `mkdir` each, throwing the first error as `mkdir` gave
 * it. Node's `mkdirSync(…, { recursive: true })` spins for ever where `mkdir` answers ENOENT for a
 * folder whose parent exists (under /proc); a path a user names (`--log`, a worker's `--dir`) comes
 * here so that such a path is an error, not a hang.
 */
export function makeFolders(path: string): void {
  const missing: string[] = [];
  for (let p = path; ; p = dirname(p)) {
    try {
      lstatSync(p);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || dirname(p) === p) throw err;
      missing.push(p);
    }
  }
  // There already but not a folder (a file, a link to one): mkdir's own error says so (EEXIST).
  if (missing.length === 0 && !statSync(path).isDirectory()) mkdirSync(path);
  for (const p of missing.reverse()) {
    try {
      mkdirSync(p);
    } catch (err) {
      // Made meanwhile by another process: fine when it is a folder (mkdir's next step says otherwise).
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}
