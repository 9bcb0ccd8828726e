import { existsSync } from 'node:fs';
import type { AgentAdapter } from '../agents/adapter.js';
import { batonBaseRefusal } from '../clean/base.js';
import { describeLocked } from '../clean/clean.js';
import { isLeftoverFolder, isMarked, removalMarks } from '../clean/left-behind.js';
import { featureOfUnit } from '../contracts/feature-id.js';
import type { AgentSpec } from '../contracts/schema.js';
import { runBase } from '../delivered.js';
import { UserError } from '../errors.js';
import { localBranches } from '../git/branches.js';
import { resolveCommit } from '../git/git.js';
import { BRANCH_PREFIX } from '../git/refs.js';
import { type GitStep, gitSequence, throwOnFailure } from '../git/sequence.js';
import { parsePorcelainStatus, STATUS_ARGS, type StatusEntry, statusEntries } from '../git/status.js';
import {
  listWorktrees,
  parseWorktrees,
  WORKTREE_LIST_ARGS,
  type WorktreeInfo,
  worktreeAt,
} from '../git/worktree-list.js';
import {
  isOwnDetachedWorktree,
  proveFeatureWorktree,
  refuseSymlinkedWorktree,
} from '../git/worktree-proof.js';
import { outsideStateDir } from '../guard/checkout-watch.js';
import { detachedCommitsWords, keepOnBranchWords, readDetachedHead } from '../guard/detached-head.js';
import {
  type RepoSnapshot,
  SNAPSHOT_REFS_ARGS,
  snapshotBranches,
  snapshotFrom,
  snapshotHeadCommit,
} from '../guard/repo-snapshot.js';
import { requireTempFolder } from '../temp-folder.js';
import { badBaseError } from './delivered.js';
import { checkUnselectedDependencies } from './dependencies.js';
import { portRoomRefusal } from './port-room.js';
import { assertNothingUncommitted } from './restart.js';
import { type RunAgainFlags, resumeRunCommand, runAgainFlags } from './resume-command.js';
import type { RunOptions } from './run.js';
import { submoduleWarning } from './submodule-warning.js';
import { unitContract } from './units.js';
import { checkCopyPatterns } from './worktree.js';
import { checkWorktreesFolder, worktreesInSuperproject } from './worktrees-folder.js';

/** Paths Baton keeps for one feature of one run, all outside the worktree. */
export interface FeaturePaths {
  worktree: string;
  branch: string;
  /** The state folder holding `dir` (`.baton`): its files are written by `src/state-write.ts`'s rule. */
  stateDir: string;
  dir: string;
  taskFile: string;
  scratchDir: string;
  logFile: string;
}

function dirtyCheckoutError(dirty: readonly StatusEntry[]): UserError {
  const shown = dirty.slice(0, 10).map((e) => `  ${e.code} ${e.path}`);
  if (dirty.length > 10) shown.push(`  … and ${dirty.length - 10} more`);
  return new UserError(
    'run/dirty-checkout',
    `the main checkout has uncommitted changes that the feature branches (cut from HEAD) would not contain:\n${shown.join('\n')}`,
    {
      hint: 'Commit or stash them first, or pass --base HEAD to cut the branches from the last commit anyway.',
    },
  );
}

/**
 * A folder where a feature's worktree goes that is not a worktree of this repository: neither a run
 * nor a resume can use it, and Baton never removes what it did not make.
 */
function foreignFolderError(path: string, leftover?: LeftoverHint): UserError {
  const move =
    'Move it away (or delete it yourself if nothing in it is needed), or set a different `worktrees` folder in the config; then run again.';
  return new UserError(
    'run/worktree-exists',
    `the folder ${path} already exists and is not a worktree of this repository; Baton will not use or remove it`,
    { hint: leftover?.alone ? leftover.text : `${move}${leftover ? ` ${leftover.text}` : ''}` },
  );
}

/**
 * A feature whose worktree git keeps locked with its folder missing (`git worktree lock`, as for a
 * worktree on a disk not mounted): git never prunes nor re-adds it, so nothing can run there.
 */
function lockedMissingError(id: string, path: string): UserError {
  return new UserError(
    'run/worktree-locked-missing',
    `${id}: ${describeLocked({ path, exists: false, locked: true })}; Baton will not run it`,
    {
      hint: `Mount that disk again and run again; or, once the folder is gone for good, \`git worktree unlock ${path}\` and run again (its branch keeps its commits).`,
    },
  );
}

