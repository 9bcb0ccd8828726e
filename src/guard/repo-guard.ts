/**
 * Watches the repository through a run (`repo-snapshot.ts` says what is watched): each look reports
 * what changed since the run's start and was not reported before — and what a look reported that is
 * back as it was (a branch made and deleted again) — each attributed best-effort by run windows.
 */
import { worktreeAdminName } from '../git/full-checkout.js';
import { commonGitDir } from '../git/git.js';
import type { NewEvent } from '../log/events.js';
import { type AgentWindow, type Attribution, attributeChange, escapeEvents } from './attribution.js';
import { readStashEntries, reflogTail } from './reflog.js';
import { describeChange, type RepoChange } from './repo-change.js';
import {
  compareSnapshots,
  parseSnapshots,
  type RepoSnapshot,
  snapshotGitFile,
  snapshotRepo,
} from './repo-snapshot.js';

/** A change's identity across looks: its kind and name. */
const changeId = (c: RepoChange) => `${c.kind}\0${c.name}`;

/**
 * Watches the repository through a run: `check()` after each agent returns the changes not yet
 * reported, each with the agent it is attributed to (or `unknown`).
 */
export class RepoGuard {
  readonly #root: string;
  readonly #gitDir: string;
  readonly #baseline: RepoSnapshot;
  readonly #allowed: (ref: string) => boolean;
  /** What the looks reported and still stands, by `changeId`: the run's start's value and the last one said. */
  readonly #said = new Map<string, RepoChange>();
  /** Stash entries not there at the start that an agent's start or end saw, since the last look. */
  readonly #stashSeen = new Map<string, string>();
  readonly windows: AgentWindow[] = [];
  #lastCheckMs: number;

  private constructor(
    root: string,
    gitDir: string,
    baseline: RepoSnapshot,
    allowed: (ref: string) => boolean,
  ) {
    this.#root = root;
    this.#gitDir = gitDir;
    this.#baseline = baseline;
    this.#allowed = allowed;
    this.#lastCheckMs = Date.now();
  }

  /**
   * Snapshots the repository before any agent starts (or takes the `baseline` the run's preflight
   * already took); `ownBranches` are the features' `baton/<id>`, `ownRef` the other refs Baton itself
   * writes during the run (a restarted feature's backup ref).
   */
  static async start(
    root: string,
    ownBranches: Iterable<string>,
    baseline?: RepoSnapshot,
    ownRef: (ref: string) => boolean = () => false,
  ): Promise<RepoGuard> {
    const own = new Set([...ownBranches].map((b) => `refs/heads/${b}`));
    const [gitDir, snapshot] = await Promise.all([commonGitDir(root), baseline ?? snapshotRepo(root)]);
    return new RepoGuard(root, gitDir, snapshot, (ref) => own.has(ref) || ownRef(ref));
  }

