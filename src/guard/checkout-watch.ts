/**
 * Writes into the main checkout (an agent that `cd`'d out of its worktree). One `git status` at the
 * run's start, then one each time the run goes idle — the last agent of a wave ended, no agent is
 * running — rather than one per agent (issue #17: a status of the whole checkout grows with the
 * repository). A change found is attributed like a repository change (`attributeChange`), a path
 * also by what the running features own: to the one agent that owns it, else to the one agent whose
 * run window overlaps the span since the last look, or to `unknown` — never confidently to the wrong one.
 */
import { type StatusEntry, statusEntries } from '../git/status.js';
import { isStatePath } from '../log/paths.js';
import { type AgentWindow, type Attribution, attributeChange } from './attribution.js';

/** A path of the main checkout that changed, and who is taken to have changed it, on what evidence. */
export interface CheckoutChange extends Attribution {
  path: string;
}

/** Whether feature `featureId`'s contract owns `path` (the evidence that names an agent among several). */
export type OwnsPath = (featureId: string, path: string) => boolean;

/** Whether a status entry is outside Baton's own `.baton/` (which agents and Baton write by design). */
export const outsideStateDir = (e: StatusEntry) => !isStatePath(e.path);

/** Watches the main checkout through a run; `checkWhenIdle` after each agent reports what is new. */
export class CheckoutWatch {
  readonly #root: string;
  readonly #baseline: Map<string, string>;
  readonly #reported = new Set<string>();
  readonly #owns: OwnsPath;
  #lastCheckMs: number;
  /** How many `git status` runs the watch made, the baseline included (for tests and benches). */
  statusRuns = 1;

  private constructor(root: string, baseline: Map<string, string>, nowMs: number, owns: OwnsPath) {
    this.#root = root;
    this.#baseline = baseline;
    this.#lastCheckMs = nowMs;
    this.#owns = owns;
  }

  /**
   * Takes the baseline: what the main checkout already had changed before any agent ran (`known`:
   * a status the run's preflight took a moment ago, instead of asking git again); `owns` tells
   * which feature owns a path.
   */
  static async start(
    root: string,
    nowMs: number = Date.now(),
    known?: readonly StatusEntry[],
    owns: OwnsPath = () => false,
  ): Promise<CheckoutWatch> {
    const entries = (known ?? (await statusEntries(root))).filter(outsideStateDir);
    const watch = new CheckoutWatch(root, new Map(entries.map((e) => [e.path, e.code])), nowMs, owns);
    if (known) watch.statusRuns = 0;
    return watch;
  }

  /**
   * When no window is open (every agent started so far has ended), looks at the main checkout once
   * and returns the paths not reported before, each attributed over the span since the last look;
   * while some agent still runs, returns nothing and leaves the look to the wave's last agent.
   */
  async checkWhenIdle(
    windows: readonly AgentWindow[],
    nowMs: () => number = Date.now,
    known?: readonly StatusEntry[],
  ): Promise<CheckoutChange[]> {
    if (windows.some((w) => w.endMs === undefined)) return [];
    const now = nowMs();
    this.statusRuns++;
    const entries = (known ?? (await statusEntries(this.#root))).filter(outsideStateDir);
    const since = this.#lastCheckMs;
    this.#lastCheckMs = now;
    const fresh: CheckoutChange[] = [];
    for (const e of entries) {
      if (this.#baseline.get(e.path) === e.code || this.#reported.has(e.path)) continue;
      this.#reported.add(e.path);
      fresh.push({ path: e.path, ...attributeChange(windows, since, now, (f) => this.#owns(f, e.path)) });
    }
    return fresh;
  }
}