/** Words on a leftover folder for the hint: after "move it away", or `alone` in its place. */
interface LeftoverHint {
  text: string;
  alone?: true;
}

/**
 * What the hint says of a folder at a unit's worktree place that holds no `.git`
 * (`isLeftoverFolder`): what a worktree whose removal was cut short leaves, which `baton clean`
 * clears (finishing a removal it began itself, `--force` otherwise). Undefined for any other folder.
 */
async function leftoverHint(opts: RunOptions, id: string, path: string): Promise<LeftoverHint | undefined> {
  if (!isLeftoverFolder(opts.config.worktrees, id, path)) return undefined;
  if (isMarked(await removalMarks(opts.root), path)) {
    const text = `It is what is left of this worktree, whose removal by \`baton clean\` was cut short: \`baton clean ${id}\` finishes it; then run again.`;
    return { text, alone: true };
  }
  return {
    text: `If it is what is left of this worktree (it holds no .git: a removal cut short), \`baton clean --force ${id}\` removes it with whatever is in it.`,
  };
}

/**
 * The refusal of a worktree at a unit's place that is not on its branch. When it is the unit's own
 * worktree left on a detached HEAD (proven: this repository's linked worktree of that very folder,
 * its HEAD detached), the hint says how to put it back on its branch keeping what was committed
 * there: removing it, as one would someone else's worktree, leaves those commits reachable from nothing.
 */
async function worktreeMismatchError(root: string, p: FeaturePaths, wt: WorktreeInfo): Promise<UserError> {
  const message = `${p.worktree} is a worktree on ${wt.branch ?? 'a detached HEAD'}, not ${p.branch}`;
  const own =
    wt.branch === undefined && (await isOwnDetachedWorktree(root, p.worktree, p.branch))
      ? await readDetachedHead(p.worktree, p.branch)
      : undefined;
  if (own === undefined) {
    return new UserError('run/worktree-mismatch', message, {
      hint: 'Move or remove that worktree, or set a different `worktrees` folder in the config.',
    });
  }
  const keep = keepOnBranchWords(p.worktree, p.branch, own);
  const lost = own.count > 0 ? ': removing it would leave what no branch has reachable from nothing' : '';
  return new UserError(
    'run/worktree-mismatch',
    `${message}; it is this feature's own worktree, with ${detachedCommitsWords(own)}`,
    { hint: `${keep[0]?.toUpperCase()}${keep.slice(1)}, then run again${lost}.` },
  );
}

/**
 * Checks each feature's branch and folder before anything is created; throws a UserError otherwise.
 * A symlink where a worktree goes is refused; on `--resume`, a worktree to reuse must be proven the
 * branch's (`proveFeatureWorktree`), and a feature to restart (`opts.restart`) must have nothing
 * uncommitted in it.
 */
async function checkFeatureFolders(
  opts: RunOptions,
  pathsOf: (id: string) => FeaturePaths,
  ids: readonly string[],
  known: RunStartLook | undefined,
): Promise<void> {
  // One listing of the branches serves every feature: a `show-ref` each costs a process per feature.
  const [worktrees, branches] = known
    ? [known.worktrees, snapshotBranches(known.snapshot)]
    : await Promise.all([listWorktrees(opts.root), localBranches(opts.root)]);
  for (const id of ids) {
    const p = pathsOf(id);
    refuseSymlinkedWorktree(p.worktree, p.branch);
    const wt = worktreeAt(worktrees, p.worktree);
    const live = wt !== undefined && !wt.prunable;
    if (wt?.locked && !existsSync(p.worktree)) throw lockedMissingError(id, p.worktree);
    if (!live && existsSync(p.worktree))
      throw foreignFolderError(p.worktree, await leftoverHint(opts, id, p.worktree));
    if (wt && wt.branch !== p.branch) throw await worktreeMismatchError(opts.root, p, wt);
    if (opts.resume && live) {
      const proven = await proveFeatureWorktree(opts.root, p.worktree, p.branch);
      if (opts.restart?.includes(id)) await assertNothingUncommitted(proven, id);
    }
  }
  if (!opts.resume)
    refuseExistingBranches(
      ids.filter((id) => branches.has(pathsOf(id).branch)),
      pathsOf,
      runAgainFlags(opts),
    );
}

/**
 * The features whose branch exists already, all named at once (a run refuses to overwrite any); the
 * resume it offers carries the run's `--base` and `--agent` (`again`).
 */
