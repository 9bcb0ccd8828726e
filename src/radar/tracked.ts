/**
 * One feature's worktree as the radar follows it: its watch, its last snapshot, and the paths that
 * differ from its fork point, brought up to date on each scan (git and the disk; the decisions are in
 * detect.ts).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ignoredAmong as checkIgnore } from '../git/check-ignore.js';
import {
  type ForkEntry,
  indexPathOf,
  listCommitFiles,
  snapshotWorktree,
  type WorktreeSnapshot,
  workingBlobId,
} from './snapshot.js';
import { WorktreeWatch } from './watch.js';

/** A feature's worktree followed by the radar. */
export interface Tracked {
  worktree: string;
  forkPoint: string;
  /** Whether the agent is still working; a finished feature keeps its last snapshot. */
  running: boolean;
  /** One more scan is owed after the agent exited, to see its final work. */
  owed: boolean;
  snapshot?: WorktreeSnapshot;
  firstSeen: Map<string, number>;
  /** File events since the first scan; absent before it and when watching failed (then every scan is full). */
  watch?: WorktreeWatch;
  /** Whether the watch was set up (or failed to be): once, at the first scan of a running agent. */
  watchTried: boolean;
  /** Every path the watch ever reported: re-added on each scan, since the agent's index may not have them. */
  everDirty: Set<string>;
  indexPath?: string;
  /** Paths whose working content differs from the fork point, kept up to date from the watch. */
  touched: Set<string>;
  /** New files' ignore verdicts, asked of git once per path. */
  ignored: Map<string, boolean>;
}

/**
 * A worktree to follow from its creation. Nothing is watched or read yet: the first scan that finds
 * its agent running starts the watch and takes a full git snapshot (which covers what was written
 * before the watch), so a feature that ends before the radar first looks costs nothing, and making
 * the worktree costs no inotify set-up (one watch per folder) on the way to starting its agent.
 */
export function trackWorktree(worktree: string, forkPoint: string): Tracked {
  return {
    worktree,
    forkPoint,
    running: false,
    owed: false,
    watchTried: false,
    firstSeen: new Map(),
    everDirty: new Set(),
    touched: new Set(),
    ignored: new Map(),
  };
}

/** The watch of a worktree, or undefined when it cannot be set up (every scan is then full). */
function startWatch(worktree: string): WorktreeWatch | undefined {
  try {
    return new WorktreeWatch(worktree);
  } catch {
    return undefined;
  }
}

/** Where a refresh reads: the main checkout, the scratch folder, and the files of each fork point, listed once. */
export interface RefreshPlaces {
  root: string;
  scratchDir: string;
  forkFiles: Map<string, Promise<Map<string, ForkEntry>>>;
}

/**
 * Brings a feature's touched paths up to date; false when nothing changed. The first scan of a
 * worktree (and any scan after the watch lost events) is a full git snapshot; the others hash only
 * the files the watch reported and compare them with the fork point's blobs, so they cost no git
 * process at all unless a new file needs an ignore check, and a worktree nobody wrote to costs none.
 */
export async function refreshTracked(id: string, t: Tracked, where: RefreshPlaces): Promise<boolean> {
  // The first look at a running agent: the watch reports what is written from now on, and the full
  // snapshot below (there is none yet) covers what came before. A last look needs no watch.
  if (!t.watchTried && t.running) {
    t.watchTried = true;
    const watch = startWatch(t.worktree);
    if (watch) t.watch = watch;
  }
  const changes = t.watch ? await t.watch.take((dirs) => ignoredAmong(t, dirs)) : 'all';
  if (changes !== 'all') for (const c of changes) t.everDirty.add(c);
  const scratchIndex = join(where.scratchDir, `${id}.index`);
  const place = { worktree: t.worktree, forkPoint: t.forkPoint, scratchIndex };
  if (changes === 'all' || !t.snapshot) {
    t.indexPath ??= await indexPathOf(t.worktree);
    t.snapshot = await snapshotWorktree({ ...place, indexPath: t.indexPath });
    t.touched = new Set(t.snapshot.paths);
    return true;
  }
  if (changes.size === 0) return false;
  let fork = where.forkFiles.get(t.forkPoint);
  if (!fork) {
    fork = listCommitFiles(where.root, t.forkPoint);
    where.forkFiles.set(t.forkPoint, fork);
  }
  await updateTouched(t, changes, await fork);
  // Everything touched or ever written: the agent's index may hold none of it.
  const only = new Set([...t.everDirty, ...t.touched]);
  let made: Promise<string> | undefined;
  t.snapshot = {
    paths: [...t.touched].sort(),
    // The merge check needs real trees; they are made only for a pair that shares a path.
    commit: () => {
      made ??= (async () => {
        t.indexPath ??= await indexPathOf(t.worktree);
        const s = await snapshotWorktree({ ...place, indexPath: t.indexPath, only, commitOnly: true });
        return s.commit();
      })();
      return made;
    },
  };
  return true;
}

