/**
 * The one event union. Every line of `.baton/log.jsonl` is one of these (or a plain
 * `{feature_id, status}` line written by a hand-made hook). The fold, the terminal renderer,
 * the report and the dashboard all switch over `type`.
 */

/** Every status a feature can be in; derived by folding events. */
export const FEATURE_STATUSES = [
  'pending',
  'running',
  'needs-input',
  'verifying',
  'complete',
  'empty',
  'failed',
  'failed-checks',
  'timeout',
  'interrupted',
] as const;
/** A feature's status. */
export type FeatureStatus = (typeof FEATURE_STATUSES)[number];

/** Statuses after which nothing more happens to a feature in this run. */
export const TERMINAL_STATUSES: ReadonlySet<FeatureStatus> = new Set([
  'complete',
  'empty',
  'failed',
  'failed-checks',
  'timeout',
  'interrupted',
]);

/** Fields Baton writes on every event of its own. */
export interface EventBase {
  /** Schema version. */
  v: 1;
  /** ISO-8601 time the event was written. */
  ts: string;
  run_id?: string;
}

/** Usage an agent reported, when it reports any. */
export interface AgentUsage {
  cost_usd?: number;
  input_tokens?: number;
  output_tokens?: number;
  turns?: number;
  /** Tool calls the agent was refused (Claude Code's `permission_denials`). */
  permission_denials?: Array<{ tool: string; detail?: string }>;
}

/** A run began: which features, how many at once, from which base. */
export interface RunStarted extends EventBase {
  type: 'run.started';
  run_id: string;
  feature_ids: string[];
  concurrency: number;
  base: string;
  base_commit: string;
  mode: 'contract-first' | 'wait-for-deps';
  pid: number;
  resume?: boolean;
  /** Agent process groups of a dead orchestrator that this resumed run stopped first. */
  stopped_orphans?: Array<{ feature_id: string; pgid: number }>;
}
/** A run ended: its outcome and wall-clock duration. */
export interface RunEnded extends EventBase {
  type: 'run.ended';
  run_id: string;
  outcome: 'complete' | 'failed' | 'interrupted';
  duration_ms: number;
}
/** A named phase (specification, planning, implementation, integration…) began. */
export interface PhaseStarted extends EventBase {
  type: 'phase.started';
  phase: string;
}
/** A named phase ended. */
export interface PhaseEnded extends EventBase {
  type: 'phase.ended';
  phase: string;
}
/** A feature's worktree was created (or reused) on its branch. */
export interface WorktreeCreated extends EventBase {
  type: 'worktree.created';
  feature_id: string;
  path: string;
  branch: string;
  base_commit: string;
  reused: boolean;
}
/** A feature's agent was launched. */
export interface FeatureStarted extends EventBase {
  type: 'feature.started';
  feature_id: string;
  status: 'running';
  agent: string;
  branch: string;
  worktree: string;
  log_file: string;
  port: number;
  pid?: number;
  /** Process group of the agent, so an orphan can be found after a crash. */
  pgid?: number;
  attempt?: number;
}
/** An agent process exited; what it changed is recorded here. */
export interface AgentExited extends EventBase {
  type: 'agent.exited';
  feature_id: string;
  exit_code: number | null;
  signal: string | null;
  duration_ms: number;
  commit?: string;
  files: string[];
  timed_out?: boolean;
  usage?: AgentUsage;
  /** Why the exit is a failure, in words (e.g. "killed (SIGKILL, exit 137)"). */
  reason?: string;
}
/** An agent's own hook (or a hand-written completion hook) reported in. */
export interface HookEvent extends EventBase {
  type: 'hook';
  feature_id: string;
  /** The hook's name: `stop`, `notification`, `session-end`, `agent-turn-complete`… */
  event: string;
  status?: FeatureStatus;
  /** A short, secret-free summary of the hook's payload. */
  detail?: string;
  session_id?: string;
}
/** The feature's outcome for this run: the one completion event per feature. */
export interface FeatureEnded extends EventBase {
  type: 'feature.ended';
  feature_id: string;
  status: Exclude<FeatureStatus, 'pending' | 'running' | 'needs-input' | 'verifying'>;
  reason?: string;
}
/** An agent wrote into the main checkout instead of its worktree. */
export interface FeatureEscaped extends EventBase {
  type: 'feature.escaped';
  feature_id: string;
  files: string[];
}
/** What a check measured (latency percentiles, exit code, output tail, offending files). */
export interface CheckMeasurement {
  exit_code?: number | null;
  output_tail?: string;
  p50_ms?: number;
  p95_ms?: number;
  p99_ms?: number;
  error_rate?: number;
  requests?: number;
  files?: string[];
  duration_ms?: number;
}
/** Fields shared by the three check outcomes. */
interface CheckBase extends EventBase {
  feature_id: string;
  criterion_id: string;
  text: string;
  kind: 'run' | 'http' | 'files' | 'unverifiable';
  on: 'worktree' | 'integration';
  message: string;
  measured?: CheckMeasurement;
}
/** An acceptance criterion held. */
export interface CheckPassed extends CheckBase {
  type: 'check.passed';
}
/** An acceptance criterion did not hold. */
export interface CheckFailed extends CheckBase {
  type: 'check.failed';
}
/** An acceptance criterion has nothing to run; never counted as passed. */
export interface CheckUnverifiable extends CheckBase {
  type: 'check.unverifiable';
}
/** Integration began on its own branch and worktree. */
export interface IntegrationStarted extends EventBase {
  type: 'integration.started';
  branch: string;
  worktree: string;
  order: string[];
  /** The commit the integration branch starts from. */
  base_commit?: string;
  /** The test command run after each merge, so `--continue` runs the same one. */
  test?: string;
  /** What to do on a conflict: `stop`, `skip` or `agent`. */
  on_conflict?: string;
}
/** A feature branch merged without conflict. */
export interface MergeClean extends EventBase {
  type: 'merge.clean';
  feature_id: string;
  commit: string;
  duration_ms: number;
}
/** A feature branch conflicted with what was already merged. */
export interface MergeConflict extends EventBase {
  type: 'merge.conflict';
  feature_id: string;
  files: string[];
  /** The already-merged features that also changed those files. */
  with: string[];
  duration_ms: number;
}
/** A feature was left out of the integration (conflict skipped, or a dependency skipped). */
export interface MergeSkipped extends EventBase {
  type: 'merge.skipped';
  feature_id: string;
  reason: string;
}
/** The test command ran after a merge. */
export interface IntegrationTested extends EventBase {
  type: 'integration.tested';
  after_feature: string;
  passed: boolean;
  exit_code: number | null;
  output_tail?: string;
  duration_ms: number;
}
/** Integration finished (or stopped). */
export interface IntegrationEnded extends EventBase {
  type: 'integration.ended';
  outcome: 'clean' | 'conflict' | 'tests-failed' | 'checks-failed' | 'partial';
  duration_ms: number;
  commit?: string;
  /** Branch fast-forwarded to the result, with `--into`. */
  into?: string;
}

