/**
 * What an agent must not change behind Baton's back: the repository's shared git config, the files
 * git runs or reads on the user's behalf (`hooks/*`, `info/*` such as `exclude` and `attributes`,
 * `config.worktree` files) and every ref other than the features' own `baton/<id>` branches. Snapshotted before the agents start and
 * compared each time the run goes idle (a wave's last agent ended) and at its end; a change is
 * reported (never silently kept, never silently undone), attributed best-effort by run windows.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { commonGitDir, git, gitRaw } from '../git/git.js';
import type { NewEvent } from '../log/events.js';
import { type AgentWindow, type Attribution, attributeChange, escapeEvents } from './attribution.js';

/**
 * The shared config file's text and every ref with its target. The text is parsed key by key (by
 * git) only when it differs between two snapshots: unchanged bytes cannot hide a changed key.
 */
export interface RepoSnapshot {
  /** The common git folder's `config` as read, or undefined when there is none. */
  configText: string | undefined;
  refs: Map<string, string>;
  /** The watched files of the common git folder (`hooks/post-commit`), each as its mode, size and content hash. */
  files: Map<string, string>;
}

/** Two snapshots' config, key by key, for `compareSnapshots`. */
export interface ParsedSnapshot {
  config: Map<string, string>;
  refs: Map<string, string>;
  files: Map<string, string>;
}

/** One change found between two snapshots. */
export interface RepoChange {
  kind: 'config' | 'ref' | 'file';
  /** The config key (`core.hookspath`), the ref (`refs/heads/main`) or the file (`hooks/post-commit`). */
  name: string;
  before: string | undefined;
  after: string | undefined;
}

/** Parses config text as git reads it, `key=value` by key (repeated keys joined); includes are not followed. */
async function parseConfig(root: string, text: string | undefined): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (text === undefined) return out;
  // git itself parses (an include added by an agent is itself a change, so includes are not followed).
  const r = await gitRaw(root, ['config', '--file', '-', '--no-includes', '--list', '-z'], text);
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
  return out;
}

