/**
 * The one event union. Long because it is one table, each event declared once (the integration's,
 * setup's and retry's events and the shared fields already live in their own files). Every line of `.baton/log.jsonl`
 * is one of these (or a plain `{feature_id, status}` line written by a hand-made hook). Each event is declared once, as a zod
 * schema: its TypeScript type is inferred from it and the log reader checks each line against it,
 * so the type the fold trusts and the shape the reader accepts cannot drift apart.
 *
 * The integration's events are declared in `integration-events.ts` and spread into the table in their
 * place; the fields and field schemas events share, and the table's build-on-use helper, are in
 * `event-fields.ts`. What is left is one table, whose order is the event order and whose entries the
 * union, the type list and every exhaustive switch are derived from.
 */
import { z } from '../zod.js';

import {
  AgentUsageSchema,
  ATTEMPT_END_STATUSES,
  AttemptChecksSchema,
  attemptNumber,
  base,
  builtOnUse,
  checkFields,
  costUsd,
  id,
  recordedConcurrency,
  strings,
} from './event-fields.js';
import { INTEGRATION_EVENT_MAKERS } from './integration-events.js';
import { RETRY_EVENT_MAKERS } from './retry-events.js';
import { SETUP_EVENT_MAKERS } from './setup-events.js';
import { END_STATUSES, FEATURE_STATUSES } from './statuses.js';

// The shared field schemas live in event-fields.ts; their types are part of this module's surface.
export {
  type AgentUsage,
  AgentUsageSchema,
  ATTEMPT_END_STATUSES,
  AttemptChecksSchema,
  type AttemptEndStatus,
  CHECK_KINDS,
  type CheckMeasurement,
  CheckMeasurementSchema,
} from './event-fields.js';

// The statuses are plain constants in statuses.ts (no zod there, for the fold and a warm status).
export { END_STATUSES, FEATURE_STATUSES, type FeatureStatus, TERMINAL_STATUSES } from './statuses.js';