// ── Integration takes only what passed (issue 14): new optional fields and one new type. ──

/** A feature the integration left out because its folded status was not `complete`. */
export interface IntegrationExclusion {
  feature_id: string;
  status: FeatureStatus;
  reason: string;
}
/** Integration began: also which non-`complete` statuses `--include` opted in, and which features that let in. */
export interface IntegrationStarted {
  /** Statuses opted in with `--include` (besides `complete`). */
  include?: FeatureStatus[];
  /** Features merged although their status is not `complete`, because `--include` named it. */
  included?: Array<{ feature_id: string; status: FeatureStatus }>;
  /** Features not merged because their status is not `complete`. */
  excluded?: IntegrationExclusion[];
}
/** A feature left out: also why, as a kind, and the feature's status when that was the reason. */
export interface MergeSkipped {
  kind?: 'not-run' | 'excluded' | 'conflict' | 'dependency' | 'nothing-to-merge';
  /** The feature's folded status, for `kind: excluded`. */
  status?: FeatureStatus;
}
/** Integration ended: also why `--into` did not move the branch. */
export interface IntegrationEnded {
  /** Why `--into` left the branch where it was. */
  into_refused?: string;
}
/** `--fresh` discarded the previous integration attempt: its merges and its time no longer count. */
export interface IntegrationDiscarded extends EventBase {
  type: 'integration.discarded';
  branch: string;
  /** `ts` of the discarded attempt's `integration.started`. */
  started_at?: string;
  /** The discarded result's tip. */
  commit?: string;
  /** The ref that keeps the discarded result. */
  backup?: string;
}

/** Every event Baton writes. */
export type BatonEvent =
  | RunStarted
  | RunEnded
  | PhaseStarted
  | PhaseEnded
  | WorktreeCreated
  | FeatureStarted
  | AgentExited
  | HookEvent
  | FeatureEnded
  | FeatureEscaped
  | CheckPassed
  | CheckFailed
  | CheckUnverifiable
  | IntegrationStarted
  | MergeClean
  | MergeConflict
  | MergeSkipped
  | IntegrationTested
  | IntegrationEnded
  | IntegrationDiscarded;

/** A discriminant of the union. */
export type BatonEventType = BatonEvent['type'];

/** A line from a hand-written hook: only `feature_id` and `status` are required. */
export interface PlainEvent {
  type?: undefined;
  feature_id: string;
  status: string;
  ts?: string;
  [key: string]: unknown;
}

/** Anything the reader accepts from the log. */
export type LogEvent = BatonEvent | PlainEvent;

/** Distributes Omit over a union, so each member keeps its own fields. */
export type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** An event before `v` and `ts` are stamped on it. */
export type NewEvent = DistributiveOmit<BatonEvent, 'v' | 'ts'>;
