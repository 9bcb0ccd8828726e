import { join } from 'node:path';

/** Path of the event log of the repository whose main checkout is `root`. */
export function logPathFor(root: string): string {
  return join(root, '.baton', 'log.jsonl');
}

/** Folder for Baton's own files that are never committed (task files, agent logs). */
export function stateDirFor(root: string): string {
  return join(root, '.baton');
}
