/**
 * The report's types. Long because it is one declaration: the JSON report is this shape and its
 * schema version moves with it as a whole; the parts' logic lives beside each part.
 */
import type { FeatureStatus, IntegrationEnded } from '../log/events.js';
import type { CollisionSummary } from './collisions.js';
import type { FeatureInterventions } from './interventions.js';

/**
 * The report's data. Every number that the log (and the plan, when there is one) cannot support
 * is `null`, and renderers show it as "unknown": nothing here is guessed.
 */
export interface Report {
  run: RunReport;
  /** The one speedup every output leads with (terminal, markdown, JSON, HTML, dashboard). */
  headline: Headline;
  worksheet: Worksheet;
  features: FeatureReport[];
  conflicts: ConflictReport;
  /** Collisions the radar saw while the agents worked, and whether integration proved them right. */
  collisions: CollisionSummary;
  /**
   * Main-checkout paths and repository changes no single feature's agents explain (several ran, or
   * none); each feature's own are its `escaped`. As `baton status --json` names them.
   */
  escaped_unknown: string[];
  /** How often, per feature, the conductor stepped into an interactive agent (the measure of the contracts). */
  interventions: FeatureInterventions[];
  integration: IntegrationReport;
  amdahl: AmdahlReport;
  critical_path: {
    planned: CriticalPath | null;
    /** Why the planned path is absent when contracts were loaded (e.g. no contract has an estimate). */
    planned_unknown: string | null;
    measured: CriticalPath | null;
  };
  /** The dependency graph of the run's features, when contracts were available. */
  graph: GraphReport | null;
  /** Where the Gantt timeline starts and ends, in minutes from `origin`, and the phases after it began. */
  timeline: { origin: string | null; end_min: number | null; phases: TimelinePhase[] };
  totals: UsageTotals;
  /** The method's three questions answered from this run: conflicts, integration ratio, speedup. */
  diagnosis: string[];
  /** What could not be measured, and why. */
  unknowns: string[];
  /** Spans the log made negative (an end before its start, a negative duration), each counted as 0. */
  clock_backwards: string[];
  /** Durations the log's own timestamps cannot support (not finite, or longer than their span): each unknown. */
  implausible_durations: string[];
}

/** A serial phase on the timeline (integration, or one recorded by hand after the run began). */
export interface TimelinePhase {
  phase: string;
  /** The row's name, for phases that are not the method's own (the `--compare` run). */
  label?: string;
  /** What that phase is, in a sentence (the bar's tooltip). */
  note?: string;
  start_min: number;
  /** Null while the phase has no recorded end. */
  end_min: number | null;
}

/** The run the report is about. */
export interface RunReport {
  /** Null when the log holds no `run.started` (hand-written hooks, or phases only). */
  run_id: string | null;
  /** Ids of the `run --resume` starts this run includes, oldest first: a resumed run is reported whole. */
  resumed_by: string[];
  /** Its first start (a resumed run's original one). */
  started_at: string | null;
  ended_at: string | null;
  outcome: 'complete' | 'failed' | 'interrupted' | null;
  /**
   * True when the run started and no `run.ended` followed: the orchestrator stopped abruptly (an end
   * inferred for a dead run does not count, though `outcome` then says `interrupted`), or it is still
   * working (`in_progress`).
   */
  unfinished: boolean;
  /** True when the run has no `run.ended` yet and its orchestrator was alive when the report was made. */
  in_progress: boolean;
  /**
   * While the run is in progress: the wall-clock of its parts that ended (`ended_ms`; null when one
   * never recorded its end) and when its part in progress started (`since`), so a live view adds the
   * time since (`wallSoFar`); null otherwise.
   */
  wall_so_far: { ended_ms: number | null; since: string } | null;
  /** Agents at once (`-j`): the widest of its starts when it was resumed. */
  concurrency: number | null;
  feature_ids: string[];
  /** Whether contracts (a plan) informed the report. */
  with_plan: boolean;
}

/** How a row's speedup was obtained: from measured agent time or from estimates. */
export type SpeedupBasis = 'measured' | 'estimate';

/**
 * What the implementation's sequential time was measured by: a real sequential run of the same
 * features (`-j 1`, e.g. `baton demo --compare`), or the agents' own times summed.
 */