  /**
   * Takes a worktree Baton has just made, before its agent starts, into the baseline: the
   * `config.worktree` git wrote in its admin folder (a copy of the main checkout's, with sparse
   * checkout turned off: `makeFullCheckout`) is Baton's, not an agent's change; what an agent changes
   * in it later is reported like any other change.
   */
  worktreeMade(worktree: string): void {
    const admin = worktreeAdminName(worktree);
    if (admin === undefined) return;
    const name = `${admin}/config.worktree`;
    const print = snapshotGitFile(this.#gitDir, name);
    if (print === undefined) this.#baseline.files.delete(name);
    else this.#baseline.files.set(name, print);
  }

  /** Records that a feature's agent started. */
  agentStarted(featureId: string): void {
    this.#noteStash();
    this.windows.push({ feature_id: featureId, startMs: Date.now() });
  }

  /** Records that a feature's agent ended. */
  agentEnded(featureId: string): void {
    const w = [...this.windows].reverse().find((x) => x.feature_id === featureId && x.endMs === undefined);
    if (w) w.endMs = Date.now();
    this.#noteStash();
  }

  /**
   * Notes the stash entries made since the start, from its log alone (no git process): one the user
   * made while an agent ran and the next agent popped (the stash is shared by every worktree) is gone
   * before the run goes idle and looks, and would otherwise never be reported.
   */
  #noteStash(): void {
    const start = this.#baseline.stash;
    if (start === undefined) return;
    for (const [commit, message] of readStashEntries(this.#gitDir, true) ?? []) {
      if (!start.has(commit)) this.#stashSeen.set(commit, message);
    }
  }

  /** Whether an agent ended since the last look: the run's end looks once more then. */
  get unchecked(): boolean {
    return this.windows.some((w) => w.endMs !== undefined && w.endMs >= this.#lastCheckMs);
  }

  /**
   * Changes since the baseline not reported before, each attributed to an agent or `unknown`; looked
   * at only when no agent is running (once per wave, like the main checkout's `CheckoutWatch`), so
   * while some agent still runs this returns nothing and leaves the look to the wave's last agent.
   */
  async checkWhenIdle(): Promise<Array<RepoChange & Attribution>> {
    if (this.windows.some((w) => w.endMs === undefined)) return [];
    return this.check();
  }

  /** Changes since the baseline not reported before (`now`: a snapshot just taken), each attributed to an agent or `unknown`. */
  async check(current?: RepoSnapshot): Promise<Array<RepoChange & Attribution>> {
    const now = Date.now();
    const snapshot = current ?? (await snapshotRepo(this.#root));
    const [before, after] = await parseSnapshots(this.#root, this.#baseline, snapshot);
    // The gone stash entries first: one a look reported as added is `#unsaid`'s, not said twice.
    const gone = this.#stashGone(snapshot);
    const changes = compareSnapshots(before, after, this.#allowed);
    const fresh = [...this.#unsaid(changes, snapshot.stash !== undefined), ...gone];
    const since = this.#lastCheckMs;
    const by = attributeChange(this.windows, since, now);
    this.#lastCheckMs = now;
    return fresh.map((c) => ({ ...this.#withReflog(c, snapshot, since), ...by }));
  }

  /**
   * What was not said yet: a change since the start not reported, or reported with another value (from
   * that value on); and a change reported before that is gone, back as at the start (from the value
   * said to the start's). Each said once. Stash entries count as gone only when this look read them
   * (`byEntry`): else the stash was compared as its ref.
   */
  #unsaid(changes: readonly RepoChange[], byEntry: boolean): RepoChange[] {
    const out: RepoChange[] = [];
    const found = new Set<string>();
    for (const c of changes) {
      const id = changeId(c);
      found.add(id);
      const said = this.#said.get(id);
      if (said !== undefined && said.after === c.after) continue;
      out.push(said === undefined ? c : { ...c, before: said.after });
      this.#said.set(id, c);
    }
    for (const [id, said] of this.#said) {
      if (found.has(id) || (said.kind === 'stash' && !byEntry)) continue;
      out.push({ kind: said.kind, name: said.name, before: said.after, after: said.before });
      this.#said.delete(id);
    }
    return out;
  }

  /** The stash entries an agent's start or end saw, made since the start and gone before this look unreported. */
  #stashGone(snapshot: RepoSnapshot): RepoChange[] {
    const out: RepoChange[] = [];
    for (const [commit, message] of this.#stashSeen) {
      const id = changeId({ kind: 'stash', name: commit, before: undefined, after: undefined });
      if (snapshot.stash?.has(commit) === false && !this.#said.has(id))
        out.push({ kind: 'stash', name: commit, before: message, after: undefined });
    }
    this.#stashSeen.clear();
    return out;
  }

  /**
   * A moved ref or HEAD with the message of its reflog's entry for that move (`commit: my own work`),
   * among the entries written since the last look (`sinceMs`): the last one, when it is the move to
   * where the ref is now; for HEAD sent to another branch or off one, the last checkout (a commit made
   * after it is not what moved HEAD). HEAD's log is the main checkout's.
   */
  #withReflog(c: RepoChange, snapshot: RepoSnapshot, sinceMs: number): RepoChange {
    if (c.kind !== 'ref' || c.before === undefined || c.after === undefined) return c;
    const entries = reflogTail(this.#gitDir, c.name).filter((e) => e.time >= Math.floor(sinceMs / 1000));
    const switched = c.name === 'HEAD' && (c.before.startsWith('refs/') || c.after.startsWith('refs/'));
    const checkout = switched ? entries.findLast((e) => e.message.startsWith('checkout: ')) : undefined;
    const last = entries.at(-1);
    const commit = c.after.startsWith('refs/') ? snapshot.refs.get(c.after) : c.after;
    const entry = checkout ?? (last && (commit === undefined || last.new === commit) ? last : undefined);
    return entry === undefined ? c : { ...c, reflog: entry.message };
  }
}

/**
 * The `feature.escaped` events for repository changes found after `endingFeature`'s agent: one per
 * attributed agent; changes no single agent explains are filed under the ending feature with
 * `attribution: "unknown"` and never named as a known agent's.
 */
export function repoEscapeEvents(
  changes: ReadonlyArray<RepoChange & Attribution>,
  endingFeature: string,
): NewEvent[] {
  return escapeEvents(
    changes.map((c) => ({ text: describeChange(c), agent: c.agent, by: c.by })),
    endingFeature,
    'repository',
  );
}
