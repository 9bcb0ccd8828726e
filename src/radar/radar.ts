import { join } from 'node:path';
import type { Contract } from '../contracts/schema.js';
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
import { snapshotWorktree, type WorktreeSnapshot } from './snapshot.js';

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
      case 'worktree.created':
        tracked.set(e.feature_id, {
          worktree: e.path,
          forkPoint: e.base_commit,
          running: false,
          owed: false,
          firstSeen: new Map(),
        });
        return;
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
        t.owed = false;
        try {
          t.snapshot = await snapshotWorktree(t.worktree, t.forkPoint, join(opts.scratchDir, `${id}.index`));
        } catch {
          // A worktree mid-removal or a git lock held too long: keep the last snapshot and try next time.
          return;
        }
        const at = now();
        for (const p of t.snapshot.paths) if (!t.firstSeen.has(p)) t.firstSeen.set(p, at);
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

  /** Paths that really conflict between the two snapshots, by a merge in memory (cached per commit pair). */
  const conflictsOf = async (c: CollisionCandidate): Promise<string[]> => {
    if (c.shared.length === 0) return [];
    const [a, b] = c.features.map((id) => tracked.get(id)?.snapshot?.commit);
    if (!a || !b) return [];
    const key = `${a}:${b}`;
    const cached = merges.get(key);
    if (cached) return cached;
    try {
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
  }

  return { scan, stop: close };
}
