import { existsSync, realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { undecidedReason } from '../attempts/pick.js';
import { parseAttemptUnitId } from '../contracts/feature-id.js';
import type { UserError } from '../errors.js';
import { type BranchInProgress, branchesInProgress, inProgressWords } from '../git/branch-in-progress.js';
import { git, gitRaw } from '../git/git.js';
import {
  BRANCH_PREFIX,
  batonUnitOf,
  featureBranch,
  INTEGRATION_BRANCH,
  INTEGRATION_ID,
} from '../git/refs.js';
import { parsePorcelainStatus } from '../git/status.js';
import { listWorktrees, type WorktreeInfo } from '../git/worktree-list.js';
import { symlinkTarget } from '../git/worktree-proof.js';
import { type DetachedHead, readDetachedHead } from '../guard/detached-head.js';
import { liveLastRun, type OrchestratorProbe, UNFINISHED } from '../guard/liveness.js';
import type { BatonState } from '../log/fold.js';
import { isInside } from '../path-inside.js';
import { someOf } from '../text/some-of.js';
import { resolveBase } from './base.js';
import { type BranchGone, lastReflogCommit, reflogWorkBeyond } from './branch-gone.js';
import { hiddenChanges } from './hidden-changes.js';
import { type CleanOrphan, deadRunGroups } from './left-behind.js';
import { inspectSubmodules, type SubmoduleFacts, submodulesProtect } from './submodules.js';
import { type TargetWorktree, targetWorktrees } from './target-worktrees.js';

/** Everything `baton clean` needs to know about one `baton/*` branch and its worktree. */
export interface CleanTarget {
  /** The feature id, `integration`, or a best-of-N attempt's unit id (`<feature_id>.a<n>`). */
  id: string;
  kind: 'feature' | 'integration' | 'attempt';
  /** For a best-of-N attempt (`baton/<feature_id>.a<n>`): what the log says of it. */
  attempt?: AttemptFacts;
  branch: string;
  /** The branch's tip, or undefined when only a worktree on it is left. */
  tip?: string;
  worktree?: TargetWorktree;
  /** Paths with uncommitted changes (staged, unstaged, untracked); ignored files do not count. */
  dirty: string[];
  /** When `git status` could not read the worktree: its work cannot be vouched for. */
  unreadable?: string;
  /** Commits on the branch reachable from none of `mergeTargets`. */
  unmerged: number;
  /** What the branch was checked against, in words (`baton/integration`, `main`). */
  mergeTargets: string[];
  /** A run in progress is working here. */
  busy?: string;
  /** Process groups a dead run left working here (its agents, its setup), proven its own (`scanOrphans`). */
  orphans?: CleanOrphan[];
  /** Why it may never be removed, not even with `--force`. */
  protected?: string;
  /** Its worktree is on `branch`, which no longer exists (deleted by hand): the commit its reflog had. */
  branchGone?: BranchGone;
  /** What its worktree's submodules hold (`inspectSubmodules`), when it has any. */
  submodules?: SubmoduleFacts;
  /**
   * Its worktree is on a detached HEAD (`TargetWorktree.detached`): what HEAD holds that no branch
   * does, and `unmerged`, how many of its commits are on neither the branch nor any merge target.
   */
  detached?: DetachedHead & { unmerged: number };
}

/** What the log says of one best-of-N attempt whose branch or worktree is a clean target. */
export interface AttemptFacts {
  featureId: string;
  attempt: number;
  /** The commit the log recorded when the attempt ended (its work, restorable from this sha). */
  recorded?: string;
  /** The branch's tip is exactly the recorded commit: every commit on it is in the log. */
  tipRecorded: boolean;
  /** The log has this attempt (it started in some run). */
  known: boolean;
  /** The feature's winner was chosen (by the rule or `baton pick`). */
  decided: boolean;
  /** This attempt is the feature's winner (its commit is on `baton/<feature_id>`). */
  winner: boolean;
}

/** What `inspectCleanTargets` found. */
export interface CleanInspection {
  targets: CleanTarget[];
  /** What "merged" was checked against, in words (`baton/integration`, `main`). */
  mergeTargets: string[];
  /** The base branch "merged" was judged against, when there is one (`main`). */
  base?: string;
  /** Why `baton/integration` exists but is not among `mergeTargets` (`integrationSetAside`). */
  integrationSetAside?: string;
  /**
   * Why there is no base to judge "merged" against (a base that does not exist; a main checkout on a
   * detached HEAD or a `baton/*` branch with no base named): `baton clean` refuses with it. Until
   * then nothing counts as merged into the base.
   */
  baseProblem?: UserError;
}

/** Inputs of `inspectCleanTargets`. */
export interface InspectOptions {
  /** The main checkout. */
  root: string;
  /** Where the user runs Baton from (a worktree containing it is never removed). */
  cwd: string;
  /** The base named (`--base`, else the config's), if any; otherwise the main checkout's current branch. */
  base?: string;
  /** The folded log, to see which features a live run is working on. */
  state: BatonState;
  /** Whether a run the log records is live (`runLiveness`; injected so tests can drive it). */
  alive: OrchestratorProbe;
  /** The folder Baton puts worktrees in (the config's `worktrees`): where a half-removed one is looked for. */
  worktrees?: string;
  /** The config file read (the config's `file`), which a refused base's hint names. */
  configFile?: string | undefined;
}

/** Lists the repository's `baton/*` branches and worktrees with the facts deciding whether each may go. */
export async function inspectCleanTargets(options: InspectOptions): Promise<CleanInspection> {
  const { root, configFile } = options;
  const worktrees = await listWorktrees(root);
  const main = worktrees[0];
  const branches = await batonBranches(root);
  const targets = new Map<string, CleanTarget>();
  const targetFor = (branch: string): CleanTarget => {
    let t = targets.get(branch);
    if (!t) {
      const id = branch.slice(BRANCH_PREFIX.length);
      const kind = id === INTEGRATION_ID ? 'integration' : parseAttemptUnitId(id) ? 'attempt' : 'feature';
      t = { id, kind, branch, dirty: [], unmerged: 0, mergeTargets: [] };
      targets.set(branch, t);
    }
    return t;
  };
  for (const [branch, tip] of branches) targetFor(branch).tip = tip;
  for (const [branch, worktree] of await targetWorktrees(root, worktrees, options.worktrees))
    targetFor(branch).worktree = worktree;

  // Work merged into an integration that did not end clean (tests or checks failed, a conflict, left
  // out features) is not done with: its branch stays until it is merged somewhere that passed.
  const setAside = branches.has(INTEGRATION_BRANCH) ? integrationSetAside(options.state) : undefined;
  // One read of the worktrees' admin folders, for the base (`resolveBase`) and each target's protection.
  const inProgress = await branchesInProgress(root);
  const merge = await mergeTargets(root, main, options.base, branches, { setAside, inProgress, configFile });
  const live = liveRun(options.state, options.alive);
  const orphans = deadRunGroups(options.state, options.alive, root);
  for (const t of targets.values()) {
    const left = orphans.filter((o) => o.feature_id === t.id);
    if (left.length > 0) t.orphans = left;
    const why = protection(t, main, options.cwd, inProgress);
    if (why) t.protected = why;
    if (t.worktree?.exists) await inspectWork(root, t, t.worktree.path, merge.baseCommit);
    // The integration branch is measured against the base only: it is not merged into itself.
    const from = t.kind === 'integration' ? merge.integrationIndex + 1 : 0;
    const names = merge.names.slice(from);
    const commits = merge.commits.slice(from);
    const unit = parseAttemptUnitId(t.id);
    if (unit) {
      // An attempt's work is safe once it is on its feature's branch (the winner's is).
      const own = branches.get(featureBranch(unit.featureId));
      if (own) {
        names.unshift(featureBranch(unit.featureId));
        commits.unshift(own);
      }
      t.attempt = attemptFacts(options.state, unit.featureId, unit.attempt, t.tip);
    }
    t.mergeTargets = names;
    if (t.tip !== undefined) t.unmerged = await countUnmerged(root, t.tip, commits);
    if (t.worktree?.exists && t.worktree.detached) {
      await inspectDetached(root, t, t.tip === undefined ? commits : [t.tip, ...commits], inProgress);
      // Its branch deleted by hand: what only the worktree's HEAD reflog still holds goes with it.
      const lost =
        t.tip === undefined && t.detached
          ? await reflogWorkBeyond(root, t.worktree.path, [t.detached.head, ...commits])
          : undefined;
      if (lost) t.branchGone = lost;
    } else if (t.tip === undefined && t.worktree?.exists) {
      // Listed on `baton/<id>` with no such branch: an unborn branch, its commit only in its reflog.
      const commit = await lastReflogCommit(root, t.worktree.path);
      const unmerged = commit === undefined ? 0 : await countUnmerged(root, commit, commits);
      t.branchGone = { ...(commit !== undefined ? { commit } : {}), unmerged };
    }
    const owner = unit?.featureId ?? t.id;
    const feature = live && t.kind !== 'integration' ? live.state.features[owner] : undefined;
    if (live && feature && live.state.run_feature_ids.includes(owner) && UNFINISHED.has(feature.status)) {
      const on = unit ? `its feature ${owner}` : 'it';
      t.busy = `run ${live.state.run_id} is working on ${on} (status ${feature.status}, baton pid ${live.pid})`;
    }
  }
  return {
    targets: [...targets.values()].sort((a, b) => a.id.localeCompare(b.id)),
    mergeTargets: merge.names,
    ...(merge.base !== undefined ? { base: merge.base } : {}),
    ...(setAside !== undefined ? { integrationSetAside: setAside } : {}),
    ...(merge.problem ? { baseProblem: merge.problem } : {}),
  };
}

/**
 * Reads what a target's worktree holds that its branch does not: uncommitted changes (those `git
 * status` shows and those it hides), and what its submodules hold (`inspectSubmodules`).
 */
async function inspectWork(root: string, t: CleanTarget, worktree: string, base: string | undefined) {
  const status = await gitRaw(worktree, ['status', '--porcelain=v1', '-z', '--untracked-files=all']);
  if (status.exitCode !== 0) t.unreadable = status.stderr.trim().split('\n')[0] || `git status failed`;
  else {
    const shown = parsePorcelainStatus(status.stdout).map((e) => e.path);
    t.dirty = [...new Set([...shown, ...(await hiddenChanges(worktree))])];
  }
  const subs = await inspectSubmodules(root, worktree, { tip: t.tip, base });
  if (subs === undefined) return;
  t.submodules = subs;
  const why = submodulesProtect(worktree, subs);
  if (why !== undefined && !t.protected) t.protected = why;
}

/**
 * Reads what a target's worktree on a detached HEAD holds (`readDetachedHead`): its commits reachable
 * from none of `against` (the branch's tip and the merge targets) are work that removing the worktree
 * would lose. A HEAD back on a branch meanwhile is not judged: clean is to be run again.
 */
async function inspectDetached(
  root: string,
  t: CleanTarget,
  against: readonly string[],
  inProgress: readonly BranchInProgress[],
): Promise<void> {
  const path = t.worktree?.path;
  const d = path === undefined ? undefined : await readDetachedHead(path, t.branch, inProgress);
  if (d === undefined) {
    t.protected ??= 'its worktree left its detached HEAD while clean looked at it: run clean again';
    return;
  }
  t.detached = { ...d, unmerged: await countUnmerged(root, d.head, against) };
}

/**
 * Why work on `baton/integration` does not count as merged (pure): the log's last integration did
 * not end clean (left features out, failed its tests or checks, stopped at a conflict or by Ctrl-C,
 * or has no end), or the log records none. Undefined when it ended clean.
 */
export function integrationSetAside(state: BatonState): string | undefined {
  const { outcome, started_at, merges } = state.integration;
  if (outcome === 'clean') return undefined;
  if (started_at === undefined) return 'the log records no integration that ended clean';
  if (outcome === undefined) return 'the last integration has not ended (still running, or Baton was killed)';
  // A conflict resolved with `--continue` is recorded again, merged: the latest record counts.
  const latest = new Map(merges.map((m) => [m.feature_id, m.outcome]));
  const left = [...latest].filter(([, o]) => o !== 'clean').map(([id]) => id);
  const detail = left.length > 0 ? ` (not merged: ${someOf(left, 3)})` : '';
  return `the last integration ended ${outcome}${detail}`;
}

/**
 * Why a target may never be removed, not even with `--force`: its branch is held by the main
 * checkout (checked out, or a rebase or bisect of it under way there or in another worktree, as
 * `git branch -d` sees it), or the user is inside its worktree.
 */
function protection(
  t: CleanTarget,
  main: WorktreeInfo | undefined,
  cwd: string,
  inProgress: readonly BranchInProgress[],
): string | undefined {
  if (main?.branch === t.branch) return `it is checked out in your main checkout ${main.path}`;
  // git would remove what the link points to (another folder's files, ignored ones too).
  const link = t.worktree?.exists ? symlinkTarget(t.worktree.path) : undefined;
  if (link !== undefined) {
    return `its worktree folder ${t.worktree?.path} is a symbolic link (to ${link}): clean removes nothing through it; move the link away, then run git worktree prune`;
  }
  const held = inProgress.find((p) => p.branch === t.branch);
  if (held) return inProgressWords(held);
  if (t.worktree?.exists && contains(t.worktree.path, cwd)) {
    return `you are inside it (${t.worktree.path}); run baton from the main checkout`;
  }
  return undefined;
}

/** What the folded log says of attempt `n` of `featureId` (pure). */
function attemptFacts(
  state: BatonState,
  featureId: string,
  n: number,
  tip: string | undefined,
): AttemptFacts {
  const f = Object.hasOwn(state.features, featureId) ? state.features[featureId] : undefined;
  const a = f?.attempts?.[String(n)];
  const recorded = a?.commit;
  return {
    featureId,
    attempt: n,
    known: a !== undefined,
    ...(recorded ? { recorded } : {}),
    tipRecorded: recorded !== undefined && recorded === tip,
    decided: undecidedReason(f) === undefined,
    winner: f?.winner?.attempt === n,
  };
}

/** The run in progress, when the log's last run has not ended and is live (`liveLastRun`). */
function liveRun(
  state: BatonState,
  alive: OrchestratorProbe,
): { state: BatonState; pid: number } | undefined {
  const run = liveLastRun(state, alive);
  return run ? { state, pid: run.pid } : undefined;
}

/** `refs/heads/baton/*` branches (one level: `baton/<id>`) and their tips. */
async function batonBranches(root: string): Promise<Map<string, string>> {
  const out = await git(root, [
    'for-each-ref',
    // The full name: `%(refname:short)` says `heads/baton/a` where a tag `baton/a` makes it ambiguous.
    '--format=%(refname)%00%(objectname)',
    `refs/heads/${BRANCH_PREFIX}`,
  ]);
  const map = new Map<string, string>();
  for (const line of out.split('\n')) {
    const [ref, tip] = line.split('\0');
    const id = ref === undefined ? undefined : batonUnitOf(ref);
    if (!tip || id === undefined) continue;
    map.set(`${BRANCH_PREFIX}${id}`, tip);
  }
  return map;
}

/**
 * What a branch counts as merged into: the integration branch (when it exists and the log's last
 * integration ended clean: no `setAside`), then the base (`base` when named, else the branch the main
 * checkout is on). With no base to judge against (`resolveBase`, on the worktrees' scan `inProgress`),
 * only the integration branch counts.
 */
async function mergeTargets(
  root: string,
  main: WorktreeInfo | undefined,
  base: string | undefined,
  branches: Map<string, string>,
  o: {
    setAside: string | undefined;
    inProgress: readonly BranchInProgress[];
    configFile: string | undefined;
  },
): Promise<{
  names: string[];
  commits: string[];
  integrationIndex: number;
  base?: string;
  /** The base's commit, when there is one. */
  baseCommit?: string;
  problem?: UserError;
}> {
  const names: string[] = [];
  const commits: string[] = [];
  const integration = branches.get(INTEGRATION_BRANCH);
  if (integration && o.setAside === undefined) {
    names.push(INTEGRATION_BRANCH);
    commits.push(integration);
  }
  const integrationIndex = commits.length - 1;
  const mainPath = main?.path ?? root;
  const resolved = await resolveBase(mainPath, base, o);
  if ('problem' in resolved) return { names, commits, integrationIndex, problem: resolved.problem };
  if (!resolved.commit) return { names, commits, integrationIndex };
  names.push(resolved.name === 'HEAD' ? `the HEAD of ${mainPath}` : resolved.name);
  commits.push(resolved.commit);
  return {
    names,
    commits,
    integrationIndex,
    baseCommit: resolved.commit,
    ...(resolved.name !== 'HEAD' ? { base: resolved.name } : {}),
  };
}

/** Commits reachable from `tip` and from none of `targets` (all of them when there is no target). */
async function countUnmerged(root: string, tip: string, targets: readonly string[]): Promise<number> {
  const out = await git(root, ['rev-list', '--count', tip, ...targets.map((t) => `^${t}`)]);
  return Number(out) || 0;
}

/** Whether `inner` is `outer` or inside it (symlinks resolved, as git reports real paths). */
function contains(outer: string, inner: string): boolean {
  const real = (p: string) => (existsSync(p) ? realpathSync(p) : resolve(p));
  return isInside(real(outer), real(inner));
}

/** Whether a process with this id exists (one owned by another user counts as alive). */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