function refuseExistingBranches(
  ids: readonly string[],
  pathsOf: (id: string) => FeaturePaths,
  again: RunAgainFlags,
): void {
  if (ids.length === 0) return;
  const names = ids.map((id) => pathsOf(id).branch);
  // A best-of-N attempt's branch is its feature's to resume or clean.
  const unique = [...new Set(ids.map((id) => featureOfUnit(id)))];
  const features = unique.join(' ');
  const shown =
    names.length === 1 ? `branch ${names[0]} already exists` : `branches ${names.join(', ')} already exist`;
  throw new UserError(
    'run/branch-exists',
    `${shown}; Baton will not overwrite ${names.length === 1 ? 'it' : 'them'}`,
    {
      hint: `Keep their work with \`${resumeRunCommand(unique, again)}\`, or remove them after merging with \`baton clean ${features}\`.`,
    },
  );
}

/** What a run looks at before anything is created, asked of git in one process. */
export interface RunStartLook {
  /** The refs, HEAD and config: the preflight's branches and base, the repository guard's baseline. */
  snapshot: RepoSnapshot;
  worktrees: WorktreeInfo[];
  /** The main checkout's status, when the run refuses a dirty one (no `--base`, no resume). */
  status?: StatusEntry[];
}

/**
 * Whether a run refuses a main checkout with uncommitted changes: its branches, cut from HEAD, would
 * miss them (`baton doctor` asks it too, for a run without flags).
 */
export function refusesDirty(
  opts: Pick<RunOptions, 'base' | 'resume'> & { config: Pick<RunOptions['config'], 'base'> },
): boolean {
  return !opts.base && !opts.config.base && !opts.resume;
}

/**
 * The refusal of a main checkout with uncommitted changes outside `.baton/`, given its status, or
 * undefined when it has none (run throws it; `baton doctor` shows it).
 */
export function dirtyCheckoutRefusal(status: readonly StatusEntry[]): UserError | undefined {
  const dirty = status.filter(outsideStateDir);
  return dirty.length > 0 ? dirtyCheckoutError(dirty) : undefined;
}

/**
 * A resume goes on whatever the main checkout holds (the dead run's branches are what it continues),
 * but says what no branch will get: uncommitted changes, an edited contract included.
 */
async function warnDirtyOnResume(opts: RunOptions): Promise<void> {
  const dirty = (await statusEntries(opts.root)).filter(outsideStateDir);
  if (dirty.length === 0) return;
  const shown = dirty.slice(0, 5).map((e) => e.path);
  if (dirty.length > 5) shown.push(`… and ${dirty.length - 5} more`);
  opts.onWarning?.(
    `the main checkout has uncommitted changes (${shown.join(', ')}): a resume goes on, but no feature branch gets them, and worktrees keep the committed contracts; commit them first for the agents to see them`,
  );
}

/** The refs, the worktrees and (when it matters) the main checkout's status, from one shell. */
export async function lookBeforeRun(opts: RunOptions): Promise<RunStartLook> {
  const steps: GitStep[] = [{ args: SNAPSHOT_REFS_ARGS }, { args: WORKTREE_LIST_ARGS }];
  if (refusesDirty(opts)) steps.push({ args: STATUS_ARGS, mayFail: true });
  const out = await gitSequence(opts.root, steps);
  throwOnFailure(steps, out);
  const [refs, worktrees, status] = out;
  return {
    snapshot: await snapshotFrom(opts.root, refs?.stdout ?? ''),
    worktrees: parseWorktrees(worktrees?.stdout ?? ''),
    ...(status ? { status: parsePorcelainStatus(status.stdout) } : {}),
  };
}

/** What preflight found: the base, and the main checkout's status when it took one (the escape watch's baseline). */
export interface Preflight {
  baseCommit: string;
  base: string;
  /** With `--wait-for-deps`: dependencies not in the run whose work the base holds, their branches gone. */
  depsInBase: ReadonlySet<string>;
  checkout?: StatusEntry[];
}

/**
 * Checks everything that can be checked before any worktree exists; throws a UserError otherwise.
 * `known`: what the run asked git at its start (`lookBeforeRun`), so nothing is asked twice.
 */
