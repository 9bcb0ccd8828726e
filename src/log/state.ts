/** The folded state of the log: what `status`, the dashboard and the report read (types only). */

import type { AgentUsage, CheckMeasurement, FeatureStatus, IntegrationEnded } from './events.js';

/** The latest outcome of one acceptance criterion. */
export interface CheckResult {
  criterion_id: string;
  text: string;
  kind: 'run' | 'http' | 'files' | 'unverifiable';
  on: 'worktree' | 'integration';
  outcome: 'passed' | 'failed' | 'unverifiable';
  message: string;
  measured?: CheckMeasurement | undefined;
  ts: string;
  /** Set when a `baton worker` ran the check and reported it (the event's `by`): its word, not checked here. */
  by?: 'worker' | undefined;
  /** On a worktree: the commit the check ran on (its event's `commit`); absent in logs older than that field. */
  commit?: string | undefined;
  /** The digest of the criterion's definition it ran (`criterionDigest`); absent in logs older than that field. */
  digest?: string | undefined;
}

/** One best-of-N attempt of a feature, from its `attempt.*` events. */
export interface AttemptState {
  attempt: number;
  status: AttemptStatus;
  /** The run that started it last: its agent log lies under that run's folder. */
  run_id?: string | undefined;
  agent?: string | undefined;
  branch?: string | undefined;
  worktree?: string | undefined;
  port?: number | undefined;
  started_at?: string | undefined;
  ended_at?: string | undefined;
  duration_ms?: number | undefined;
  reason?: string | undefined;
  commit?: string | undefined;
  files: string[];
  checks?: { passed: number; failed: number; unverifiable: number; total: number } | undefined;
  /**
   * What the log's own worktree checks of this attempt (its unit's `check.*` events) say of `commit`
   * when it ended: undefined when none ran on that commit. `checks` is what `attempt.ended` claims, a
   * line any process can append; this is what proves it (`unprovenClaim`, src/attempts/proof.ts).
   */
  checked?: { passed: number; failed: number; unverifiable: number; total: number } | undefined;
  /** Numeric values the checks measured, by criterion id. */
  measured: Record<string, Record<string, number>>;
  lines_changed?: number | undefined;
  outside_owns?: number | undefined;
  cost_usd?: number | undefined;
}

/** An attempt's status: a feature's, or `stopped` when another attempt passed first. */
export type AttemptStatus = FeatureStatus | 'stopped';

/** Which attempt `baton/<feature_id>` holds, and why. */
export interface AttemptWinner {
  attempt: number;
  select: 'best' | 'first-passing';
  reasons: string[];
  /** Attempt numbers, best first. */
  ranking: number[];
  /** Set when `baton pick` chose it rather than the rule. */
  picked?: true | undefined;
}

