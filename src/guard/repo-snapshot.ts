/**
 * What an agent must not change behind Baton's back: the repository's shared git config and every
 * ref other than the features' own `baton/<id>` branches. Snapshotted before the agents start and
 * compared after each one ends; a change is reported (never silently kept, never silently undone).
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { git, gitRaw } from '../git/git.js';
import type { NewEvent } from '../log/events.js';

/** The shared config (as text, key by key) and every ref with its target. */
export interface RepoSnapshot {
  config: Map<string, string>;
  refs: Map<string, string>;
}

/** One change found between two snapshots. */
export interface RepoChange {
  kind: 'config' | 'ref';
  /** The config key (`core.hookspath`) or the ref (`refs/heads/main`). */
  name: string;
  before: string | undefined;
  after: string | undefined;
}

/** Each root's common git folder, asked of git once per process: a snapshot is taken after every agent. */
const commonDirs = new Map<string, Promise<string>>();

/** The repository's common git folder (shared by every worktree). */
export function commonGitDir(root: string): Promise<string> {
  let dir = commonDirs.get(root);
  if (!dir) {
    dir = git(root, ['rev-parse', '--git-common-dir']).then((d) => (isAbsolute(d) ? d : join(root, d)));
    commonDirs.set(root, dir);
    dir.catch(() => commonDirs.delete(root));
  }
  return dir;
}

/** The last config text git parsed for each file, with its parse: the same bytes parse the same way. */
const lastParse = new Map<string, { text: string; parsed: Map<string, string> }>();

/** Parses `key=value` lines of a config file as git reads it; repeated keys are joined. */
async function readConfig(root: string): Promise<Map<string, string>> {
  const file = join(await commonGitDir(root), 'config');
  const out = new Map<string, string>();
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return out;
  }
  const last = lastParse.get(file);
  if (last?.text === text) return new Map(last.parsed);
  // git itself parses (includes are not followed: an include added by an agent is itself a change).
  const r = await gitRaw(root, ['config', '--file', file, '--no-includes', '--list', '-z']);
  if (r.exitCode !== 0) {
    out.set('(unparsable config)', text);
    return out;
  }
  for (const entry of r.stdout.split('\0')) {
    if (!entry) continue;
    const nl = entry.indexOf('\n');
    const key = nl === -1 ? entry : entry.slice(0, nl);
    const value = nl === -1 ? '' : entry.slice(nl + 1);
    out.set(key, out.has(key) ? `${out.get(key)}\n${value}` : value);
  }
  lastParse.set(file, { text, parsed: new Map(out) });
  return out;
}

/** Takes a snapshot of the shared config and every ref (plus the main checkout's HEAD). */
export async function snapshotRepo(root: string): Promise<RepoSnapshot> {
  const refs = new Map<string, string>();
  const out = await git(root, ['for-each-ref', '--format=%(refname)%00%(objectname)']);
  for (const line of out.split('\n')) {
    const [name, target] = line.split('\0');
    if (name && target) refs.set(name, target);
  }
  const head = await gitRaw(root, ['symbolic-ref', '-q', 'HEAD']);
  refs.set(
    'HEAD',
    head.exitCode === 0 ? head.stdout.trim() : (await git(root, ['rev-parse', 'HEAD'])).trim(),
  );
  return { config: await readConfig(root), refs };
}

/**
 * The changes from `before` to `after`, leaving out refs `allowed` says Baton or the feature's own
 * agent may move (each feature's `refs/heads/baton/<id>`).
 */
export function compareSnapshots(
  before: RepoSnapshot,
  after: RepoSnapshot,
  allowed: (ref: string) => boolean = () => false,
): RepoChange[] {
  const changes: RepoChange[] = [];
  const diff = (kind: RepoChange['kind'], a: Map<string, string>, b: Map<string, string>) => {
    for (const name of new Set([...a.keys(), ...b.keys()])) {
      if (kind === 'ref' && allowed(name)) continue;
      if (a.get(name) !== b.get(name)) changes.push({ kind, name, before: a.get(name), after: b.get(name) });
    }
  };
  diff('config', before.config, after.config);
  diff('ref', before.refs, after.refs);
  return changes;
}

/** A change in words: `git config core.hookspath set to "/tmp/x"`, `ref refs/heads/main moved`. */
export function describeChange(c: RepoChange): string {
  if (c.kind === 'config') {
    if (c.before === undefined) return `git config ${c.name} added (${JSON.stringify(c.after)})`;
    if (c.after === undefined) return `git config ${c.name} removed`;
    return `git config ${c.name} changed to ${JSON.stringify(c.after)}`;
  }
  if (c.before === undefined) return `ref ${c.name} created`;
  if (c.after === undefined) return `ref ${c.name} deleted`;
  return `ref ${c.name} moved ${c.before.slice(0, 8)} → ${c.after.slice(0, 8)}`;
}

