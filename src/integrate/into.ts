/**
 * `--into <branch>`: the rule for when the user's branch may move (pure) and the fast-forward that
 * moves it. Nothing reaches the user's branch unless every selected feature was merged, every test
 * after a merge passed and every `after: integration` criterion passed.
 */
import { printableArg } from '../agents/shell-words.js';
import { UserError } from '../errors.js';
import { fastForwardBranch, MovedElsewhereError } from '../git/fast-forward.js';
import { gitRaw, isAncestor, resolveCommit } from '../git/git.js';
import {
  branchRevision,
  featureBranch as featureBranchRef,
  INTEGRATION_BRANCH,
  isBatonBranch,
} from '../git/refs.js';
import type { FeatureStatus, IntegrationEnded } from '../log/events.js';
import { escapeControl } from '../text/escape.js';
import type { HeldWork } from './carried-work.js';
import { type ContinueFlags, continueCommand, freshCommand } from './continue-command.js';
import {
  type BaseOutside,
  baseRefusal,
  carriedRefusal,
  commitsMissing,
  type MissingCommits,
  missingWords,
} from './into-holds.js';
import { leftOutHint } from './left-out-hint.js';
import type { CheckTally, IntoResult, MergeStep, TestRun } from './types.js';

/** Why `--into` must not move the branch, with what to do about it. */
export interface IntoRefusal {
  reason: string;
  hint?: string;
}

/** What the `--into` rule looks at. */
export interface IntoInput {
  branch: string;
  outcome: IntegrationEnded['outcome'];
  steps: readonly MergeStep[];
  tests: readonly TestRun[];
  checks: Readonly<Record<string, CheckTally>>;
  /** Features merged although their status is not `complete` (`--include`). */
  included: ReadonlyArray<{ feature_id: string; status: FeatureStatus }>;
  /** Features merged earlier in this integration that no longer pass (failed `baton verify` since). */
  stale?: ReadonlyArray<{ feature_id: string; reason: string }>;
  /** Commits the merged features were cut from that the branch does not hold (`foreignBases`). */
  foreign?: readonly ForeignBase[];
  /** The integration's base, when the branch does not hold it (`baseOutside`). */
  baseOutside?: BaseOutside | undefined;
  /** A feature not merged whose own work the result holds (`carriedLeftOut`). */
  carried?: HeldWork | undefined;
  /** What the after-integration criteria left in the integration (a commit, changes), in words. */
  checksLeft?: string;
  /**
   * Merged features whose own changes, as git shows them, fall outside their contract's `owns`
   * (`owns_policy` strict): whatever the log says their owns check found.
   */
  outsideOwns?: ReadonlyArray<{ feature_id: string; files: readonly string[] }>;
  /**
   * What the commands that finish it or start it over name again (`sessionFlags`): the test command
   * the integration runs, its `--test-timeout`, its `--on-conflict`, the features, `--base` and
   * `--include` it began with; their `--into` is `branch`.
   */
  flags?: ContinueFlags;
  /** Why the merged features' criteria, run again on the result, keep the branch (`promotionRefusal`). */
  promotion?: string;
}

/**
 * A commit features were cut from that the `--into` branch does not hold, and what it would bring:
 * commits reachable from `base` and not from the branch, in no feature, yet they would reach it.
 */
export interface ForeignBase extends MissingCommits {
  base: string;
  feature_ids: string[];
}

/**
 * The commits `bases` names (each feature's: the one its branch was cut from) that `target` (a
 * branch, `refs/heads/<name>`, or a commit) does not hold, of the features whose commit (`commits`,
 * else the branch) still holds it: the log's word is taken only where git proves it. Merging such a
 * feature onto `target` would also bring every commit between it and the feature's base, work no
 * feature made and nothing checked as part of it: the branch they were cut from had moved on (`dev`'s
 * own commits), or `target` was reset below it or rewritten since. A feature moved onto `target`
 * since (a rebase) holds its old base no more and passes. One git process per distinct base; more
 * only when one is foreign.
 */
