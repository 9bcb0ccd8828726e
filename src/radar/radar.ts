import { featureOfUnit } from '../contracts/feature-id.js';
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
import { blobOf, type RefreshPlaces, refreshTracked, type Tracked, trackWorktree } from './tracked.js';

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
  /** Stops scanning and unsubscribes; emits nothing more; resolves once a scan under way has ended (no git of its left running). */
  stop(): Promise<void>;
}

/**
 * Starts the collision radar: it follows the run through the sink (worktrees created, agents started
 * and exited), snapshots every running feature's worktree each interval without touching its index
 * or files, and emits `collision.detected` / `collision.resolved` through the same sink.
 */
export function startRadar(opts: RadarOptions): Radar {
  const radar = new CollisionRadar(opts);
  return { scan: () => radar.scan(), stop: () => radar.close() };
}

/** The radar's state between scans: the worktrees followed, the collisions open, the verdicts cached. */
class CollisionRadar {
  readonly #opts: RadarOptions;
  readonly #now: () => number;
  readonly #tracked = new Map<string, Tracked>();
  readonly #open = new Map<string, Collision>();
  /** Merge verdicts by the pair and the contents of the paths both changed. */
  readonly #merges = new Map<string, string[]>();
  /** Features already stopped by `stop-later`. */
  readonly #stopped = new Set<string>();
  readonly #places: RefreshPlaces;
  readonly #unsubscribe: () => void;
  readonly #timer: NodeJS.Timeout;
  #scanning: Promise<void> | undefined;
  #closed = false;

  constructor(opts: RadarOptions) {
    this.#opts = opts;
    this.#now = opts.now ?? Date.now;
    this.#places = { root: opts.root, scratchDir: opts.scratchDir, forkFiles: new Map() };
    this.#unsubscribe = opts.sink.subscribe((e) => this.#follow(e));
    this.#timer = setInterval(() => void this.scan(), opts.intervalMs);
    this.#timer.unref();
  }

  /** Scans once now (and waits for a scan already under way). */
  scan(): Promise<void> {
    this.#scanning ??= this.#scanOnce().finally(() => {
      this.#scanning = undefined;
    });
    return this.#scanning;
  }

  /** Stops scanning and unsubscribes; emits nothing more; resolves once a scan under way has ended. */
  close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    this.#unsubscribe();
    for (const t of this.#tracked.values()) t.watch?.close();
    return (this.#scanning ?? Promise.resolve()).catch(() => {});
  }

  #follow(e: BatonEvent): void {
    switch (e.type) {
      case 'worktree.created':
        this.#tracked.get(e.feature_id)?.watch?.close();
        this.#tracked.set(e.feature_id, trackWorktree(e.path, e.base_commit));
        return;
      case 'feature.started': {
        const t = this.#tracked.get(e.feature_id);
        if (t) t.running = true;
        return;
      }
      case 'agent.exited':
      case 'feature.ended': {
        const t = this.#tracked.get(e.feature_id);
        if (t?.running) Object.assign(t, { running: false, owed: true });
        return;
      }
      case 'run.ended':
        void this.close();
        return;
      default:
        return;
    }
  }

  async #scanOnce(): Promise<void> {
    await Promise.all(
      [...this.#tracked].filter(([, t]) => t.running || t.owed).map(([id, t]) => this.#refresh(id, t)),
    );
    if (this.#closed) return;
    const features = radarFeatures(this.#tracked, this.#opts.contracts);
    const collisions = (
      await Promise.all(
        findCandidates([...features.values()]).map(async (c) =>
          classify(c, await this.#conflictsOf(c), features),
        ),
      )
    ).flat();
    if (this.#closed) return;
    const { detected, resolved } = diffCollisions(this.#open, collisions);
    for (const c of detected) {
      this.#open.set(c.key, c);
      this.#opts.sink.emit({
        type: 'collision.detected',
        collision_id: c.key,
        features: [...c.features],
        kind: c.kind,
        paths: c.paths,
        second: c.second,
      });
      this.#act(c);
    }
    for (const c of resolved) {
      this.#open.delete(c.key);
      this.#opts.sink.emit({ type: 'collision.resolved', collision_id: c.key, features: [...c.features] });
    }
  }

  /** Refreshes one due worktree (its last look once the agent exited) and dates the paths seen first now. */
  async #refresh(id: string, t: Tracked): Promise<void> {
    // A closed radar starts no watch (a first look sets one up): it would keep the process alive.
    if (this.#closed) return;
    const final = !t.running;
    t.owed = false;
    try {
      if (!(await refreshTracked(id, t, this.#places))) return;
    } catch {
      // A worktree mid-removal or a git lock held too long: keep the last snapshot and try next time.
      return;
    } finally {
      if (final) t.watch?.close();
    }
    const at = this.#now();
    for (const p of t.snapshot?.paths ?? []) if (!t.firstSeen.has(p)) t.firstSeen.set(p, at);
  }

  /** Paths that really conflict between the two snapshots, by a merge in memory (cached per commit pair). */
  async #conflictsOf(c: CollisionCandidate): Promise<string[]> {
    if (c.shared.length === 0) return [];
    const [ta, tb] = c.features.map((id) => this.#tracked.get(id));
    if (!ta?.snapshot || !tb?.snapshot) return [];
    // Only paths both sides changed can conflict, so the verdict holds while their contents stay the same.
    const key = [c.key, ...c.shared.map((p) => `${p}:${blobOf(ta, p)}:${blobOf(tb, p)}`)].join('|');
    const cached = this.#merges.get(key);
    if (cached) return cached;
    try {
      const [a, b] = await Promise.all([ta.snapshot.commit(), tb.snapshot.commit()]);
      const r = await mergeTree(this.#opts.root, a, b);
      this.#merges.set(key, r.conflicts);
      return r.conflicts;
    } catch {
      return [];
    }
  }

  /** Under `stop-later`, stops the second feature of a new collision while its agent still runs (once). */
  #act(c: Collision): void {
    const { policy, stopFeature } = this.#opts;
    if (policy !== 'stop-later' || !stopFeature || this.#stopped.has(c.second)) return;
    if (!this.#tracked.get(c.second)?.running) return;
    this.#stopped.add(c.second);
    stopFeature(c.second, stopReason(c));
  }
}

/** The features with a snapshot, as the detection sees them (pure). */
function radarFeatures(
  tracked: ReadonlyMap<string, Tracked>,
  contracts: ReadonlyMap<string, Contract>,
): Map<string, RadarFeature> {
  const features = new Map<string, RadarFeature>();
  for (const [id, t] of tracked) {
    if (!t.snapshot) continue;
    // A best-of-N attempt works under its feature's contract: its owns, and no collision with a sibling.
    const feature = featureOfUnit(id);
    features.set(id, {
      feature_id: id,
      feature,
      paths: t.snapshot.paths,
      firstSeen: t.firstSeen,
      owns: contracts.get(feature)?.owns ?? [],
    });
  }
  return features;
}

/** Why `stop-later` stopped a collision's second feature, in words. */
function stopReason(c: Collision): string {
  const other = c.features.find((f) => f !== c.second) ?? c.second;
  return `collision with ${other} on ${c.paths.join(', ')} (${c.kind}); stopped by --on-collision stop-later`;
}
