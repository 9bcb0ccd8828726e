import { join } from 'node:path';
import type { Config } from '../config-schema.js';
import type { Contract } from '../contracts/schema.js';
import { UserError } from '../errors.js';
import { resolveCommit } from '../git/git.js';
import { featureBranch, INTEGRATION_BRANCH } from '../git/refs.js';
import { listWorktrees, type WorktreeInfo } from '../git/worktree-list.js';
import type { Plan } from '../graph/types.js';
import type { BatonState } from '../log/fold.js';
import type { MergeRecord } from '../log/state.js';
import { portBlockFor } from '../ports.js';
import { shellQuote } from '../text/shell-quote.js';

/** The branch integration happens on when the log names none. */

/** One feature to verify: its contract, where its commands run, its port, and the branch to diff. */
export interface VerifyTarget {
  contract: Contract;
  cwd: string;
  port: number;
  diff: { base: string; branch: string };
}

/**
 * Where a branch is checked out (pure): the recorded path when git still lists it as a worktree,
 * else whichever live worktree has the branch; undefined when there is none.
 */
export function locateWorktree(
  branch: string,
  recorded: string | undefined,
  worktrees: readonly WorktreeInfo[],
): string | undefined {
  const live = worktrees.filter((w) => !w.prunable);
  if (recorded && live.some((w) => w.path === recorded)) return recorded;
  return live.find((w) => w.branch === branch)?.path;
}

/**
 * The features the integration left out, each with why (pure): each feature's last merge record is
 * its final word, so a conflict that `integrate --continue` resolved (a later clean merge) is merged.
 */
export function notMergedFeatures(merges: readonly MergeRecord[]): Map<string, string> {
  const last = new Map<string, MergeRecord>();
  for (const m of merges) last.set(m.feature_id, m);
  const out = new Map<string, string>();
  for (const [id, m] of last) {
    if (m.outcome === 'clean') continue;
    out.set(
      id,
      m.outcome === 'conflict'
        ? 'it conflicted during integration'
        : (m.reason ?? 'it was skipped during integration'),
    );
  }
  return out;
}

/** The git commands that check existing feature branches out again where their worktrees were. */
function readdCommand(q: TargetQuery, ids: readonly string[]): string {
  const add = (id: string) =>
    `git worktree add ${shellQuote(q.state.features[id]?.worktree ?? join(q.config.worktrees, id))} ${featureBranch(id)}`;
  return ['git worktree prune', ...ids.map(add)].join(' && ');
}

/** What to run for features with no worktree: `baton run` for those never run, git for branches left without one. */
function noWorktreeHint(
  missing: readonly string[],
  orphaned: ReadonlySet<string>,
  readd: (ids: readonly string[]) => string,
): string {
  const never = missing.filter((id) => !orphaned.has(id));
  const left = [...orphaned];
  const hints: string[] = [];
  if (never.length > 0) {
    hints.push(`Run \`baton run ${never.join(' ')}\` first; it creates the worktree and runs the agent.`);
  }
  if (left.length > 0) {
    const which =
      left.length === 1
        ? `Its branch ${featureBranch(left[0] ?? '')} is`
        : `The branches of ${left.join(', ')} are`;
    hints.push(
      `${which} still there: check ${left.length === 1 ? 'it' : 'them'} out again with \`${readd(left)}\`, then verify.`,
    );
  }
  return hints.join(' ');
}

/** What `resolveVerifyTargets` needs. */
export interface TargetQuery {
  root: string;
  config: Config;
  plan: Plan;
  /** Feature ids the user named; empty for every feature. */
  ids: readonly string[];
  on: 'worktree' | 'integration';
  /** The log folded: recorded worktrees, the run's base commit, the integration. */
  state: BatonState;
}

/** Targets to verify, plus the features left out (with why) when the user named none. */
export interface Targets {
  targets: VerifyTarget[];
  skipped: Array<{ feature_id: string; reason: string }>;
}

/**
 * Finds where each selected feature's checks run: its own worktree, or the integration worktree.
 * A feature the user named that has nowhere to run is a `UserError` with the command that fixes it;
 * with no ids, features without a worktree are skipped (and reported), unless none has one.
 */
export async function resolveVerifyTargets(q: TargetQuery): Promise<Targets> {
  const explicit = q.ids.length > 0;
  const ids = explicit ? q.ids : q.plan.order;
  const worktrees = await listWorktrees(q.root);
  const base = q.state.base_commit ?? (await resolveCommit(q.root, q.config.base ?? 'HEAD'));
  if (base === undefined) {
    throw new UserError('verify/no-base', `cannot resolve the base ${q.config.base ?? 'HEAD'} in ${q.root}`, {
      hint: 'Set `base` in baton.config.json to an existing branch, or commit once.',
    });
  }
  const target = (id: string, cwd: string): VerifyTarget => {
    const contract = q.plan.byId.get(id);
    if (!contract) throw new Error(`feature ${id} is not in the plan`);
    return {
      contract,
      cwd,
      port: portBlockFor(q.plan.order.indexOf(id), q.config.port_base).port,
      diff: { base, branch: featureBranch(id) },
    };
  };

  if (q.on === 'integration') {
    const branch = q.state.integration.branch ?? INTEGRATION_BRANCH;
    const cwd = locateWorktree(branch, q.state.integration.worktree, worktrees);
    if (!cwd) {
      throw new UserError(
        'verify/no-integration',
        `no integration worktree: nothing is checked out on ${branch}`,
        {
          hint: 'Run `baton integrate` first; `--on integration` checks the merged result.',
        },
      );
    }
    // Features integration left out would fail for that reason alone; name them instead.
    const notMerged = notMergedFeatures(q.state.integration.merges);
    const skipped = explicit
      ? []
      : ids
          .filter((id) => notMerged.has(id))
          .map((id) => ({ feature_id: id, reason: notMerged.get(id) ?? '' }));
    const chosen = ids.filter((id) => explicit || !notMerged.has(id));
    return { targets: chosen.map((id) => target(id, cwd)), skipped };
  }

  const located = ids.map((id) => ({
    id,
    cwd: locateWorktree(featureBranch(id), q.state.features[id]?.worktree, worktrees),
  }));
  const missing = located.filter((l) => l.cwd === undefined).map((l) => l.id);
  // A branch whose worktree folder was removed by hand: `baton run` refuses an existing branch.
  const orphaned = new Set<string>();
  for (const id of missing) if (await resolveCommit(q.root, featureBranch(id))) orphaned.add(id);
  const readd = (ids: readonly string[]) => readdCommand(q, ids);
  if (missing.length > 0 && (explicit || missing.length === located.length)) {
    const which =
      missing.length === 1
        ? `feature ${missing[0]} has no worktree to verify (nothing is checked out on ${featureBranch(missing[0] ?? '')})`
        : `features ${missing.join(', ')} have no worktree to verify`;
    const hint = noWorktreeHint(missing, orphaned, readd);
    throw new UserError('verify/no-worktree', which, { hint });
  }
  return {
    targets: located.flatMap((l) => (l.cwd ? [target(l.id, l.cwd)] : [])),
    skipped: missing.map((id) => ({
      feature_id: id,
      reason: orphaned.has(id)
        ? `its worktree is gone but its branch is not (\`${readd([id])}\` checks it out again)`
        : 'it has no worktree yet (run `baton run` first)',
    })),
  };
}
