import { type Dirent, lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** The space a folder takes on disk, and whether the walk saw all of it. */
export interface DiskUsage {
  bytes: number;
  /** False when the walk stopped at its budget: `bytes` is then a lower bound. */
  complete: boolean;
}

/** How many directory entries `measureDiskUsage` looks at by default, across all folders. */
export const DEFAULT_ENTRY_BUDGET = 200_000;

interface Walk {
  root: string;
  stack: string[];
  bytes: number;
  seen: Set<string>;
}

/**
 * Measures the disk space of each folder (allocated blocks, like `du`; symlinks not followed,
 * hard-linked files counted once, the worktree's `.git` link file skipped). The folders share a
 * budget of directory entries, spent one directory at a time in turn so one huge `node_modules`
 * cannot starve the others; a folder not finished within it is reported as a lower bound. A
 * missing folder is left out of the result.
 */
export function measureDiskUsage(
  folders: readonly string[],
  options: { entryBudget?: number } = {},
): Map<string, DiskUsage> {
  let budget = options.entryBudget ?? DEFAULT_ENTRY_BUDGET;
  const walks: Walk[] = [];
  for (const root of new Set(folders)) {
    try {
      if (!lstatSync(root).isDirectory()) continue;
    } catch {
      continue;
    }
    walks.push({ root, stack: [root], bytes: 0, seen: new Set() });
  }
  let active = walks.filter((w) => w.stack.length > 0);
  while (active.length > 0 && budget > 0) {
    for (const w of active) {
      const dir = w.stack.pop();
      if (dir === undefined) continue;
      budget -= walkDirectory(w, dir);
      if (budget <= 0) break;
    }
    active = active.filter((w) => w.stack.length > 0);
  }
  return new Map(walks.map((w) => [w.root, { bytes: w.bytes, complete: w.stack.length === 0 }]));
}

/** Adds one directory's entries to the walk; returns how many entries it looked at. */
function walkDirectory(w: Walk, dir: string): number {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 1; // vanished or unreadable while walking: count what we can
  }
  for (const e of entries) {
    if (dir === w.root && e.name === '.git' && !e.isDirectory()) continue;
    const path = join(dir, e.name);
    let st: ReturnType<typeof lstatSync>;
    try {
      st = lstatSync(path);
    } catch {
      continue;
    }
    if (st.nlink > 1 && !st.isDirectory()) {
      const key = `${st.dev}:${st.ino}`;
      if (w.seen.has(key)) continue;
      w.seen.add(key);
    }
    w.bytes += allocated(st);
    if (st.isDirectory()) w.stack.push(path);
  }
  return entries.length + 1;
}

function allocated(st: { blocks?: number; size: number }): number {
  // `blocks` is what `du` counts (512-byte units); platforms without it report the apparent size.
  return typeof st.blocks === 'number' && Number.isFinite(st.blocks) ? st.blocks * 512 : st.size;
}

/** Formats a byte count as `812 KB`, `1.4 GB` (decimal units, as `du -h --si` and Finder show). */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1;
  return `${value.toFixed(digits)} ${units[unit]}`;
}