export async function preflight(
  opts: RunOptions,
  pathsOf: (id: string) => FeaturePaths,
  ids: readonly string[] = opts.featureIds,
  known?: RunStartLook,
): Promise<Preflight> {
  // Ports past 65535 would reach the agents and checks as a PORT nothing can listen on.
  const noRoom = portRoomRefusal(opts.plan, ids, opts.config);
  if (noRoom) throw noRoom;
  // Every worktree is added through scratch files in the temporary folder: without it, every feature fails.
  requireTempFolder();
  const base = runBase(opts.base, opts.config);
  // HEAD's commit is in the snapshot of the refs the run took anyway.
  const knownHead = base === 'HEAD' && known ? snapshotHeadCommit(known.snapshot) : undefined;
  const baseCommit = knownHead ?? (await resolveCommit(opts.root, base));
  if (!baseCommit) throw await badBaseError(opts.root, opts.base, opts.config);
  const batonBase = await batonBaseRefusal(opts.root, opts.base, opts.config, 'run');
  if (batonBase) throw batonBase;
  // `copy` and `.worktreeinclude` entries must stay inside the repository: refused before anything exists.
  for (const warning of checkCopyPatterns(opts.root, opts.config.copy)) opts.onWarning?.(warning);
  const submodules = await submoduleWarning(opts.root);
  if (submodules !== undefined) opts.onWarning?.(submodules);
  if (known) checkBranchNamespace(known.snapshot);
  await checkWorktreesFolder(opts.root, opts.config);
  const inSuper = await worktreesInSuperproject(opts.root, opts.config);
  if (inSuper !== undefined) opts.onWarning?.(inSuper);
  const depsInBase = await checkUnselectedDependencies(opts);
  let checkout: StatusEntry[] | undefined;
  if (refusesDirty(opts)) {
    checkout = known?.status ?? (await statusEntries(opts.root));
    const refusal = dirtyCheckoutRefusal(checkout);
    if (refusal) throw refusal;
  } else if (opts.resume && !opts.base && !opts.config.base) await warnDirtyOnResume(opts);
  await checkFeatureFolders(opts, pathsOf, ids, known);
  return { baseCommit, base, depsInBase, ...(checkout ? { checkout } : {}) };
}

/**
 * A branch named like Baton's prefix itself (`baton`) leaves git no room for `baton/<id>`: a ref cannot
 * be both a file and a folder, so every feature would fail at its worktree. Refused before anything exists.
 */
function checkBranchNamespace(snapshot: RepoSnapshot): void {
  const blocking = BRANCH_PREFIX.slice(0, -1);
  if (!snapshotBranches(snapshot).has(blocking)) return;
  throw new UserError(
    'run/branch-namespace',
    `a branch named "${blocking}" exists, so git cannot create the features' ${BRANCH_PREFIX}<id> branches beside it`,
    { hint: `Rename it (git branch -m ${blocking} <new name>), then run again.` },
  );
}

/**
 * Why a unit's agent cannot do it at all (`AgentAdapter.cannotDo`: the demo agent without a recipe for
 * it), known before its worktree is made; undefined when nothing says so.
 */
export function agentCannotDo(opts: RunOptions, adapter: AgentAdapter, id: string): string | undefined {
  return adapter.cannotDo?.({
    feature: unitContract(opts.plan, id),
    override: opts.config.agents[adapter.name],
    env: opts.env,
  });
}

/** Resolves each feature's adapter and checks that every agent needed is installed, before anything is created. */
export async function resolveAgents(
  opts: RunOptions,
  resolve: (spec: AgentSpec) => AgentAdapter,
  units: ReadonlyArray<{ id: string; spec: AgentSpec }>,
): Promise<Map<string, { spec: AgentSpec; adapter: AgentAdapter }>> {
  const out = new Map<string, { spec: AgentSpec; adapter: AgentAdapter }>();
  const checked = new Map<string, boolean>();
  for (const { id, spec } of units) {
    const adapter = resolve(spec);
    if (!checked.has(adapter.name)) {
      const found = await adapter.detect(opts.env, opts.config.agents[adapter.name], opts.config.root);
      checked.set(adapter.name, found.installed);
      if (!found.installed) {
        throw new UserError(
          'agents/not-installed',
          `agent "${adapter.name}" (${adapter.displayName}) is not installed; it is needed for ${id}`,
          { hint: found.hint ?? adapter.installHint },
        );
      }
    }
    // A flag the launch would refuse fails the run here, before any worktree or branch exists.
    adapter.checkFlags?.({
      override: opts.config.agents[adapter.name],
      feature: unitContract(opts.plan, id),
    });
    out.set(id, { spec, adapter });
  }
  return out;
}