export async function foreignBases(
  root: string,
  ref: string,
  bases: Readonly<Record<string, string>>,
  commits: Readonly<Record<string, string>>,
): Promise<ForeignBase[]> {
  const byBase = new Map<string, string[]>();
  for (const [id, base] of Object.entries(bases)) byBase.set(base, [...(byBase.get(base) ?? []), id]);
  const out: ForeignBase[] = [];
  for (const [base, all] of byBase) {
    if (await isAncestor(root, base, ref)) continue;
    const holds = await Promise.all(
      all.map((id) => isAncestor(root, base, commits[id] ?? branchRevision(featureBranchRef(id)))),
    );
    const ids = all.filter((_, i) => holds[i]);
    if (ids.length === 0) continue;
    out.push({ base, feature_ids: ids.sort(), ...(await commitsMissing(root, base, ref)) });
  }
  return out;
}

/** What the `--into` owns gate names for files the result changes that no merged feature owns. */
export const MERGED_RESULT = 'the merged result';

/** Refuses `--into` before anything is merged when it could never move (`foreignBases`). */
export async function assertIntoHoldsBases(
  root: string,
  into: string,
  bases: Readonly<Record<string, string>>,
  commits: Readonly<Record<string, string>>,
): Promise<void> {
  const refusal = foreignRefusal(into, await foreignBases(root, `refs/heads/${into}`, bases, commits));
  if (refusal) {
    throw new UserError(
      'integrate/into-foreign',
      `${into} would get commits no feature made: ${refusal.reason}`,
      {
        hint: `${refusal.hint} Nothing was merged.`,
      },
    );
  }
}

/** The refusal for features cut from commits `into` does not hold (pure). */
export function foreignRefusal(into: string, foreign: readonly ForeignBase[]): IntoRefusal | undefined {
  if (foreign.length === 0) return undefined;
  const parts = foreign.map(
    (f) =>
      `${f.feature_ids.join(', ')} ${f.feature_ids.length === 1 ? 'was' : 'were'} cut from ${f.base.slice(0, 10)}, which ${into} does not hold: ${missingWords(f)}`,
  );
  const moves = foreign.flatMap((f) =>
    f.feature_ids.map((id) => `in ${id}'s worktree: git rebase --onto ${into} ${f.base.slice(0, 10)}`),
  );
  const ids = [...new Set(foreign.flatMap((f) => f.feature_ids))].join(' ');
  return {
    reason: parts.join('; '),
    hint: `Integrate into the branch they were cut from instead, or move them onto ${into} (${moves.join('; ')}), then \`baton verify ${ids}\` and integrate again.`,
  };
}

/** A feature that was selected and not merged, in words; undefined for one merged or with nothing to merge. */
function notMergedWords(step: MergeStep): string | undefined {
  switch (step.status) {
    case 'not-merged':
      return `${step.feature_id} (${step.feature_status}: ${step.reason})`;
    case 'not-run':
      return `${step.feature_id} (${step.reason})`;
    case 'skipped':
      return `${step.feature_id} (skipped: ${step.reason})`;
    case 'conflict':
      return `${step.feature_id} (conflict in ${step.files.join(', ')})`;
    case 'merged':
    case 'nothing-to-merge':
      return undefined;
  }
}

/** The features whose after-integration criteria failed, in words; undefined when none did. */
function failedChecksWords(checks: Readonly<Record<string, CheckTally>>): string | undefined {
  const failed = Object.entries(checks).filter(([, t]) => t.failed > 0);
  if (failed.length === 0) return undefined;
  return failed
    .map(([id, t]) => `${id} failed ${t.failed} of ${t.total} after-integration criteria`)
    .join(', ');
}

/** The flags of the commands that go on with the integration `input` judges: its own, and its branch. */
function goOnFlags(input: IntoInput): ContinueFlags {
  return { ...input.flags, into: input.branch };
}

