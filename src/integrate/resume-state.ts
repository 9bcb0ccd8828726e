/**
 * What `baton integrate --continue` goes on from, rebuilt from the log (pure): what the last
 * integration merged, left out or stopped at, and whether the last merge was tested. Nothing the log
 * says is acted on unproven: the test command and the conflict policy come from the flags and the
 * config, the branch to move from `--into`, the worktree and the recorded commits are proven against
 * git (`resume-proof.ts`), as are the checks that need the disk (no stray merge) by the caller.
 */

import { countChecks } from '../log/check-reason.js';
import type { FeatureStatus, IntegrationStarted, LogEvent, MergeSkipped } from '../log/events.js';
import type { BatonState } from '../log/fold.js';
import { foldEvents, type MergeRecord } from '../log/fold.js';
import { escapeControl } from '../text/escape.js';
import {
  ANY_BRANCH,
  type ContinueFlags,
  continueCommand,
  freshCommand,
  startCommand,
  startOnlyFlags,
} from './continue-command.js';
import { intoRefusal } from './into.js';
import type { CheckTally, MergeStep } from './types.js';
import { failedMerge, pendingConflict } from './unfinished.js';

/** The state an interrupted or conflicted integration goes on from. */
export interface ResumeState {
  started: IntegrationStarted;
  /** The branch to move: this `--continue`'s `--into` only, never one read from the log. */
  into?: string;
  /**
   * The branch the log says the last `--into` of this integration named (its first, or a later
   * `--continue --into`'s): not moved unless this `--continue` names it (`--into`), see `intoUnnamed`.
   */
  askedInto?: string;
  /**
   * The latest `--test-timeout` of this integration that was not the default (its start's, or a later
   * `--continue`'s), as the fold keeps it: what every printed command carries.
   */
  testTimeoutS?: number;
  /** The worktree the log names: for nothing but words; the one worked in is proven (`provenIntegrationWorktree`). */
  worktree: string;
  base: string | undefined;
  order: string[];
  /** When the integration began, in ms since the epoch. */
  startedAt: number;
  /** Features merged so far, in merge order. */
  merged: string[];
  /** Per feature, the latest thing that happened. */
  steps: MergeStep[];
  /** The conflict a person was asked to resolve. */
  pending?: { feature_id: string; files: string[]; ts: string };
  /** Without a pending conflict: the last merge, when its tests never reported (Baton was stopped). */
  untested?: string;
  include: FeatureStatus[];
  included: Array<{ feature_id: string; status: FeatureStatus }>;
  /** The commit merged for each feature, as the integration recorded it at its start. */
  commits: Record<string, string>;
  /**
   * An integration that ended clean and moved no branch, which the `--into` rule would refuse to move
   * any branch to (a feature let in by `--include`, an unverifiable criterion): why. Nothing is offered then.
   */
  promotionRefused?: string;
}

/** Why there is nothing to continue, as a user error's code, message and hint. */
export interface ResumeRefusal {
  code: string;
  message: string;
  hint: string;
}

/** Either the state to go on from or why there is none. */
export type ResumeVerdict = { ok: true; state: ResumeState } | { ok: false; refusal: ResumeRefusal };

function lastStartIndex(events: readonly LogEvent[]): number {
  for (let i = events.length - 1; i >= 0; i--) if (events[i]?.type === 'integration.started') return i;
  return -1;
}

/**
 * How the integration ended, unless a `--continue` went on after that end (it re-emits merges and
 * tests, and may have been killed before recording its own end).
 */
function lastEnd(tail: readonly LogEvent[]): { outcome: string; into?: string } | undefined {
  for (let i = tail.length - 1; i >= 0; i--) {
    const e = tail[i];
    if (e?.type === 'integration.ended') {
      return { outcome: e.outcome, ...(e.into ? { into: e.into } : {}) };
    }
    if (e?.type?.startsWith('merge.') || e?.type === 'integration.tested') return undefined;
  }
  return undefined;
}