export type SequentialBasis = 'sequential-run' | 'agent-time';

/** The headline speedup: the implementation's measured one, with what it stands on. */
export interface Headline {
  /** Sequential ÷ parallel wall-clock of the implementation; null when either was not measured. */
  speedup: number | null;
  basis: SequentialBasis | null;
  /** Features that could run at once (the N the speedup is weighed against). */
  n: number | null;
  /** True when the speedup is above N, which parallelism alone cannot give. */
  superlinear: boolean;
  /** The headline as one sentence, printed the same by every output. */
  text: string;
}
/** One phase of the time-tracking worksheet, in minutes. */
export interface WorksheetRow {
  phase: string;
  /** Only implementation runs in parallel; every other phase happens once, serially. */
  parallel: boolean;
  /** Whether the log holds any record of the phase (a row may come from an estimate alone). */
  recorded: boolean;
  /** From config `estimates` (and, for implementation, the contracts' `estimate_minutes`). */
  sequential_estimate_min: number | null;
  /**
   * Implementation only: a sequential run's wall-clock when one was recorded, else the agents'
   * durations summed, i.e. one agent doing the features in turn.
   */
  sequential_measured_min: number | null;
  /** What `sequential_measured_min` stands on (implementation only). */
  sequential_basis: SequentialBasis | null;
  /** Wall-clock time the phase took (for implementation: the run's). */
  parallel_actual_min: number | null;
  /** Sequential estimate ÷ parallel actual: the method's worksheet; null when not comparable. */
  speedup_estimate: number | null;
  /**
   * Whether the estimate is of the same kind as what was measured (human minutes against seconds
   * of scripted agents are not); null when one of the two is unknown.
   */
  estimate_comparable: boolean | null;
  /** Sequential measured ÷ parallel actual (implementation only). */
  speedup_measured: number | null;
  /** The measured speedup when there is one, else the (comparable) estimate-based one. */
  speedup: number | null;
  speedup_basis: SpeedupBasis | null;
}

/** The worksheet: a row per phase and the total. */
export interface Worksheet {
  rows: WorksheetRow[];
  /**
   * Best-of-N's attempts are work done inside the parallel implementation phase: their agent time is
   * shown here, and the implementation row's sequential time counts each feature's winner only.
   */
  best_of_n: {
    features: number;
    attempts: number;
    /** Agent time of every attempt of those features. */
    agent_min: number | null;
    /** The part of `agent_min` spent by attempts that did not win. */
    extra_agent_min: number | null;
  } | null;
  total: {
    sequential_estimate_min: number | null;
    /** Serial phases as they took, plus the implementation's measured sequential time. */
    sequential_measured_min: number | null;
    parallel_actual_min: number | null;
    speedup_estimate: number | null;
    estimate_comparable: boolean | null;
    speedup_measured: number | null;
    speedup: number | null;
    speedup_basis: SpeedupBasis | null;
    /** Phases never recorded, left out of both sides of the total. */
    excluded: string[];
  };
}

/** Checks counted by outcome. */
export interface CheckCounts {
  passed: number;
  failed: number;
  unverifiable: number;
  total: number;
}

/** One feature of the run. */
export interface FeatureReport {
  feature_id: string;
  title: string | null;
  agent: string | null;
  status: FeatureStatus;
  /** Whether the feature was worked on at all: a launch, an exit, a hook or a status line. */
  launched: boolean;
  /** Agent launches (retries count). */
  attempts: number;
  /** Launches a later launch replaced before any exit was recorded (a retried job whose worker died). */
  superseded_attempts: number;
  /** Launches that ended and were retried (`retries`, `retry.attempts`): how each ended. */
  retried_attempts: Array<{ reason: string; exit_code: number | null }>;
  /** Agent time summed over attempts. */
  duration_min: number | null;
  estimate_min: number | null;
  exit_code: number | null;
  signal: string | null;
  reason: string | null;
  /**
   * Why a `complete` feature's checks vouch for nothing on this machine and what to run
   * (`unverifiedReason`: a criterion has no result, or they passed only on a `baton worker`); null when they do.
   */
  unverified: string | null;
  checks: CheckCounts;
  integration_checks: CheckCounts;
  files_changed: string[];
  /** Changed files that no `owns` glob of the feature's contract covers; null without a contract. */
  outside_owns: string[] | null;
  /**
   * What its agents changed outside their worktrees: main-checkout paths and repository changes
   * (`feature.escaped`), a best-of-N attempt's marked `(attempt n)`. Left as they are for the user.
   */
  escaped: string[];
  conflicts: number;
  cost_usd: number | null;
  input_tokens: number | null;
  output_tokens: number | null;
  turns: number | null;
  permission_denials: number | null;
  /** Minutes from `timeline.origin` to the first launch. */
  start_min: number | null;
  /** Minutes from `timeline.origin` to the end; null when no end was recorded. */
  end_min: number | null;
  /**
   * Best-of-N: every attempt and the decision; null for a plain feature. The row's own numbers
   * (agent time, files, cost, checks) are the winner's, so the speedup and integration see winners only.
   */
  best_of_n: BestOfNReport | null;
}

