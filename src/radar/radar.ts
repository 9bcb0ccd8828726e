import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Contract } from '../contracts/schema.js';
import { gitRaw } from '../git/git.js';
import { mergeTree } from '../git/merge.js';
import type { BatonEvent } from '../log/events.js';
import type { EventSink } from '../log/sink.js';
import {
  type Collision,
  type CollisionCandidate,
  classify,
  diffCollisions,
  findCandidates,
  type RadarFeature,
} from './detect.js';
import {
  type ForkEntry,
  indexPathOf,
  listCommitFiles,
  snapshotWorktree,
  type WorktreeSnapshot,
  workingBlobId,
} from './snapshot.js';
import { WorktreeWatch } from './watch.js';

/** What the radar does when it sees a collision. */
export type CollisionPolicy = 'notify' | 'stop-later';

/** Everything the radar needs; `cli/run.ts` builds it next to the run. */
export interface RadarOptions {
  /** The repository's main checkout (where merge checks run). */
  root: string;
  sink: EventSink;
  /** The run's contracts, for `owns`. */
  contracts: ReadonlyMap<string, Contract>;
  intervalMs: number;
  /** Folder for the scratch index copies, outside every worktree. */
  scratchDir: string;
  policy: CollisionPolicy;
  /** Stops a running feature's agent (its work is kept); given by the runner for `stop-later`. */
  stopFeature?: (featureId: string, reason: string) => void;
  /** Milliseconds, for first-seen times; injectable for tests. */
  now?: () => number;
}

/** A running radar. */
export interface Radar {
  /** Scans once now (and waits for a scan already under way). */
  scan(): Promise<void>;
  /** Stops scanning and unsubscribes; emits nothing more. */
  stop(): void;
}

interface Tracked {
  worktree: string;
  forkPoint: string;
  /** Whether the agent is still working; a finished feature keeps its last snapshot. */
  running: boolean;
  /** One more scan is owed after the agent exited, to see its final work. */
  owed: boolean;
  snapshot?: WorktreeSnapshot;
  firstSeen: Map<string, number>;
  /** File events since the worktree was created; absent when watching failed (then every scan is full). */
  watch?: WorktreeWatch;
  /** Every path the watch ever reported: re-added on each scan, since the agent's index may not have them. */
  everDirty: Set<string>;
  indexPath?: string;
  /** Paths whose working content differs from the fork point, kept up to date from the watch. */
  touched: Set<string>;
  /** New files' ignore verdicts, asked of git once per path. */
  ignored: Map<string, boolean>;
}

/**
 * Starts the collision radar: it follows the run through the sink (worktrees created, agents started
 * and exited), snapshots every running feature's worktree each interval without touching its index
 * or files, and emits `collision.detected` / `collision.resolved` through the same sink.
 */
