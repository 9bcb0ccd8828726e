/** `baton pick`: which commit `baton/<feature_id>` moves to when the conductor overrides best-of-N (pure). */
import { attemptUnitId } from '../contracts/feature-id.js';
import { featureBranch } from '../git/refs.js';
import { freshCommand, loggedFlags, TEST_FROM_LOG } from '../integrate/continue-command.js';
import type { CheckFailed, CheckPassed, CheckUnverifiable, LogEvent } from '../log/events.js';
import type { AttemptState, BatonState, FeatureState } from '../log/state.js';
import { resumeRunCommand } from '../runner/resume-command.js';
import { attemptEndedWords } from './ended-words.js';
import { unprovenClaim } from './proof.js';

/** The commit to put on the feature's branch, and the attempt it held before; or why not. */
export type PickPlan =
  | {
      ok: true;
      commit: string;
      previous?: number | undefined;
      /** Every attempt's recorded commit: a claim of the log, which any process can append to. */
      recorded: { attempt: number; commit: string }[];
      /** Said when the picked attempt did not pass its checks (the pick still happens: the user's call). */
      warning?: string | undefined;
    }
  | { ok: false; code: string; message: string; hint: string };

const UNENDED = new Set<AttemptState['status']>(['pending', 'running', 'verifying', 'needs-input']);

/**
 * Why a best-of-N feature has no winner yet (pure): an attempt the log shows still at work (its run
 * died, or is still deciding), or an interrupted one; undefined once the rule or `baton pick` chose.
 * `baton pick` and `baton clean` both refuse such a feature: `baton run --resume` decides it.
 */
export function undecidedReason(f: FeatureState | undefined): string | undefined {
  if (!f?.attempts || f.winner !== undefined || f.attempts_superseded) return undefined;
  const attempts = Object.values(f.attempts);
  const open = attempts.find((a) => UNENDED.has(a.status));
  if (open) return `attempt ${open.attempt} is still ${open.status} in the log`;
  const interrupted = attempts.find((a) => a.status === 'interrupted');
  if (interrupted) return `attempt ${interrupted.attempt} was interrupted`;
  return 'no attempt was selected yet';
}

/**
 * Checks that `featureId` ran best-of-N, that its winner was chosen (`undecidedReason`), that attempt
 * `attempt` left a commit to pick, and that what its record says passed, its own checks passed on that
 * commit (`unprovenClaim`; `criteria`: the contract's worktree criteria, when known); `recorded` lists
 * every attempt's recorded commit. Whether that commit is on the attempt's branch is git's to say
 * (`onAttemptBranch`, asked by the command).
 */
export function planPick(state: BatonState, featureId: string, attempt: number, criteria?: number): PickPlan {
  const f = Object.hasOwn(state.features, featureId) ? state.features[featureId] : undefined;
  const attempts = f?.attempts ? Object.values(f.attempts) : [];
  if (!f || attempts.length === 0) {
    return {
      ok: false,
      code: 'pick/no-attempts',
      message: `feature ${featureId} has no best-of-N attempts in the log`,
      hint: 'Run it with `baton run --attempts N` (or `attempts:` in its contract) first.',
    };
  }
  const undecided = undecidedReason(f);
  if (undecided !== undefined) {
    return {
      ok: false,
      code: 'pick/undecided',
      message: `best-of-N for ${featureId} is not decided yet: ${undecided}`,
      hint: `Run \`${resumeRunCommand([featureId])}\`: it stops what the dead run left running, runs the attempts that did not end and makes the selection; pick after.`,
    };
  }
  const numbers = attempts.map((a) => a.attempt).sort((a, b) => a - b);
  const chosen = f.attempts?.[String(attempt)];
  if (!chosen) {
    return {
      ok: false,
      code: 'pick/no-such-attempt',
      message: `feature ${featureId} has no attempt ${attempt}; its attempts are ${numbers.join(', ')}`,
      hint: `Pick one of ${numbers.join(', ')} (\`baton status\` lists them).`,
    };
  }
  const work = workCommit(state, featureId, chosen);
  if (!work) {
    const others = attempts
      .filter((a) => a !== chosen && workCommit(state, featureId, a))
      .map((a) => a.attempt);
    return {
      ok: false,
      code: 'pick/no-commit',
      message: `attempt ${attempt} of ${featureId} left no commit (${attemptEndedWords(chosen)}): ${chosen.commit ? `it recorded ${chosen.commit.slice(0, 8)}, the commit it was cut from` : 'the log records none'}, so there is no work to pick`,
      hint:
        others.length > 0
          ? `Pick an attempt that left work: ${others.join(', ')}.`
          : `No attempt of ${featureId} left work: run it again (\`${resumeRunCommand([featureId])}\`).`,
    };
  }
  const unproven = unprovenClaim(chosen, criteria);
  if (unproven !== undefined) return unprovenRefusal(featureId, attempt, unproven);
  const recorded = attempts.flatMap((a) => (a.commit ? [{ attempt: a.attempt, commit: a.commit }] : []));
  const warning = uncheckedWarning(featureId, chosen);
  return { ok: true, commit: work, previous: f.winner?.attempt, recorded, warning };
}

