/** What `git status` says of a work tree: its HEAD and whether anything is uncommitted, or each change. */
import { gitRaw } from './git.js';

/**
 * A work tree's HEAD commit, and whether it holds anything a commit of it would take that HEAD lacks:
 * tracked files changed (staged or not) or untracked files git does not ignore (an ignored build
 * output does not count). One `git status`; undefined commit when HEAD is unborn or unreadable.
 */
export async function headAndUncommitted(cwd: string): Promise<{ commit?: string; dirty: boolean }> {
  const r = await gitRaw(cwd, [...HEAD_STATUS_ARGS]);
  if (r.exitCode !== 0) return { dirty: true };
  return parseHeadStatus(r.stdout);
}

/** The `git status` arguments `parseHeadStatus` reads: HEAD's commit in a header, then any change. */
export const HEAD_STATUS_ARGS: readonly string[] = [
  'status',
  '--porcelain=v2',
  '-z',
  '--branch',
  '--no-ahead-behind',
  '--untracked-files=normal',
];

/** HEAD's commit (`# branch.oid`, not `(initial)`) and whether any entry follows the headers (pure). */
export function parseHeadStatus(out: string): { commit?: string; dirty: boolean } {
  let commit: string | undefined;
  let dirty = false;
  for (const token of out.split('\0')) {
    if (token.startsWith('# branch.oid ')) {
      const oid = token.slice('# branch.oid '.length);
      if (/^[0-9a-f]{40,64}$/.test(oid)) commit = oid;
    } else if (token.length > 0 && !token.startsWith('# ')) dirty = true;
  }
  return { ...(commit ? { commit } : {}), dirty };
}

/** One entry of `git status --porcelain`: its two-letter code and path. */
export interface StatusEntry {
  code: string;
  path: string;
}

/** The `git status` arguments `statusEntries` parses the output of. */
export const STATUS_ARGS: readonly string[] = ['status', '--porcelain=v1', '-z', '--untracked-files=all'];

/** The work tree's changes (staged, unstaged and untracked), ignoring ignored files. */
export async function statusEntries(cwd: string): Promise<StatusEntry[]> {
  return parsePorcelainStatus((await gitRaw(cwd, [...STATUS_ARGS])).stdout);
}

/** The entries of `git status --porcelain=v1 -z` output, a rename's or copy's source skipped (pure). */
export function parsePorcelainStatus(out: string): StatusEntry[] {
  const entries: StatusEntry[] = [];
  const parts = out.split('\0');
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    if (!p) continue;
    const code = p.slice(0, 2);
    entries.push({ code, path: p.slice(3) });
    if (code.startsWith('R') || code.startsWith('C')) i++; // the rename's source follows
  }
  return entries;
}