export function startRadar(opts: RadarOptions): Radar {
  const now = opts.now ?? Date.now;
  const tracked = new Map<string, Tracked>();
  const open = new Map<string, Collision>();
  const merges = new Map<string, string[]>();
  const stopped = new Set<string>();
  let scanning: Promise<void> | undefined;
  let closed = false;

  const follow = (e: BatonEvent) => {
    switch (e.type) {
      case 'worktree.created': {
        tracked.get(e.feature_id)?.watch?.close();
        let watch: WorktreeWatch | undefined;
        try {
          watch = new WorktreeWatch(e.path);
        } catch {
          watch = undefined;
        }
        tracked.set(e.feature_id, {
          worktree: e.path,
          forkPoint: e.base_commit,
          running: false,
          owed: false,
          firstSeen: new Map(),
          everDirty: new Set(),
          touched: new Set(),
          ignored: new Map(),
          ...(watch ? { watch } : {}),
        });
        return;
      }
      case 'feature.started': {
        const t = tracked.get(e.feature_id);
        if (t) t.running = true;
        return;
      }
      case 'agent.exited':
      case 'feature.ended': {
        const t = tracked.get(e.feature_id);
        if (t?.running) Object.assign(t, { running: false, owed: true });
        return;
      }
      case 'run.ended':
        close();
        return;
      default:
        return;
    }
  };
  const unsubscribe = opts.sink.subscribe(follow);

  const scanOnce = async () => {
    const due = [...tracked].filter(([, t]) => t.running || t.owed);
    await Promise.all(
      due.map(async ([id, t]) => {
        const final = !t.running;
        t.owed = false;
        try {
          if (!(await refresh(id, t))) return;
        } catch {
          // A worktree mid-removal or a git lock held too long: keep the last snapshot and try next time.
          return;
        } finally {
          if (final) t.watch?.close();
        }
        const at = now();
        for (const p of t.snapshot?.paths ?? []) if (!t.firstSeen.has(p)) t.firstSeen.set(p, at);
      }),
    );
    if (closed) return;
    const features = new Map<string, RadarFeature>();
    for (const [id, t] of tracked) {
      if (!t.snapshot) continue;
      features.set(id, {
        feature_id: id,
        paths: t.snapshot.paths,
        firstSeen: t.firstSeen,
        owns: opts.contracts.get(id)?.owns ?? [],
      });
    }
    const collisions = await Promise.all(
      findCandidates([...features.values()]).map(async (c) => classify(c, await conflictsOf(c), features)),
    );
    if (closed) return;
    const { detected, resolved } = diffCollisions(open, collisions);
    for (const c of detected) {
      open.set(c.key, c);
      opts.sink.emit({
        type: 'collision.detected',
        collision_id: c.key,
        features: [...c.features],
        kind: c.kind,
        paths: c.paths,
        second: c.second,
      });
      act(c);
    }
    for (const c of resolved) {
      open.delete(c.key);
      opts.sink.emit({ type: 'collision.resolved', collision_id: c.key, features: [...c.features] });
    }
  };

  /** Files of each fork point, listed once. */
  const forkFiles = new Map<string, Promise<Map<string, ForkEntry>>>();

  /**
   * Brings a feature's touched paths up to date; false when nothing changed. The first scan (and any
   * scan after the watch lost events) is a full git snapshot; later ones hash only the files the watch
   * reported and compare them with the fork point's blobs, so they cost no git process at all unless a
   * new file needs an ignore check.
   */
  const refresh = async (id: string, t: Tracked): Promise<boolean> => {
    t.indexPath ??= await indexPathOf(t.worktree);
    const changes = t.watch ? await t.watch.take((dirs) => ignoredAmong(t.worktree, dirs)) : 'all';
    if (changes !== 'all') for (const c of changes) t.everDirty.add(c);
    const scratchIndex = join(opts.scratchDir, `${id}.index`);
    const base = { worktree: t.worktree, forkPoint: t.forkPoint, scratchIndex, indexPath: t.indexPath };
    if (changes === 'all' || !t.snapshot) {
      t.snapshot = await snapshotWorktree(base);
      t.touched = new Set(t.snapshot.paths);
      return true;
    }
    if (changes.size === 0) return false;
    let fork = forkFiles.get(t.forkPoint);
    if (!fork) {
      fork = listCommitFiles(opts.root, t.forkPoint);
      forkFiles.set(t.forkPoint, fork);
    }
    await updateTouched(t, changes, await fork);
    // Everything touched or ever written: the agent's index may hold none of it.
    const only = new Set([...t.everDirty, ...t.touched]);
    let made: Promise<string> | undefined;
    t.snapshot = {
      paths: [...t.touched].sort(),
      // The merge check needs real trees; they are made only for a pair that shares a path.
      commit: () => {
        made ??= snapshotWorktree({ ...base, only, commitOnly: true }).then((s) => s.commit());
        return made;
      },
    };
    return true;
  };

  /** Paths that really conflict between the two snapshots, by a merge in memory (cached per commit pair). */
  const conflictsOf = async (c: CollisionCandidate): Promise<string[]> => {
    if (c.shared.length === 0) return [];
    const [ta, tb] = c.features.map((id) => tracked.get(id));
    if (!ta?.snapshot || !tb?.snapshot) return [];
    // Only paths both sides changed can conflict, so the verdict holds while their contents stay the same.
    const key = [c.key, ...c.shared.map((p) => `${p}:${blobOf(ta, p)}:${blobOf(tb, p)}`)].join('|');
    const cached = merges.get(key);
    if (cached) return cached;
    try {
      const [a, b] = await Promise.all([ta.snapshot.commit(), tb.snapshot.commit()]);
      const r = await mergeTree(opts.root, a, b);
      merges.set(key, r.conflicts);
      return r.conflicts;
    } catch {
      return [];
    }
  };

  const act = (c: Collision) => {
    if (opts.policy !== 'stop-later' || !opts.stopFeature || stopped.has(c.second)) return;
    if (!tracked.get(c.second)?.running) return;
    stopped.add(c.second);
    const other = c.features.find((f) => f !== c.second) ?? c.second;
    opts.stopFeature(
      c.second,
      `collision with ${other} on ${c.paths.join(', ')} (${c.kind}); stopped by --on-collision stop-later`,
    );
  };

  const scan = (): Promise<void> => {
    scanning ??= scanOnce().finally(() => {
      scanning = undefined;
    });
    return scanning;
  };
  const timer = setInterval(() => void scan(), opts.intervalMs);
  timer.unref();
  function close() {
    closed = true;
    clearInterval(timer);
    unsubscribe();
    for (const t of tracked.values()) t.watch?.close();
  }

  return { scan, stop: close };
}

/** The folders among `dirs` (relative to `worktree`) that git ignores, by one `check-ignore`. */
async function ignoredAmong(worktree: string, dirs: string[]): Promise<Set<string>> {
  // A trailing slash lets folder-only patterns (`build/`) match.
  const r = await gitRaw(worktree, ['check-ignore', '--stdin', '-z'], dirs.map((d) => `${d}/\0`).join(''));
  return new Set(
    r.stdout
      .split('\0')
      .filter(Boolean)
      .map((d) => d.replace(/\/$/, '')),
  );
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
  const r = await gitRaw(t.worktree, ['check-ignore', '--stdin', '-z'], `${fresh.join('\0')}\0`);
  const ignored = new Set(r.stdout.split('\0').filter(Boolean));
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
    out.add(p);
    const prefix = `${p}/`;
    for (const f of forkPaths) if (f.startsWith(prefix)) out.add(f);
    const stack = [p];
    while (stack.length > 0) {
      const dir = stack.pop()!;
      let entries: import('node:fs').Dirent[];
      try {
        entries = readdirSync(join(worktree, dir), { withFileTypes: true });
      } catch {
        continue;
      }
      out.delete(dir);
      for (const e of entries) {
        if (e.name === '.git' || e.name === 'node_modules') continue;
        const child = `${dir}/${e.name}`;
        if (e.isDirectory()) stack.push(child);
        else out.add(child);
      }
    }
  }
  return out;
}

/** The blob id of a working file, or `gone`: the content signature the merge verdict is cached by. */
function blobOf(t: Tracked, path: string): string {
  return workingBlobId(join(t.worktree, path))?.oid ?? 'gone';
}