/** Why the branch stays where it is when Ctrl-C stopped the integration before it moved it (pure). */
function interruptedRefusal(input: IntoInput): IntoRefusal {
  return {
    reason: 'the integration was interrupted before it finished',
    hint: `Finish it with \`${continueCommand(goOnFlags(input))}\`.`,
  };
}

/** Why the branch must stay where it is, or undefined when `--into` may move it (pure). */
export function intoRefusal(input: IntoInput): IntoRefusal | undefined {
  if (input.outcome === 'interrupted') return interruptedRefusal(input);
  const failedTest = input.tests.find((t) => !t.passed);
  if (failedTest) return { reason: `tests failed after merging ${failedTest.after_feature}` };
  const left = input.steps.flatMap((s) => notMergedWords(s) ?? []);
  const failedChecks =
    [failedChecksWords(input.checks), input.checksLeft].filter(Boolean).join('; ') || undefined;
  if (left.length > 0 && input.outcome !== 'conflict') {
    // Both, when both hold: fixing the features left out would still leave the failed checks.
    const hint = leftOutHint(input.steps, goOnFlags(input), input.included);
    return {
      reason: `not every selected feature was merged: ${left.join(', ')}${failedChecks ? `; and ${failedChecks}` : ''}`,
      ...(hint ? { hint } : {}),
    };
  }
  if (input.outcome !== 'clean') {
    return { reason: `the integration ended ${input.outcome}${failedChecks ? `: ${failedChecks}` : ''}` };
  }
  const foreign = foreignRefusal(input.branch, input.foreign ?? []);
  if (foreign) return foreign;
  if (input.carried) return carriedRefusal(input.branch, input.carried, freshCommand(goOnFlags(input)));
  if (input.stale && input.stale.length > 0) {
    const list = input.stale.map((s) => `${s.feature_id} (${s.reason})`).join(', ');
    return {
      reason: `merged before, no longer passing: ${list}`,
      hint: `Fix them and integrate again from the start: ${freshCommand(goOnFlags(input))}.`,
    };
  }
  if (input.outsideOwns && input.outsideOwns.length > 0) {
    const list = input.outsideOwns
      .map(
        (o) =>
          `${o.feature_id} (${o.files
            .slice(0, 5)
            .map((f) => escapeControl(f))
            .join(', ')}${o.files.length > 5 ? ', …' : ''})`,
      )
      .join('; ');
    const byFeature = input.outsideOwns.some((o) => o.feature_id !== MERGED_RESULT);
    return {
      reason: `git shows changes outside owns, whatever the log says of the owns checks: ${list}`,
      hint: byFeature
        ? `Move those changes off the feature's branch (or widen its owns, or set owns_policy: warn in its contract), run \`baton verify\` on it, then integrate again: ${freshCommand(goOnFlags(input))}.`
        : `No merged feature's own work changes them: they came with the integration's base or a resolution. See what brings them (git log ${printableArg(input.branch)}..${INTEGRATION_BRANCH} -- <file>), then integrate again from the start: ${freshCommand(goOnFlags(input))}.`,
    };
  }
  // After the owns gate, which names the files such a base brings when the features declare owns.
  if (input.baseOutside) {
    return baseRefusal(
      input.branch,
      input.baseOutside,
      freshCommand({ ...goOnFlags(input), base: input.branch }),
    );
  }
  const tallies = Object.values(input.checks);
  const unverifiable = tallies.reduce((n, t) => n + t.unverifiable, 0);
  if (unverifiable > 0) {
    return {
      reason: `${unverifiable} after-integration criteria are unverifiable, so not every check passed`,
      hint: 'Give each criterion a `run`, `http` or `files` check.',
    };
  }
  if (input.promotion) {
    return {
      reason: input.promotion,
      hint: `Each criterion's output is under .baton/checks/<feature>/<criterion>.promotion.log. Fix the features so their criteria hold together on the merged result, run \`baton verify\` on them, then integrate again: ${freshCommand(goOnFlags(input))}.`,
    };
  }
  if (input.included.length > 0) {
    const list = input.included.map((f) => `${f.feature_id} (${f.status})`).join(', ');
    return {
      reason: `${list} ${input.included.length === 1 ? 'was' : 'were'} merged by --include, not because ${input.included.length === 1 ? 'it' : 'they'} passed`,
      hint: `Look at the result on ${INTEGRATION_BRANCH}; to take it anyway, do it by hand: git switch ${input.branch} && git merge --ff-only ${INTEGRATION_BRANCH}.`,
    };
  }
  return undefined;
}