/** One best-of-N attempt of a feature. */
export interface AttemptReport {
  attempt: number;
  agent: string | null;
  status: string;
  /** The worktree checks' counts when the attempt ended. */
  checks: CheckCounts;
  /** Numeric values its checks measured (p95_ms, ...), by criterion id. */
  measured: Record<string, Record<string, number>>;
  /** Lines added + removed by its commit. */
  lines_changed: number | null;
  /** Files it changed outside the contract's `owns`. */
  outside_owns: number | null;
  cost_usd: number | null;
  /** Its agent's time (its `agent.exited` durations), else the attempt's own duration; 0 when it never started; null when unknown. */
  duration_min: number | null;
  /** Whether it ever began (`attempt.started`); first-passing leaves the attempts after a pass unstarted. */
  started: boolean;
  winner: boolean;
  reason: string | null;
}

/** A best-of-N feature's attempts, the winner and why. */
export interface BestOfNReport {
  select: 'best' | 'first-passing' | null;
  /** Null while no attempt was chosen (the run stopped first), or once a plain rerun took over (`rerun`). */
  winner: number | null;
  /** A plain rerun of the feature (`baton run --resume` after every attempt failed) took over from the attempts. */
  rerun: boolean;
  /** The winner was chosen by hand (`baton pick`). */
  picked: boolean;
  /** Why the winner beat each other attempt, as the log recorded it. */
  reasons: string[];
  /** Attempt numbers, best first. */
  ranking: number[];
  attempts: AttemptReport[];
  /** Cost of the attempts other than the winner: what best-of-N added; null when none reported a cost. */
  extra_cost_usd: number | null;
  /** Agent time of the attempts other than the winner; null when unknown. */
  extra_agent_min: number | null;
}

/** Which contracts own a conflicted file. */
export interface FileOwnership {
  file: string;
  /** Features whose `owns` covers the file; null without contracts. */
  owners: string[] | null;
}

/** Two features that conflicted on some files. */
export interface ConflictPair {
  /** The feature being merged. */
  feature_id: string;
  /** The already-merged feature it collided with; null when the log did not say. */
  with: string | null;
  files: FileOwnership[];
  /** Whether a dependency edge joins the two (they were meant to touch). */
  dependent: boolean | null;
}

/** Merge conflicts against the potential integration points. */
export interface ConflictReport {
  /** Distinct conflicts of the delivered integration attempts (one per pair of features, met again or not; discarded attempts count for nothing). */
  count: number;
  pairs: ConflictPair[];
  files: string[];
  /** N: the run's features, and any other feature its counted conflicts name (merged in the same integration). */
  n: number;
  /** N·(N−1)/2 for those N features. */
  potential_points: number;
  /** Distinct pairs of features that really conflicted. */
  conflicting_pairs: number;
  /** Declared dependency edges among the run's features; null without contracts. */
  declared_points: number | null;
  /** Owned-path overlaps the plan predicted; null without contracts. */
  predicted_overlaps: Array<{ a: string; b: string; pattern: string }> | null;
  /**
   * Conflicts met merging a feature onto an integration that lacked the commit its branch was cut
   * from (a `--base` without it): the commits it lacks came along with the feature. Not in `count`,
   * `pairs`, `files` or a feature's `conflicts`: they say nothing of the boundaries between features.
   */
  base_lacks_cut: { count: number; conflicts: BaseLacksCutConflict[] };
}