/** When one agent ran: its feature and its window, for best-effort attribution. */
export interface AgentWindow {
  feature_id: string;
  startMs: number;
  endMs?: number;
}

/**
 * Who most likely made a change seen at `nowMs`, last checked at `sinceMs`: the one agent whose
 * window overlaps that span, or `unknown` when none or several do (never a confident wrong name).
 */
export function attributeChange(windows: readonly AgentWindow[], sinceMs: number, nowMs: number): string {
  const suspects = windows.filter((w) => w.startMs <= nowMs && (w.endMs ?? nowMs) >= sinceMs);
  return suspects.length === 1 ? (suspects[0] as AgentWindow).feature_id : 'unknown';
}

/**
 * Watches the repository through a run: `check()` after each agent returns the changes not yet
 * reported, each with the agent it is attributed to (or `unknown`).
 */
export class RepoGuard {
  readonly #root: string;
  readonly #baseline: RepoSnapshot;
  readonly #allowed: (ref: string) => boolean;
  readonly #reported = new Set<string>();
  readonly windows: AgentWindow[] = [];
  #lastCheckMs: number;

  private constructor(root: string, baseline: RepoSnapshot, allowed: (ref: string) => boolean) {
    this.#root = root;
    this.#baseline = baseline;
    this.#allowed = allowed;
    this.#lastCheckMs = Date.now();
  }

  /** Snapshots the repository before any agent starts; `ownBranches` are the features' `baton/<id>`. */
  static async start(root: string, ownBranches: Iterable<string>): Promise<RepoGuard> {
    const own = new Set([...ownBranches].map((b) => `refs/heads/${b}`));
    return new RepoGuard(root, await snapshotRepo(root), (ref) => own.has(ref));
  }

  /** Records that a feature's agent started. */
  agentStarted(featureId: string): void {
    this.windows.push({ feature_id: featureId, startMs: Date.now() });
  }

  /** Records that a feature's agent ended. */
  agentEnded(featureId: string): void {
    const w = [...this.windows].reverse().find((x) => x.feature_id === featureId && x.endMs === undefined);
    if (w) w.endMs = Date.now();
  }

  /** Changes since the baseline not reported before, each attributed to an agent or `unknown`. */
  async check(): Promise<Array<RepoChange & { agent: string }>> {
    const now = Date.now();
    const changes = compareSnapshots(this.#baseline, await snapshotRepo(this.#root), this.#allowed);
    const fresh = changes.filter((c) => {
      const key = `${c.kind}\0${c.name}\0${c.after ?? ''}`;
      if (this.#reported.has(key)) return false;
      this.#reported.add(key);
      return true;
    });
    const agent = attributeChange(this.windows, this.#lastCheckMs, now);
    this.#lastCheckMs = now;
    return fresh.map((c) => ({ ...c, agent }));
  }
}

/**
 * The `feature.escaped` events for repository changes found after `endingFeature`'s agent: one per
 * attributed agent; changes no single agent explains are filed under the ending feature with
 * `attribution: "unknown"` and never named as a known agent's.
 */
export function repoEscapeEvents(
  changes: ReadonlyArray<RepoChange & { agent: string }>,
  endingFeature: string,
): NewEvent[] {
  return escapeEvents(
    changes.map((c) => ({ text: describeChange(c), agent: c.agent })),
    endingFeature,
    'repository',
  );
}

/**
 * The `feature.escaped` events for attributed changes of one `kind` (a main-checkout path, a
 * repository change in words), grouped by agent; `unknown` ones go under `endingFeature`, marked so.
 */
export function escapeEvents(
  changes: ReadonlyArray<{ text: string; agent: string }>,
  endingFeature: string,
  kind: 'checkout' | 'repository',
): NewEvent[] {
  const byAgent = new Map<string, string[]>();
  for (const c of changes) {
    const list = byAgent.get(c.agent) ?? [];
    list.push(c.text);
    byAgent.set(c.agent, list);
  }
  return [...byAgent].map(
    ([agent, files]) =>
      ({
        type: 'feature.escaped',
        feature_id: agent === 'unknown' ? endingFeature : agent,
        files,
        kind,
        attribution: agent === 'unknown' ? 'unknown' : 'run-window',
      }) as NewEvent,
  );
}
