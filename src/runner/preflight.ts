import { existsSync } from 'node:fs';
import type { AgentAdapter } from '../agents/adapter.js';
import type { AgentSpec } from '../contracts/schema.js';
import { UserError } from '../errors.js';
import { localBranches } from '../git/branches.js';
import { listWorktrees, resolveCommit, type StatusEntry, statusEntries } from '../git/git.js';
import { outsideStateDir } from '../guard/checkout-watch.js';
import { type RepoSnapshot, snapshotBranches, snapshotHeadCommit } from '../guard/repo-snapshot.js';
import type { RunOptions } from './run.js';
import { checkCopyPatterns } from './worktree.js';

/** Paths Baton keeps for one feature of one run, all outside the worktree. */
export interface FeaturePaths {
  worktree: string;
  branch: string;
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

/** Checks each feature's branch and folder before anything is created; throws a UserError otherwise. */
async function checkFeatureFolders(
  opts: RunOptions,
  pathsOf: (id: string) => FeaturePaths,
  ids: readonly string[],
  known: RepoSnapshot | undefined,
): Promise<void> {
  // One listing of the branches serves every feature: a `show-ref` each costs a process per feature.
  const [worktrees, branches] = await Promise.all([
    listWorktrees(opts.root),
    known ? snapshotBranches(known) : localBranches(opts.root),
  ]);
  for (const id of ids) {
    const p = pathsOf(id);
    if (branches.has(p.branch) && !opts.resume) {
      throw new UserError(
        'run/branch-exists',
        `branch ${p.branch} already exists; Baton will not overwrite it`,
        {
          hint: `Keep its work with \`baton run --resume ${id}\`, or remove it after merging with \`baton clean ${id}\`.`,
        },
      );
    }
    const wt = worktrees.find((w) => w.path === p.worktree);
    if (!opts.resume && (wt || existsSync(p.worktree))) {
      throw new UserError('run/worktree-exists', `the folder ${p.worktree} already exists`, {
        hint: `Remove it, or resume with \`baton run --resume ${id}\`.`,
      });
    }
    if (wt && wt.branch !== p.branch) {
      throw new UserError(
        'run/worktree-mismatch',
        `${p.worktree} is a worktree on ${wt.branch ?? 'a detached HEAD'}, not ${p.branch}`,
        { hint: 'Move or remove that worktree, or set a different `worktrees` folder in the config.' },
      );
    }
  }
}

/** What preflight found: the base, and the main checkout's status when it took one (the escape watch's baseline). */
export interface Preflight {
  baseCommit: string;
  base: string;
  checkout?: StatusEntry[];
}

/**
 * Checks everything that can be checked before any worktree exists; throws a UserError otherwise.
 * `known`: a snapshot of the repository's refs the run took anyway, so the branches are not listed twice.
 */
export async function preflight(
  opts: RunOptions,
  pathsOf: (id: string) => FeaturePaths,
  ids: readonly string[] = opts.featureIds,
  known?: RepoSnapshot,
): Promise<Preflight> {
  const base = opts.base ?? opts.config.base ?? 'HEAD';
  // HEAD's commit is in the snapshot of the refs the run took anyway.
  const knownHead = base === 'HEAD' && known ? snapshotHeadCommit(known) : undefined;
  const baseCommit = knownHead ?? (await resolveCommit(opts.root, base));
  if (!baseCommit) {
    throw new UserError('run/bad-base', `the base "${base}" is not a commit in this repository`, {
      hint:
        base === 'HEAD'
          ? 'Make a first commit: git add -A && git commit -m "initial"'
          : 'Pass --base <branch or commit>.',
    });
  }
  // `copy` and `.worktreeinclude` entries must stay inside the repository: refused before anything exists.
  checkCopyPatterns(opts.root, opts.config.copy);
  let checkout: StatusEntry[] | undefined;
  if (!opts.base && !opts.config.base && !opts.resume) {
    checkout = await statusEntries(opts.root);
    const dirty = checkout.filter(outsideStateDir);
    if (dirty.length > 0) throw dirtyCheckoutError(dirty);
  }
  await checkFeatureFolders(opts, pathsOf, ids, known);
  return { baseCommit, base, ...(checkout ? { checkout } : {}) };
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
      const found = await adapter.detect(opts.env, opts.config.agents[adapter.name]);
      checked.set(adapter.name, found.installed);
      if (!found.installed) {
        throw new UserError(
          'agents/not-installed',
          `agent "${adapter.name}" (${adapter.displayName}) is not installed; it is needed for ${id}`,
          { hint: adapter.installHint },
        );
      }
    }
    out.set(id, { spec, adapter });
  }
  return out;
}
