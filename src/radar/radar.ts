import { statSync } from 'node:fs';
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
import { indexPathOf, snapshotWorktree, type WorktreeSnapshot } from './snapshot.js';
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
  /** The agent's index size and mtime at the last snapshot: a commit or `git add` by the agent changes it. */
  indexStamp?: string;
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

  /** Takes a new snapshot when the worktree changed since the last one; false when nothing did. */
  const refresh = async (id: string, t: Tracked): Promise<boolean> => {
    t.indexPath ??= await indexPathOf(t.worktree);
    const stamp = stampOf(t.indexPath);
    const changes = t.watch ? await t.watch.take((dirs) => ignoredAmong(t.worktree, dirs)) : 'all';
    if (changes !== 'all') {
      if (t.snapshot && changes.size === 0 && stamp === t.indexStamp) return false;
      for (const c of changes) t.everDirty.add(c);
    }
    const targeted = t.snapshot !== undefined && changes !== 'all';
    t.indexStamp = stamp;
    t.snapshot = await snapshotWorktree({
      worktree: t.worktree,
      forkPoint: t.forkPoint,
      scratchIndex: join(opts.scratchDir, `${id}.index`),
      indexPath: t.indexPath,
      ...(targeted ? { only: t.everDirty } : {}),
    });
    return true;
  };

  /** Paths that really conflict between the two snapshots, by a merge in memory (cached per commit pair). */
  const conflictsOf = async (c: CollisionCandidate): Promise<string[]> => {
    if (c.shared.length === 0) return [];
    const [sa, sb] = c.features.map((id) => tracked.get(id)?.snapshot);
    if (!sa || !sb) return [];
    try {
      const [a, b] = await Promise.all([sa.commit(), sb.commit()]);
      const key = `${a}:${b}`;
      const cached = merges.get(key);
      if (cached) return cached;
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

/** Size and modification time of a file, or `missing`. */
function stampOf(path: string): string {
  try {
    const s = statSync(path);
    return `${s.size}:${s.mtimeMs}`;
  } catch {
    return 'missing';
  }
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