/** Every event type's schema, keyed by its `type`; the union below is built from these. */
export const EVENT_SCHEMAS = builtOnUse({
  /** A run began: which features, how many at once, from which base. */
  'run.started': () =>
    z.object({
      ...base,
      type: z.literal('run.started'),
      run_id: z.string(),
      feature_ids: strings,
      concurrency: recordedConcurrency,
      /** Whether `concurrency` was chosen (`-j`, the config, a resume's carried over) or is the unit count (`chosenConcurrency`). */
      concurrency_chosen: z.optional(z.boolean()),
      base: z.string(),
      base_commit: z.string(),
      mode: z.enum(['contract-first', 'wait-for-deps']),
      pid: z.number(),
      resume: z.optional(z.boolean()),
      /** On a resume: the features complete in an earlier run, kept as they are (not run again). */
      kept: z.optional(strings),
      /** Agent process groups of a dead orchestrator that this resumed run stopped first. */
      stopped_orphans: z.optional(z.array(z.object({ feature_id: z.string(), pgid: z.number() }))),
      /** Process groups the log named but Baton could not prove were that run's: left alone, with why. */
      refused_orphans: z.optional(
        z.array(z.object({ feature_id: z.string(), pgid: z.number(), reason: z.string() })),
      ),
      /** Interactive agents of the dead orchestrator, still in their tmux windows, that this resumed run follows. */
      adopted_windows: z.optional(z.array(z.object({ feature_id: z.string(), pgid: z.number() }))),
      /** Best-of-N features of the run and how many attempts each: what a resume of it runs again. */
      attempts: z.optional(z.record(z.string(), attemptNumber)),
      /** Best-of-N features of the run and how each picks its winner: a resume of it keeps that rule. */
      select: z.optional(z.record(z.string(), z.enum(['best', 'first-passing']))),
      /** Set when a feature of the run runs in a tmux window (`--interactive`, the config or its contract). */
      interactive: z.optional(z.literal(true)),
      /** An interactive run's private tmux server (`BATON_TMUX_SOCKET`, `tmux -L`); absent: the default one. */
      tmux_socket: z.optional(z.string()),
      /** Set when the run's features are jobs on a queue (`run --queue`): its URL (password redacted) and git hub, which a resume of it needs. */
      queue: z.optional(z.object({ url: z.string(), hub: z.string() })),
    }),
  /** A run ended: its outcome and wall-clock duration. */
  'run.ended': () =>
    z.object({
      ...base,
      type: z.literal('run.ended'),
      run_id: z.string(),
      outcome: z.enum(['complete', 'failed', 'interrupted']),
      duration_ms: z.number(),
      /** Set by a queued run's `--resume`, which goes on under the run's id: `duration_ms` counts from the resume. */
      resumed: z.optional(z.literal(true)),
      /** Written at read time for a run whose orchestrator died (never appended to the log). */
      inferred: z.optional(z.literal(true)),
    }),
  /** A named phase (specification, planning, implementation, integration…) began. */
  'phase.started': () => z.object({ ...base, type: z.literal('phase.started'), phase: z.string() }),
  /** A named phase ended. */
  'phase.ended': () => z.object({ ...base, type: z.literal('phase.ended'), phase: z.string() }),
  /** A feature's worktree was created (or reused) on its branch. */
  'worktree.created': () =>
    z.object({
      ...base,
      type: z.literal('worktree.created'),
      feature_id: id,
      path: z.string(),
      branch: z.string(),
      base_commit: z.string(),
      reused: z.boolean(),
      /** On `--resume`: the worktree's folder was gone (removed by hand or by an agent) and was made again on its branch. */
      readded: z.optional(z.literal(true)),
      /** On `--resume`: commits the dead run's agent left on the branch, and whether `--restart` dropped them. */
      kept_commits: z.optional(z.number()),
      restarted: z.optional(z.literal(true)),
      /** With `restarted`: the commits dropped from the branch, and the ref that keeps its old tip. */
      dropped_commits: z.optional(z.array(z.string())),
      backup: z.optional(z.string()),
      /** On `--resume`: the dead run had not finished the worktree's checkout (no agent ran in it); done now. */
      checked_out_again: z.optional(z.literal(true)),
      /** On `--resume`: a stale `index.lock` a killed git left in the worktree, used by no live process, was removed. */
      index_lock_removed: z.optional(z.literal(true)),
      /** On `--resume`: the commit of an agent that had finished, still the branch's tip: only its checks run again. */
      agent_finished: z.optional(z.string()),
    }),
  ...SETUP_EVENT_MAKERS,
  /** A feature's agent was launched. */
  'feature.started': () =>
    z.object({
      ...base,
      type: z.literal('feature.started'),
      feature_id: id,
      status: z.literal('running'),
      agent: z.string(),
      branch: z.string(),
      worktree: z.string(),
      log_file: z.string(),
      port: z.number(),
      pid: z.optional(z.number()),
      /** Process group of the agent, so an orphan can be found after a crash. */
      pgid: z.optional(z.number()),
      attempt: z.optional(z.number()),
      /** The commit the feature's branch was cut from (the run's base, or a resumed branch's own). */
      base_commit: z.optional(z.string()),
      /**
       * In a run with tmux windows (`run.started`'s `interactive`): whether this agent has one; false for
       * one that runs headless there (its contract did not ask for a window). Absent in a headless run.
       */
      interactive: z.optional(z.boolean()),
    }),
  /** An agent process exited; what it changed is recorded here. */
  'agent.exited': () =>
    z.object({
      ...base,
      type: z.literal('agent.exited'),
      feature_id: id,
      exit_code: z.nullable(z.number()),
      signal: z.nullable(z.string()),
      duration_ms: z.number(),
      commit: z.optional(z.string()),
      files: strings,
      timed_out: z.optional(z.boolean()),
      /** The agent was stopped (Ctrl-C, `baton stop`) before it ended on its own: Baton committed none of its work. */
      interrupted: z.optional(z.literal(true)),
      /** An interrupted agent's changed paths left uncommitted in its worktree (kept there, not on the branch). */
      uncommitted: z.optional(z.number()),
      usage: z.optional(AgentUsageSchema),
      /** Why the exit is a failure, in words (e.g. "killed (SIGKILL, exit 137)"). */
      reason: z.optional(z.string()),
      /** Processes the agent left running outside its group (daemons), stopped by Baton. */
      stopped_daemons: z.optional(z.array(z.object({ pid: z.number(), command: z.string() }))),
    }),
  ...RETRY_EVENT_MAKERS,
  /** An agent's own hook (or a hand-written completion hook) reported in. */
  hook: () =>
    z.object({
      ...base,
      type: z.literal('hook'),
      feature_id: id,
      /** The hook's name: `stop`, `notification`, `session-end`, `agent-turn-complete`… */
      event: z.string(),
      status: z.optional(z.enum(FEATURE_STATUSES)),
      /** A short, secret-free summary of the hook's payload. */
      detail: z.optional(z.string()),
      session_id: z.optional(z.string()),
      /** Set when the payload on stdin was not read: over 8 MiB (`too-large`), or still arriving after 5 s (`timeout`). */
      payload_dropped: z.optional(z.enum(['too-large', 'timeout'])),
    }),
  /** The feature's outcome for this run: the one completion event per feature. */
  'feature.ended': () =>
    z.object({
      ...base,
      type: z.literal('feature.ended'),
      feature_id: id,
      status: z.enum(END_STATUSES),
      reason: z.optional(z.string()),
      /** Written at read time for a run whose orchestrator died (never appended to the log). */
      inferred: z.optional(z.literal(true)),
    }),
  /** The main checkout or the repository changed while the feature's agent ran, outside its worktree. */
  'feature.escaped': () =>
    z.object({
      ...base,
      type: z.literal('feature.escaped'),
      feature_id: id,
      files: strings,
      /** `repository`: the shared git config or a ref outside the feature's own branch changed. */
      kind: z.optional(z.enum(['checkout', 'repository'])),
      /**
       * How the feature was named: `owns`, the path lies in what it owns (of the agents running);
       * `run-window`, its agent was the only one running; `unknown`, neither tells.
       */
      attribution: z.optional(z.enum(['owns', 'run-window', 'unknown'])),
    }),
  /** An acceptance criterion held. */
  'check.passed': () => z.object({ ...checkFields, type: z.literal('check.passed') }),
  /** An acceptance criterion did not hold. */
  'check.failed': () => z.object({ ...checkFields, type: z.literal('check.failed') }),
  /** An acceptance criterion has nothing to run; never counted as passed. */
  'check.unverifiable': () => z.object({ ...checkFields, type: z.literal('check.unverifiable') }),
  // The integration's events (integration.started … integration.discarded), in their own file.
  ...INTEGRATION_EVENT_MAKERS,
  /** The radar saw two running features' work collide: a path both touched, or a path one owns that the other touched. */
  'collision.detected': () =>
    z.object({
      ...base,
      type: z.literal('collision.detected'),
      /** Stable id of the pair (`a+b`); a later detection with the same id updates it. */
      collision_id: z.string(),
      features: strings,
      /** `overlap`: their versions merge; `conflict`: they do not; `owned`: one touched the other's owned path. */
      kind: z.enum(['overlap', 'conflict', 'owned']),
      paths: strings,
      /** The feature that touched the paths last (the one `--on-collision stop-later` stops). */
      second: z.string(),
    }),
  /** Where a feature stands in the distributed queue (`baton run --queue`): the BullMQ job's state, worker host and attempt. */
  'queue.job': () =>
    z.object({
      ...base,
      type: z.literal('queue.job'),
      feature_id: id,
      job_id: z.string(),
      state: z.enum(['waiting', 'active', 'stalled', 'completed', 'failed']),
      host: z.optional(z.string()),
      worker: z.optional(z.string()),
      attempt: z.optional(z.number()),
      /** The attempt ref promoted to `baton/<feature_id>`, on `completed`. */
      attempt_ref: z.optional(z.string()),
      commit: z.optional(z.string()),
      reason: z.optional(z.string()),
      /** On `failed`: the job was no longer on the queue (Redis lost it); a resume enqueues it again. */
      lost: z.optional(z.literal(true)),
      /** On `failed`: the job completed but the hub never gave its attempt; a resume tries the promotion again. */
      unpromoted: z.optional(z.literal(true)),
    }),
  /** The conductor stepped into an interactive agent's session (`baton send`, `baton attach`, `baton stop`). */
  'user.intervention': () =>
    z.object({
      ...base,
      type: z.literal('user.intervention'),
      feature_id: id,
      /** How: `send` typed text into the agent's window, `attach` opened the window, `stop` ended the agent (`baton stop`). */
      action: z.enum(['send', 'attach', 'stop']),
      /** What was typed (first 200 characters, one line), for `send`. */
      text: z.optional(z.string()),
    }),
  /** A best-of-N attempt of a feature began: its own worktree, branch, port block and agent. */
  'attempt.started': () =>
    z.object({
      ...base,
      type: z.literal('attempt.started'),
      feature_id: id,
      attempt: attemptNumber,
      agent: z.string(),
      branch: z.string(),
      worktree: z.string(),
      port: z.number(),
    }),
  /** A best-of-N attempt ended: its status, checks, measured values, diff size, cost and duration. */
  'attempt.ended': () =>
    z.object({
      ...base,
      type: z.literal('attempt.ended'),
      feature_id: id,
      attempt: attemptNumber,
      status: z.enum(ATTEMPT_END_STATUSES),
      reason: z.optional(z.string()),
      commit: z.optional(z.string()),
      files: strings,
      checks: AttemptChecksSchema,
      /** Numeric values the checks measured, by criterion id (e.g. `{ latency: { p95_ms: 20 } }`). */
      measured: z.record(z.string(), z.record(z.string(), z.number())),
      /** Lines added plus lines deleted on the attempt's branch. */
      lines_changed: z.number(),
      /** Files the attempt changed outside the contract's `owns`. */
      outside_owns: z.number(),
      cost_usd: z.optional(costUsd),
      duration_ms: z.number(),
      /** Written at read time for an attempt of a run whose orchestrator died (never appended to the log). */
      inferred: z.optional(z.literal(true)),
    }),
  /** Best-of-N chose a feature's winner: `baton/<feature_id>` now points at its commit. */
  'attempt.selected': () =>
    z.object({
      ...base,
      type: z.literal('attempt.selected'),
      feature_id: id,
      winner: attemptNumber,
      select: z.enum(['best', 'first-passing']),
      /** Why the winner beat each runner-up, in words, best first. */
      reasons: strings,
      /** Attempt numbers, best first. */
      ranking: z.array(attemptNumber),
      /** The feature's branch, now at the winner's commit (unless `not_moved` says why not). */
      branch: z.string(),
      commit: z.optional(z.string()),
      /** Where the branch's old tip, on no other branch (a commit made on it by hand during the run), is kept. */
      backup: z.optional(z.string()),
      /** Why the branch was not moved to the winner's commit: another process moved it meanwhile. */
      not_moved: z.optional(z.string()),
    }),
  /** The conductor overrode best-of-N's choice (`baton pick`): `baton/<feature_id>` moved to this attempt. */
  'attempt.picked': () =>
    z.object({
      ...base,
      type: z.literal('attempt.picked'),
      feature_id: id,
      attempt: attemptNumber,
      previous: z.optional(attemptNumber),
      commit: z.string(),
    }),
  /** A collision the radar reported is gone (one side reverted the paths). */
  'collision.resolved': () =>
    z.object({
      ...base,
      type: z.literal('collision.resolved'),
      collision_id: z.string(),
      features: strings,
    }),
});

