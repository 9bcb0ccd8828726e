import { join } from 'node:path';

/**
 * Where Baton puts a unit's worktree (a feature's, an attempt's, the integration's): `<worktrees>/<id>`.
 * The one rule for `run`, `verify` (a queued branch checked out here), `clean` and the hints naming it.
 */
export function unitWorktree(worktrees: string, id: string): string {
  return join(worktrees, id);
}