/**
 * A resolved conflict whose merge then failed the tests: the integration ended `tests-failed` after
 * a feature that had conflicted in this attempt. The fault is in the resolution, so `--continue`
 * takes it up again like a conflict: a person fixes it and amends the merge, and the tests run again.
 */
function failedResolution(
  integration: BatonState['integration'],
  outcome: string | undefined,
): MergeRecord | undefined {
  return outcome === 'tests-failed' ? failedMerge(integration)?.conflict : undefined;
}

/** The step a recorded skip stands for; logs older than `kind` say "not run: …" in the reason. */
function skippedStep(m: MergeRecord, skipped: MergeSkipped | undefined): MergeStep {
  const reason = m.reason ?? '';
  const kind = skipped?.kind ?? (reason.startsWith('not run') ? 'not-run' : 'conflict');
  if (kind === 'not-run') return { feature_id: m.feature_id, status: 'not-run', reason };
  if (kind === 'nothing-to-merge') return { feature_id: m.feature_id, status: 'nothing-to-merge', reason };
  if (kind === 'excluded') {
    return {
      feature_id: m.feature_id,
      status: 'not-merged',
      feature_status: skipped?.status ?? 'pending',
      reason,
      ...(skipped?.recheck ? { recheck: true as const } : {}),
    };
  }
  return { feature_id: m.feature_id, status: 'skipped', reason };
}

/** What the attempt merged and left out so far, but for `pending`, the feature to resolve again. */
function stepsSoFar(
  tail: readonly LogEvent[],
  merges: readonly MergeRecord[],
  pending: string | undefined,
): { merged: string[]; steps: Map<string, MergeStep> } {
  const skips = new Map<string, MergeSkipped>();
  for (const e of tail) if (e.type === 'merge.skipped') skips.set(e.feature_id, e);
  const merged: string[] = [];
  const steps = new Map<string, MergeStep>();
  for (const m of merges) {
    if (m.feature_id === pending) continue;
    if (m.outcome === 'clean') {
      if (!merged.includes(m.feature_id)) merged.push(m.feature_id);
      steps.set(m.feature_id, {
        feature_id: m.feature_id,
        status: 'merged',
        commit: m.commit ?? '',
        duration_ms: m.duration_ms ?? 0,
      });
    } else if (m.outcome === 'skipped') {
      steps.set(m.feature_id, skippedStep(m, skips.get(m.feature_id)));
    }
  }
  return { merged, steps };
}

/**
 * Rebuilds the last integration's state from the log, or says why it cannot go on (pure). Besides a
 * conflict or an interruption, a clean integration that moved no branch (its `--into` was refused,
 * a checkout with uncommitted changes say, or none was asked) goes on when `--into` is asked:
 * nothing is merged again, its integration criteria run again, and the branch moves if everything
 * still passes.
 */