type Schemas = typeof EVENT_SCHEMAS;
type EventOf<K extends keyof Schemas> = z.infer<Schemas[K]>;

/** A run began. */
export type RunStarted = EventOf<'run.started'>;
/** A run ended. */
export type RunEnded = EventOf<'run.ended'>;
/** A named phase began. */
export type PhaseStarted = EventOf<'phase.started'>;
/** A named phase ended. */
export type PhaseEnded = EventOf<'phase.ended'>;
/** A feature's worktree was created or reused. */
export type WorktreeCreated = EventOf<'worktree.created'>;
/** A feature's setup command started. */
export type SetupStarted = EventOf<'setup.started'>;
/** A feature's setup command ended. */
export type SetupEnded = EventOf<'setup.ended'>;
/** A feature's agent was launched. */
export type FeatureStarted = EventOf<'feature.started'>;
/** An agent process exited. */
export type AgentExited = EventOf<'agent.exited'>;
/** A failed agent is started again. */
export type AgentRetrying = EventOf<'agent.retrying'>;
/** An agent's hook reported in. */
export type HookEvent = EventOf<'hook'>;
/** A feature's outcome for this run. */
export type FeatureEnded = EventOf<'feature.ended'>;
/** An agent wrote into the main checkout. */
export type FeatureEscaped = EventOf<'feature.escaped'>;
/** An acceptance criterion held. */
export type CheckPassed = EventOf<'check.passed'>;
/** An acceptance criterion did not hold. */
export type CheckFailed = EventOf<'check.failed'>;
/** An acceptance criterion has nothing to run. */
export type CheckUnverifiable = EventOf<'check.unverifiable'>;
/** Integration began. */
export type IntegrationStarted = EventOf<'integration.started'>;
/** A feature branch merged cleanly. */
export type MergeClean = EventOf<'merge.clean'>;
/** A feature branch conflicted. */
export type MergeConflict = EventOf<'merge.conflict'>;
/** A feature was left out of the integration. */
export type MergeSkipped = EventOf<'merge.skipped'>;
/** The test command ran after a merge. */
export type IntegrationTested = EventOf<'integration.tested'>;
/** Integration finished. */
export type IntegrationEnded = EventOf<'integration.ended'>;
/** `--fresh`, or `baton clean` removing the integration branch, discarded the previous integration attempt. */
export type IntegrationDiscarded = EventOf<'integration.discarded'>;
/** The radar saw two features' work collide. */
export type CollisionDetected = EventOf<'collision.detected'>;
/** A reported collision is gone. */
export type CollisionResolved = EventOf<'collision.resolved'>;
/** A feature's job in the distributed queue changed state. */
export type QueueJob = EventOf<'queue.job'>;
/** The conductor stepped into an interactive session. */
export type UserIntervention = EventOf<'user.intervention'>;
/** A best-of-N attempt began. */
export type AttemptStarted = EventOf<'attempt.started'>;
/** A best-of-N attempt ended. */
export type AttemptEnded = EventOf<'attempt.ended'>;
/** Best-of-N chose a winner. */
export type AttemptSelected = EventOf<'attempt.selected'>;
/** The conductor picked a different attempt. */
export type AttemptPicked = EventOf<'attempt.picked'>;
/** A feature the integration left out because its folded status was not `complete`. */
export type IntegrationExclusion = NonNullable<IntegrationStarted['excluded']>[number];

/** Every event Baton writes. */
export type BatonEvent = { [K in keyof Schemas]: EventOf<K> }[keyof Schemas];

/** A discriminant of the union. */
export type BatonEventType = BatonEvent['type'];

/** Every event type, in declaration order (a new schema adds its type here by construction). */
export const BATON_EVENT_TYPES = Object.keys(EVENT_SCHEMAS) as BatonEventType[];

/** Whether this version knows an event type (one of `EVENT_SCHEMAS`); a newer Baton may write others. */
export function isBatonEventType(type: string): type is BatonEventType {
  return Object.hasOwn(EVENT_SCHEMAS, type);
}

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