/**
 * Applies the `--into` rule, then fast-forwards the branch (never a force, never a reset). Ctrl-C
 * (`signal`) before git began to move it leaves it where it was, refused as an interrupted integration
 * is (what a git call cut short by it said is no reason); a move begun is finished.
 */
export async function moveInto(
  root: string,
  input: IntoInput,
  commit: string,
  signal?: AbortSignal,
): Promise<IntoResult> {
  const branch = input.branch;
  const refusal = intoRefusal(input);
  if (refusal) return { branch, moved: false, ...refusal };
  try {
    const flags = goOnFlags(input);
    const next = { continue: continueCommand(flags), fresh: freshCommand(flags) };
    const fast_forward = await fastForwardBranch(root, branch, commit, next, signal);
    return { branch, moved: true, fast_forward };
  } catch (err) {
    if (signal?.aborted) {
      return { branch, moved: false, ...interruptedRefusal(input) };
    }
    if (err instanceof UserError) {
      const elsewhere = err instanceof MovedElsewhereError ? { elsewhere: true as const } : {};
      return {
        branch,
        moved: false,
        reason: err.message,
        ...(err.hint ? { hint: err.hint } : {}),
        ...elsewhere,
      };
    }
    throw err;
  }
}

/**
 * Refuses an `--into` that can never happen, before anything is merged: a name git does not take for
 * a branch or one of Baton's own branches (usage errors), or a branch that does not exist.
 */
export async function assertIntoBranch(root: string, into: string): Promise<void> {
  const valid = await gitRaw(root, ['check-ref-format', '--branch', into]);
  if (valid.exitCode !== 0 || into.startsWith('-')) {
    throw new UserError(
      'integrate/bad-into',
      `--into takes a branch, and "${into}" is not a valid branch name`,
      {
        exitCode: 2,
        hint: 'Name a local branch, e.g. --into main.',
      },
    );
  }
  // A feature's branch would take the other features' work and drop out of the next integration
  // (it would hold what is merged); attempt branches and baton/integration are Baton's to move.
  if (isBatonBranch(into)) {
    throw new UserError(
      'integrate/bad-into',
      `--into takes a branch of yours, and ${into} is one of Baton's own (a feature's, an attempt's or the integration branch)`,
      {
        exitCode: 2,
        hint: `Name the branch the features should reach, e.g. --into main; the result is on ${INTEGRATION_BRANCH} to look at. Nothing was merged.`,
      },
    );
  }
  if ((await resolveCommit(root, `refs/heads/${into}`)) === undefined) {
    throw new UserError('integrate/no-into-branch', `there is no branch ${into} to fast-forward`, {
      hint: `Create it first (git branch ${into} <commit>), or name an existing branch; nothing was merged.`,
    });
  }
}

/**
 * Where an integration starts when `--base` does not say: the config's base, else the `--into`
 * branch (so that what moves it is only the features, never the commits of whatever branch is
 * checked out), else the checkout's HEAD.
 */
export function defaultBaseRef(configBase: string | undefined, into: string | undefined): string {
  return configBase ?? (into !== undefined ? `refs/heads/${into}` : 'HEAD');
}