/** Everything known about one feature, derived from the log. */
export interface FeatureState {
  feature_id: string;
  status: FeatureStatus;
  run_id?: string | undefined;
  agent?: string | undefined;
  branch?: string | undefined;
  /** The commit its branch was cut from, as its last `feature.started` recorded it. */
  base_commit?: string | undefined;
  worktree?: string | undefined;
  log_file?: string | undefined;
  port?: number | undefined;
  pid?: number | undefined;
  pgid?: number | undefined;
  attempt?: number | undefined;
  /** In a run with tmux windows, whether its agent has one (its `feature.started`); false: it runs headless. */
  interactive?: boolean | undefined;
  started_at?: string | undefined;
  ended_at?: string | undefined;
  /** The agent time of the run: its launches' `agent.exited` durations summed (`exits_ms`), as the report sums them. */
  duration_ms?: number | undefined;
  /** When the run first launched its agent (its `started_at` is the last launch's): where its agent time can start. */
  launched_at?: string | undefined;
  /** The durations of the run's `agent.exited` events so far, summed (a retry, a `run --resume`). */
  exits_ms?: number | undefined;
  exit_code?: number | null | undefined;
  signal?: string | null | undefined;
  /** Set when the last `agent.exited` says the agent was stopped before it ended on its own. */
  agent_interrupted?: true | undefined;
  /**
   * Set when a later run took the feature's worktree up again for a new agent session (a
   * `worktree.created` that does not carry on with that exit): the last `agent.exited` no longer says
   * what the branch holds, so a resume never re-checks it in place of running the agent.
   */
  agent_superseded?: true | undefined;
  /**
   * The commit the feature's status describes: the run's commit after the agent, the winner's with
   * best-of-N, or the commit a later `baton verify` checked.
   */
  commit?: string | undefined;
  /** Set when the latest worktree checks ran on tracked changes not committed: they checked no commit. */
  checked_dirty?: true | undefined;
  files: string[];
  usage?: AgentUsage | undefined;
  reason?: string | undefined;
  /** Its end was inferred at read time (its run's orchestrator looked gone): a real `feature.ended` replaces it. */
  end_inferred?: true | undefined;
  escaped: string[];
  /** Collisions the radar reports open, by collision id. */
  collisions: Record<string, OpenCollision>;
  checks: Record<string, CheckResult>;
  integration_checks: Record<string, CheckResult>;
  hooks: number;
  /**
   * Where the last fresh `run.started` listing the feature started it over: the fold's `events` count
   * at that line. A line stamped with a run that started before it is an earlier run's (`earlierRunsLine`).
   */
  started_over_at?: number | undefined;
  /**
   * Baton's runner's hold on the feature (`runner-hold.ts`): `{}` from a run's `feature.started` to its
   * `feature.ended`, then `{ ended }` with the status it ended with; unset while no run has taken it
   * (a log of hooks alone), and cleared by a fresh run.
   */
  runner?: { ended?: FeatureStatus | undefined } | undefined;
  /** With `baton run --queue`: the job's queue state, the worker host and the attempt. */
  queue?: {
    job_id: string;
    state: string;
    host?: string;
    /** The worker's id (`baton worker --name`) as its claim or result named it. */
    worker?: string;
    attempt?: number;
    attempt_ref?: string;
  };
  last_event?: { type: string; ts?: string; detail?: string } | undefined;
  /** Best-of-N: the feature's attempts, by attempt number. */
  attempts?: Record<string, AttemptState> | undefined;
  /** Best-of-N: how many attempts the feature's last run planned (its `run.started`). */
  planned_attempts?: number | undefined;
  /** Best-of-N: how the feature's last run picks its winner (its `run.started`; unset in older logs). */
  planned_select?: 'best' | 'first-passing' | undefined;
  /** Best-of-N: the attempt on the feature's branch. */
  winner?: AttemptWinner | undefined;
  /**
   * Best-of-N: a plain run of the feature took over from its attempts (`run --resume` reruns a feature
   * whose attempts all failed on `baton/<id>`): no attempt is on the branch, and none is left to select.
   */
  attempts_superseded?: true | undefined;
}

/** A collision the radar saw and has not seen resolved, from one feature's side. */
export interface OpenCollision {
  with: string;
  kind: 'overlap' | 'conflict' | 'owned';
  paths: string[];
  /** When it was first reported. */
  since: string;
  /** Whether this feature touched the paths last. */
  second: boolean;
}

/** One merge during integration. */
export interface MergeRecord {
  feature_id: string;
  outcome: 'clean' | 'conflict' | 'skipped';
  files: string[];
  with: string[];
  reason?: string | undefined;
  duration_ms?: number | undefined;
  commit?: string | undefined;
  /** For a clean merge that conflicted first: who resolved it (`merge.clean`'s `resolved`). */
  resolved?: 'by-hand' | 'by-agent' | undefined;
  /** For a conflict: the commit the feature was cut from, which the integration lacked (`merge.conflict`'s `base_lacks_cut`). */
  base_lacks_cut?: string | undefined;
  ts: string;
}