/**
 * The folders among `dirs` (relative to the worktree) that git ignores. The files below them are
 * asked in the same `check-ignore` and their verdicts kept, so a new folder's files cost no second
 * git process when the scan hashes them.
 */
async function ignoredAmong(t: Tracked, dirs: string[]): Promise<Set<string>> {
  const files = dirs.flatMap((d) => filesBelow(t.worktree, d) ?? []).filter((f) => !t.ignored.has(f));
  const ignored = await checkIgnore(t.worktree, [...dirs.map((d) => `${d}/`), ...files]);
  for (const f of files) t.ignored.set(f, ignored.has(f));
  return new Set(dirs.filter((d) => ignored.has(`${d}/`)));
}

/** Recomputes the touched state of the changed paths by hashing them against the fork point's files. */
async function updateTouched(
  t: Tracked,
  changes: ReadonlySet<string>,
  fork: ReadonlyMap<string, ForkEntry>,
): Promise<void> {
  const algorithm = [...fork.values()][0]?.oid.length === 64 ? 'sha256' : 'sha1';
  const fresh: string[] = [];
  for (const p of expandPaths(t.worktree, changes, fork)) {
    const now = workingBlobId(join(t.worktree, p), algorithm);
    const was = fork.get(p);
    if (was) {
      if (now && now.oid === was.oid && now.mode === was.mode) t.touched.delete(p);
      else t.touched.add(p);
    } else if (!now) t.touched.delete(p);
    else if (t.ignored.has(p)) {
      if (t.ignored.get(p)) t.touched.delete(p);
      else t.touched.add(p);
    } else fresh.push(p);
  }
  if (fresh.length === 0) return;
  const ignored = await checkIgnore(t.worktree, fresh);
  for (const p of fresh) {
    t.ignored.set(p, ignored.has(p));
    if (ignored.has(p)) t.touched.delete(p);
    else t.touched.add(p);
  }
}

/** The files a set of changed paths stands for: folders walked, and fork files under a folder that went away. */
function expandPaths(
  worktree: string,
  changes: ReadonlySet<string>,
  fork: ReadonlyMap<string, ForkEntry>,
): Set<string> {
  const out = new Set<string>();
  const forkPaths = [...fork.keys()];
  for (const p of changes) {
    const below = filesBelow(worktree, p);
    if (!below) out.add(p);
    for (const f of below ?? []) out.add(f);
    const prefix = `${p}/`;
    for (const f of forkPaths) if (f.startsWith(prefix)) out.add(f);
  }
  return out;
}

/** The files below a folder of the worktree (not in `.git` or `node_modules`), or undefined when it is no folder. */
function filesBelow(worktree: string, dir: string): string[] | undefined {
  const out: string[] = [];
  const stack = [dir];
  while (stack.length > 0) {
    const at = stack.pop()!;
    let entries: import('node:fs').Dirent[];
    try {
      entries = readdirSync(join(worktree, at), { withFileTypes: true });
    } catch {
      if (at === dir) return undefined;
      continue;
    }
    for (const e of entries) {
      if (e.name === '.git' || e.name === 'node_modules') continue;
      const child = `${at}/${e.name}`;
      if (e.isDirectory()) stack.push(child);
      else out.push(child);
    }
  }
  return out;
}

/** The blob id of a working file, or `gone`: the content signature the merge verdict is cached by. */
export function blobOf(t: Tracked, path: string): string {
  return workingBlobId(join(t.worktree, path))?.oid ?? 'gone';
}
