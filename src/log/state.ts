/** The folded state of the log: what `status`, the dashboard and the report read (types only). */

import type { AgentUsage, CheckMeasurement, FeatureStatus } from './events.js';

/** The latest outcome of one acceptance criterion. */
export interface CheckResult {
  criterion_id: string;
  text: string;
  kind: 'run' | 'http' | 'files' | 'unverifiable';
  on: 'worktree' | 'integration';
  outcome: 'passed' | 'failed' | 'unverifiable';
  message: string;
  measured?: CheckMeasurement;
  ts: string;
}

/** Everything known about one feature, derived from the log. */
export interface FeatureState {
  feature_id: string;
  status: FeatureStatus;
  run_id?: string;
  agent?: string;
  branch?: string;
  worktree?: string;
  log_file?: string;
  port?: number;
  pid?: number;
  pgid?: number;
  attempt?: number;
  started_at?: string;
  ended_at?: string;
  duration_ms?: number;
  exit_code?: number | null;
  signal?: string | null;
  commit?: string;
  files: string[];
  usage?: AgentUsage;
  reason?: string;
  escaped: string[];
  /** Collisions the radar reports open, by collision id. */
  collisions: Record<string, OpenCollision>;
  checks: Record<string, CheckResult>;
  integration_checks: Record<string, CheckResult>;
  hooks: number;
  /** With `baton run --queue`: the job's queue state, the worker host and the attempt. */
  queue?: { job_id: string; state: string; host?: string; attempt?: number; attempt_ref?: string };
  last_event?: { type: string; ts?: string; detail?: string };
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
  reason?: string;
  duration_ms?: number;
  commit?: string;
  ts: string;
}

/** A named phase with its start and end. */
export interface PhaseRecord {
  name: string;
  started_at?: string;
  ended_at?: string;
}

/** The state of the project's orchestration, folded from the log. */
export interface BatonState {
  run_id?: string;
  run_started_at?: string;
  run_ended_at?: string;
  run_outcome?: 'complete' | 'failed' | 'interrupted';
  run_duration_ms?: number;
  run_feature_ids: string[];
  concurrency?: number;
  base?: string;
  base_commit?: string;
  mode?: 'contract-first' | 'wait-for-deps';
  orchestrator_pid?: number;
  /** Runs that started and have not ended (normally at most one): their orchestrator pid and start. */
  open_runs?: Array<{ run_id: string; pid: number; started_at: string }>;
  features: Record<string, FeatureState>;
  phases: PhaseRecord[];
  integration: {
    started_at?: string;
    ended_at?: string;
    outcome?: 'clean' | 'conflict' | 'tests-failed' | 'checks-failed' | 'partial';
    duration_ms?: number;
    branch?: string;
    worktree?: string;
    order: string[];
    merges: MergeRecord[];
    tests: Array<{ after_feature: string; passed: boolean; exit_code: number | null; ts: string }>;
    commit?: string;
    into?: string;
  };
  events: number;
}