/** A named phase with its start and end. */
export interface PhaseRecord {
  name: string;
  started_at?: string | undefined;
  ended_at?: string | undefined;
}

/** The queue a run's features went to as jobs (`run --queue`): URL (password redacted) and git hub. */
export interface RunQueue {
  url: string;
  hub: string;
}

/** A run that started and has not ended. */
export interface OpenRun {
  run_id: string;
  pid: number;
  started_at: string;
  /** Set when the run's features are queued jobs: a resume of it must re-attach to them. */
  queue?: RunQueue | undefined;
}

/** The state of the project's orchestration, folded from the log. */
export interface BatonState {
  run_id?: string | undefined;
  run_started_at?: string | undefined;
  run_ended_at?: string | undefined;
  run_outcome?: 'complete' | 'failed' | 'interrupted' | undefined;
  run_duration_ms?: number | undefined;
  /** The run's end was inferred at read time (`interruptionEvents`): the run's own `run.ended` replaces it. */
  run_end_inferred?: true | undefined;
  run_feature_ids: string[];
  concurrency?: number | undefined;
  /** Set when the run's `concurrency` was chosen (`chosenConcurrency`), not its unit count: a resume keeps it. */
  concurrency_chosen?: true | undefined;
  base?: string | undefined;
  base_commit?: string | undefined;
  mode?: 'contract-first' | 'wait-for-deps' | undefined;
  orchestrator_pid?: number | undefined;
  /** The last run's queue when its features were jobs on one (`run --queue`). */
  run_queue?: RunQueue | undefined;
  /** Set when the last run had tmux windows (`run.started`'s `interactive`): its resume re-attaches to them. */
  run_interactive?: true | undefined;
  /**
   * Where each run id's latest `run.started` is: the fold's `events` count at that line. What tells an
   * earlier run's late line from the current run's (`earlierRunsLine`).
   */
  run_starts?: Record<string, number> | undefined;
  /** Runs that started and have not ended (normally at most one): their orchestrator pid and start, and queue if queued. */
  open_runs?: OpenRun[] | undefined;
  features: Record<string, FeatureState>;
  /** Main-checkout paths and repository changes no single feature's agents explain (several ran, or none): never filed under a feature. */
  escaped_unknown?: string[] | undefined;
  /** Best-of-N attempts as units of work (`<feature_id>.a<n>`): their agents', checks' and hooks' events. */
  attempt_units?: Record<string, FeatureState> | undefined;
  phases: PhaseRecord[];
  integration: {
    started_at?: string | undefined;
    ended_at?: string | undefined;
    outcome?: IntegrationEnded['outcome'] | undefined;
    duration_ms?: number | undefined;
    branch?: string | undefined;
    worktree?: string | undefined;
    order: string[];
    merges: MergeRecord[];
    tests: Array<{
      after_feature: string;
      passed: boolean;
      exit_code: number | null;
      ts: string;
      /** What the test command left that it must not (changes, a moved branch), when it did. */
      left?: string | undefined;
    }>;
    commit?: string | undefined;
    into?: string | undefined;
    /** The test command it began with (`integration.started`'s): a record, never run from the log. */
    test?: string | undefined;
    /** Its `--test-timeout` in seconds when not the default: its start's, or a later end's. */
    test_timeout_s?: number | undefined;
    /** The branch its latest `--into` asked to move: its start's, or a later end's `into_asked`. */
    asked_into?: string | undefined;
    /**
     * What else it began with that the commands going on or starting over name again (its start's, a
     * record like `test`): `--on-conflict`, `--include`'s statuses, the features named and `--base` as given.
     */
    on_conflict?: string | undefined;
    include?: FeatureStatus[] | undefined;
    named?: string[] | undefined;
    base_ref?: string | undefined;
    /** It went on (began, merged, tested) after its last recorded end, or never recorded one. */
    open?: boolean | undefined;
  };
  events: number;
}