/**
 * The refusal of a pick whose record is not proven (pure): the log is a file any process can append
 * to, so Baton moves `baton/<id>` only to a commit its record is proven of (src/attempts/proof.ts).
 */
export function unprovenRefusal(
  featureId: string,
  attempt: number,
  why: string,
): Extract<PickPlan, { ok: false }> {
  return {
    ok: false,
    code: 'pick/unproven',
    message: `attempt ${attempt} of ${featureId} was not picked: ${why}; a line of the log is no proof (any process can append one), so nothing was changed`,
    hint: `Pick an attempt whose own checks ran on its recorded commit (\`baton status\` lists the attempts, with their checks).`,
  };
}

/**
 * The attempt's recorded commit when it holds work (pure): undefined when it recorded none, or only
 * the commit it was cut from (its fork point, from its own `feature.started`: an attempt stopped, or
 * whose agent changed nothing, before it committed anything). Picking that would put no work on the branch.
 */
export function workCommit(
  state: BatonState,
  featureId: string,
  a: Pick<AttemptState, 'attempt' | 'commit'>,
): string | undefined {
  if (!a.commit) return undefined;
  const forkPoint = state.attempt_units?.[attemptUnitId(featureId, a.attempt)]?.base_commit;
  return a.commit === forkPoint ? undefined : a.commit;
}

/**
 * What to say when the picked attempt did not pass every check (pure): it failed some, or its checks
 * never ran (it ended failed, timed out, was stopped…); undefined for a `complete` attempt.
 */
export function uncheckedWarning(
  featureId: string,
  a: Pick<AttemptState, 'attempt' | 'status' | 'checks'>,
): string | undefined {
  if (a.status === 'complete') return undefined;
  const c = a.checks;
  const ran = c ? c.passed + c.failed + c.unverifiable : 0;
  const what =
    c && c.failed > 0
      ? `failed ${c.failed} of its ${c.total} checks`
      : ran === 0
        ? `was never checked (it ended ${a.status})`
        : `did not pass every check (it ended ${a.status}, ${c?.passed ?? 0}/${c?.total ?? 0} passed)`;
  return `attempt ${a.attempt} ${what}: ${featureBranch(featureId)} now holds work its checks did not pass; \`baton verify ${featureId}\` checks it again`;
}

/** What the log's worktree checks say of one commit: how many criteria passed of those checked there. */
export interface CommitChecks {
  passed: number;
  total: number;
  /** Some ran on changes not committed: they did not check the commit alone. */
  dirty: boolean;
}

type CheckEvent = CheckPassed | CheckFailed | CheckUnverifiable;

/**
 * The feature's worktree checks the log records on `commit`, the latest result of each criterion
 * (pure); undefined when none ran there. A `baton verify` of a best-of-N feature runs in its
 * winner's worktree and records the commit it checked, so a commit made on an attempt's branch can
 * have passed although no `attempt.ended` names it.
 */
export function checksOnCommit(
  events: readonly LogEvent[],
  featureId: string,
  commit: string,
): CommitChecks | undefined {
  const latest = new Map<string, CheckEvent>();
  for (const e of events) {
    if (e.type !== 'check.passed' && e.type !== 'check.failed' && e.type !== 'check.unverifiable') continue;
    const c = e as CheckEvent;
    if (c.on === 'worktree' && c.feature_id === featureId && c.commit === commit)
      latest.set(c.criterion_id, c);
  }
  if (latest.size === 0) return undefined;
  const results = [...latest.values()];
  return {
    passed: results.filter((c) => c.type === 'check.passed').length,
    total: results.length,
    dirty: results.some((c) => c.dirty === true),
  };
}

/**
 * When an integration began before this pick and recorded another commit of the feature (pure):
 * `baton integrate --continue` merges the recorded one (or holds it already), so only `baton integrate
 * --fresh` takes the pick. Undefined when no integration is under way: none, its branch is gone, or its
 * result was moved to a branch with `--into` (the next integration starts from there).
 */
export function integrationNote(
  state: BatonState,
  events: readonly LogEvent[],
  o: { featureId: string; commit: string; hasBranch: (branch: string) => boolean },
): string | undefined {
  const integ = state.integration;
  if (integ.branch === undefined || integ.into !== undefined || !o.hasBranch(integ.branch)) return undefined;
  const started = events.findLast((e) => e.type === 'integration.started');
  const held = started?.type === 'integration.started' ? started.commits?.[o.featureId] : undefined;
  if (held === undefined || held === o.commit) return undefined;
  const f = state.features[o.featureId];
  const n = Object.values(f?.attempts ?? {}).find((a) => a.commit === held)?.attempt;
  const what = `${n !== undefined ? `attempt ${n}` : 'commit'} ${held.slice(0, 8)} of ${o.featureId}`;
  const merged = integ.merges.some((m) => m.feature_id === o.featureId && m.outcome === 'clean');
  // The start over with the flags the integration began with (`loggedFlags`: its test command is the log's).
  const flags = started?.type === 'integration.started' ? loggedFlags(started) : {};
  const note = flags.test !== undefined ? TEST_FROM_LOG : '';
  return `${integ.branch} ${merged ? 'holds' : 'is to merge'} ${what}, recorded when the integration began, and \`baton integrate --continue\` keeps it: run \`${freshCommand(flags)}\`${note} for this pick to count`;
}