/** A conflict from a base lacking the commit the feature's branch was cut from. */
export interface BaseLacksCutConflict {
  feature_id: string;
  /** The commit the feature's branch was cut from, which the integration lacked. */
  cut_commit: string;
  files: string[];
}

/** The healthy band of integration ÷ execution is 15–20 %. */
export type IntegrationVerdict = 'unknown' | 'low' | 'healthy' | 'elevated' | 'high';

/** Integration time against execution time. */
export interface IntegrationReport {
  ran: boolean;
  /** Attempts `baton integrate` began, delivered or discarded. */
  attempts: number;
  /** Attempts discarded (`--fresh`, or `baton clean` removing baton/integration) without having moved a branch: reported, never counted in the integration time. */
  discarded_attempts: number;
  /** The time those discarded attempts took; null when none or not recorded. */
  discarded_min: number | null;
  /** The last delivered attempt's outcome. */
  outcome: IntegrationEnded['outcome'] | null;
  /** The delivered attempts' integration time, summed (the waits between invocations not counted). */
  duration_min: number | null;
  /** The implementation's wall-clock. */
  execution_min: number | null;
  /** Integration ÷ execution. */
  ratio: number | null;
  verdict: IntegrationVerdict;
  /** The verdict in a sentence, weighed against what integration recorded (conflicts, failing tests). */
  verdict_text: string;
  /** Time the post-merge test runs took, summed; null when none ran. */
  tests_min: number | null;
  /**
   * The delivered attempts' merges, one outcome per feature (its last; a later skip leaves a merged
   * feature merged): `clean` merged (a conflict
   * resolved included), `conflict` stopped at a conflict not resolved, `skipped`; `resolved`: of the
   * `clean` ones, those merged after a conflict was resolved (by hand or by an agent).
   */
  merges: { clean: number; conflict: number; skipped: number; resolved: number };
  /** The delivered attempts' post-merge test runs. */
  tests: { passed: number; failed: number };
  /**
   * The last invocation's `--into`, when it named a branch: moved, or left where it was and why (the
   * merged features' criteria failing again on the result, a branch that diverged, …).
   */
  into?: { branch: string; moved: boolean; refused?: string };
  /** Criteria that passed on the features' branches and failed when the last invocation ran them again on the result. */
  promotion_failed: number;
}

/** Amdahl's law applied to this run. */
export interface AmdahlReport {
  /** Features that could run at once: the run's features, capped by its concurrency. */
  n: number | null;
  /** Time of the serial phases (everything but implementation). */
  serial_min: number | null;
  /** Implementation time done one after another (measured, else estimated). */
  parallelisable_min: number | null;
  serial_fraction: number | null;
  /** 1 ÷ (s + (1−s)/N): the best speedup this N allows with this serial fraction. */
  bound: number | null;
  /** (serial + parallelisable) ÷ the total wall-clock: the speedup on the same terms as the bound. */
  achieved: number | null;
  implementation_speedup: number | null;
}

/** A chain of dependent features and its length. */
export interface CriticalPath {
  feature_ids: string[];
  minutes: number;
  /**
   * Measured paths only: the wall-clock the chain's agents covered (each agent's recorded time, back
   * from its exit), overlaps counted once, so neither checks nor the pause before a `run --resume`
   * count. Below `minutes` when dependents ran alongside their dependencies (contract-first, see
   * `chainOverlapped`); null if unknown.
   */
  wall_min?: number | null;
}

/** The run's dependency graph, in waves. */
export interface GraphReport {
  waves: string[][];
  edges: Array<{ from: string; to: string }>;
  critical: string[];
}

/** Cost and tokens over the features that reported them. */
export interface UsageTotals {
  /** Everything the agents reported spending: the features', best-of-N's extra attempts included. */
  cost_usd: number | null;
  /** The part of `cost_usd` spent on best-of-N attempts that did not win; null without best-of-N costs. */
  best_of_n_extra_cost_usd: number | null;
  input_tokens: number | null;
  output_tokens: number | null;
}