export function resumeStateFrom(
  events: readonly LogEvent[],
  opts: Pick<ContinueFlags, 'into' | 'test' | 'testTimeoutS' | 'onConflict'> = {},
): ResumeVerdict {
  const start = lastStartIndex(events);
  if (start === -1) {
    return {
      ok: false,
      refusal: {
        code: 'integrate/nothing-to-continue',
        message: 'no integration to continue: the log records none',
        hint: `Start one with \`${startCommand(opts)}\`.`,
      },
    };
  }
  const started = events[start] as IntegrationStarted;
  const tail = events.slice(start);
  const folded = foldEvents(tail);
  const state = folded.integration;
  // Without a conflict to resolve (or a resolution to fix), only an integration that was
  // interrupted (Ctrl-C records `interrupted`; a killed Baton records no end) can go on.
  const end = lastEnd(tail);
  const outcome = end?.outcome;
  const conflict = pendingConflict(state.merges) ?? failedResolution(state, outcome);
  const promotable = outcome === 'clean' && end?.into === undefined;
  const promotionRefused = promotable && !conflict ? refusedPromotion(started, folded) : undefined;
  // Only the command line names a branch to move; the log's (the last `--into` asked) is kept to
  // refuse a `--continue` that does not name it again (`intoUnnamed`).
  const into = opts.into;
  // The latest `--into` of this integration: its start's, or that of a `--continue --into X` that
  // stopped at the next conflict (a later plain `--continue` moves that one), as the fold keeps it.
  const askedInto = state.asked_into;
  if (!conflict && outcome !== undefined && outcome !== 'interrupted' && !(promotable && opts.into)) {
    // This command's flags, and what only a start takes as the integration began with them.
    const flags = { ...opts, into, ...startOnlyFlags(started) };
    const fresh = freshCommand(flags);
    return {
      ok: false,
      refusal: {
        code: 'integrate/nothing-to-continue',
        message: `the last integration is not stopped at a conflict (it ended: ${outcome})`,
        hint:
          promotable && !promotionRefused
            ? `It ended clean and moved no branch: to move one to it, run \`${continueCommand({ ...flags, into: ANY_BRANCH })}\`; or start a new one with \`${fresh}\`.`
            : `${promotionRefused ? `No branch can be moved to it (${promotionRefused}). ` : ''}Start a new one with \`${fresh}\`.`,
      },
    };
  }
  const { merged, steps } = stepsSoFar(tail, state.merges, conflict?.feature_id);
  const last = merged.at(-1);
  const untested =
    !conflict && last !== undefined && !state.tests.some((t) => t.after_feature === last) ? last : undefined;
  return {
    ok: true,
    state: {
      started,
      ...(into ? { into } : {}),
      ...(askedInto ? { askedInto } : {}),
      ...(state.test_timeout_s !== undefined ? { testTimeoutS: state.test_timeout_s } : {}),
      worktree: started.worktree,
      base: started.base_commit,
      order: [...started.order],
      startedAt: Date.parse(started.ts),
      merged,
      steps: [...steps.values()],
      ...(conflict
        ? { pending: { feature_id: conflict.feature_id, files: conflict.files, ts: conflict.ts } }
        : {}),
      ...(untested ? { untested } : {}),
      include: [...(started.include ?? [])],
      included: [...(started.included ?? [])],
      commits: { ...(started.commits ?? {}) },
      ...(promotionRefused ? { promotionRefused } : {}),
    },
  };
}

/**
 * Why the `--into` rule (`intoRefusal`, the one rule) would refuse to move a branch to a clean
 * integration: what the log alone tells (features let in by `--include`, unverifiable criteria).
 */
function refusedPromotion(started: IntegrationStarted, folded: BatonState): string | undefined {
  const checks: Record<string, CheckTally> = {};
  for (const [id, f] of Object.entries(folded.features)) {
    const tally = countChecks(f, 'integration');
    if (tally.total > 0) checks[id] = tally;
  }
  const refusal = intoRefusal({
    branch: '<branch>',
    outcome: 'clean',
    steps: [],
    tests: [],
    checks,
    included: started.included ?? [],
  });
  return refusal?.reason;
}

/**
 * The refusal of a `--continue` that does not name the branch the integration was asked to move: the
 * log says which (`askedInto`), but a log line is anyone's to write, so only the command line moves a
 * branch; moving none silently would break what `baton integrate --into` promised. Undefined when
 * `--into` was given or the log asks none. `flags.test` is the `--test` the user gave, carried into both
 * commands the hint names (without it they would run the config's test, or none), and so is the
 * `--test-timeout` (`flags.testTimeoutS`), its `--on-conflict`, and what the start over takes as the
 * integration began with it (`startOnlyFlags`).
 */
export function intoUnnamed(state: ResumeState, flags: ContinueFlags): ResumeRefusal | undefined {
  if (state.into !== undefined || state.askedInto === undefined) return undefined;
  return {
    code: 'integrate/into-unnamed',
    message: `this integration was asked to move ${escapeControl(state.askedInto)} (--into ${escapeControl(state.askedInto)}), and --continue moves a branch only when you name it again`,
    hint: `Go on and move it when everything passes: \`${continueCommand({ ...flags, into: state.askedInto })}\`; or, to move nothing, start over without --into: \`${freshCommand(flags)}\`.`,
  };
}