/** Both snapshots with their config parsed, by git only when the two texts differ. */
export async function parseSnapshots(
  root: string,
  before: RepoSnapshot,
  after: RepoSnapshot,
): Promise<[ParsedSnapshot, ParsedSnapshot]> {
  if (before.configText === after.configText) {
    return [
      { config: new Map(), refs: before.refs, files: before.files },
      { config: new Map(), refs: after.refs, files: after.files },
    ];
  }
  const [a, b] = await Promise.all([
    parseConfig(root, before.configText),
    parseConfig(root, after.configText),
  ]);
  return [
    { config: a, refs: before.refs, files: before.files },
    { config: b, refs: after.refs, files: after.files },
  ];
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * The main checkout's HEAD: the ref it points at, or its commit when detached. Read from the common
 * folder's `HEAD` file as git itself reads it; asked of git when that file is not the plain form
 * (reftable's placeholder, or anything unexpected).
 */
async function mainHead(root: string, gitDir: string): Promise<string> {
  const text = readText(join(gitDir, 'HEAD'));
  const ref = text === undefined ? undefined : /^ref: (refs\/[^\s]+)\n?$/.exec(text)?.[1];
  if (ref && ref !== 'refs/heads/.invalid') return ref;
  const detached = text === undefined ? undefined : /^([0-9a-f]{40}|[0-9a-f]{64})\n?$/.exec(text)?.[1];
  if (detached) return detached;
  const head = await gitRaw(root, ['symbolic-ref', '-q', 'HEAD']);
  return head.exitCode === 0 ? head.stdout.trim() : (await git(root, ['rev-parse', 'HEAD'])).trim();
}

/** The `for-each-ref` a snapshot reads (its output can come from a batch: `snapshotFrom`). */
export const SNAPSHOT_REFS_ARGS: readonly string[] = ['for-each-ref', '--format=%(refname)%00%(objectname)'];

/** Takes a snapshot of the shared config and every ref (plus the main checkout's HEAD): one git process. */
export async function snapshotRepo(root: string): Promise<RepoSnapshot> {
  return snapshotFrom(root, await git(root, [...SNAPSHOT_REFS_ARGS]));
}

/** A snapshot from the output of `SNAPSHOT_REFS_ARGS`, with HEAD and the config read from their files. */
export async function snapshotFrom(root: string, out: string): Promise<RepoSnapshot> {
  const gitDir = await commonGitDir(root);
  const refs = new Map<string, string>();
  for (const line of out.split('\n')) {
    const [name, target] = line.split('\0');
    if (name && target) refs.set(name, target);
  }
  refs.set('HEAD', await mainHead(root, gitDir));
  return { configText: readText(join(gitDir, 'config')), refs, files: snapshotGitFiles(gitDir) };
}

/** Files larger than this are known by mode, size and mtime only: hooks and excludes are small. */
const HASHED_MAX_BYTES = 1024 * 1024;

/** The lines Baton itself adds to `info/exclude` for Aider (agents/aider.ts): not an agent's change. */
const BATON_EXCLUDE_LINES = new Set(["# Aider's caches (added by Baton)", '.aider*']);

/** A file's content as compared: `info/exclude` without the lines Baton adds itself. */
function comparedContent(name: string, file: string): Buffer | string {
  const bytes = readFileSync(file);
  if (name !== 'info/exclude') return bytes;
  return bytes
    .toString('utf8')
    .split('\n')
    .filter((l) => !BATON_EXCLUDE_LINES.has(l.trim()))
    .join('\n')
    .trimEnd();
}

/** A file as `mode hash` (size and mtime instead of the hash when large); undefined when it is gone. */
function fingerprint(name: string, file: string): string | undefined {
  try {
    const st = statSync(file);
    if (!st.isFile()) return `${st.mode.toString(8)} not a file`;
    const content = st.size > HASHED_MAX_BYTES ? undefined : comparedContent(name, file);
    // An exclude file holding only Baton's own lines is as good as none.
    if (content === '') return undefined;
    const sum =
      content === undefined
        ? `${st.size} ${st.mtimeMs}`
        : createHash('sha1').update(content).digest('hex').slice(0, 16);
    return `${st.mode.toString(8)} ${sum}`;
  } catch {
    return undefined;
  }
}

/** The entries of a folder, none when it is absent. */
function entriesOf(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * The files of the common git folder that git runs or reads for every checkout: `hooks/*` (a
 * planted `post-commit` runs at the user's next commit), `info/*` (`exclude` hides files from
 * status and commits, `attributes` sets filters), and `config.worktree` of the main and each linked
 * worktree. A stat and a hash of a few small files: well under a millisecond.
 */
export function snapshotGitFiles(gitDir: string): Map<string, string> {
  const names = [
    ...entriesOf(join(gitDir, 'hooks')).map((n) => `hooks/${n}`),
    ...entriesOf(join(gitDir, 'info')).map((n) => `info/${n}`),
    'config.worktree',
    ...entriesOf(join(gitDir, 'worktrees')).map((n) => `worktrees/${n}/config.worktree`),
  ];
  const files = new Map<string, string>();
  for (const name of names) {
    const print = fingerprint(name, join(gitDir, name));
    if (print !== undefined) files.set(name, print);
  }
  return files;
}

/** The commit the main checkout's HEAD is at in a snapshot; undefined when it is unborn or not a branch or commit. */
export function snapshotHeadCommit(snapshot: RepoSnapshot): string | undefined {
  const head = snapshot.refs.get('HEAD');
  if (head === undefined) return undefined;
  if (head.startsWith('refs/')) return head.startsWith('refs/heads/') ? snapshot.refs.get(head) : undefined;
  return head;
}

/** The local branch names (`refs/heads/*` without the prefix) in a snapshot. */
export function snapshotBranches(snapshot: RepoSnapshot): Set<string> {
  const out = new Set<string>();
  for (const name of snapshot.refs.keys()) {
    if (name.startsWith('refs/heads/')) out.add(name.slice('refs/heads/'.length));
  }
  return out;
}

/**
 * The changes from `before` to `after`, leaving out refs `allowed` says Baton or the feature's own
 * agent may move (each feature's `refs/heads/baton/<id>`).
 */
export function compareSnapshots(
  before: ParsedSnapshot,
  after: ParsedSnapshot,
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
  diff('file', before.files, after.files);
  return changes;
}

/** A change in words: `git config core.hookspath set to "/tmp/x"`, `ref refs/heads/main moved`. */
export function describeChange(c: RepoChange): string {
  if (c.kind === 'config') {
    if (c.before === undefined) return `git config ${c.name} added (${JSON.stringify(c.after)})`;
    if (c.after === undefined) return `git config ${c.name} removed`;
    return `git config ${c.name} changed to ${JSON.stringify(c.after)}`;
  }
  if (c.kind === 'file') {
    if (c.before === undefined) return `git file ${c.name} added (mode ${c.after?.split(' ')[0] ?? '?'})`;
    if (c.after === undefined) return `git file ${c.name} removed`;
    return `git file ${c.name} changed`;
  }
  if (c.before === undefined) return `ref ${c.name} created`;
  if (c.after === undefined) return `ref ${c.name} deleted`;
  return `ref ${c.name} moved ${c.before.slice(0, 8)} → ${c.after.slice(0, 8)}`;
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
    return new RepoGuard(root, baseline ?? (await snapshotRepo(root)), (ref) => own.has(ref) || ownRef(ref));
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
    const changes = compareSnapshots(before, after, this.#allowed);
    const fresh = changes.filter((c) => {
      const key = `${c.kind}\0${c.name}\0${c.after ?? ''}`;
      if (this.#reported.has(key)) return false;
      this.#reported.add(key);
      return true;
    });
    const by = attributeChange(this.windows, this.#lastCheckMs, now);
    this.#lastCheckMs = now;
    return fresh.map((c) => ({ ...c, ...by }));
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
