/**
 * What the event table (`events.ts`) is built from: the fields every event of Baton's carries, the
 * field schemas several events share (an agent's usage, a check's measurement, an attempt's counts),
 * and `builtOnUse`, which builds each entry of the table when it is first asked for.
 */
import { MAX_ATTEMPTS } from '../contracts/schema.js';
import { z } from '../zod.js';
import { END_STATUSES } from './statuses.js';

/**
 * A best-of-N attempt's number (or a run's count of them) as a log line may hold it: a whole number
 * from 1 to `MAX_ATTEMPTS`. Any other (1e300, -1, 0, 1.5) would add an attempt row `fa.a1e+300` and
 * make a resume start up to `MAX_ATTEMPTS` agents; a line holding one is refused with its line number.
 */
export const attemptNumber = z.int().check(z.gte(1), z.lte(MAX_ATTEMPTS));

/** A non-empty id (feature, criterion, collision). */
export const id = z.string().check(z.minLength(1));
/** A list of strings. */
export const strings = z.array(z.string());

/** Fields Baton writes on every event of its own: schema version, ISO-8601 time, run. */
export const base = { v: z.literal(1), ts: z.string(), run_id: z.optional(z.string()) };

/**
 * A cost in dollars as a log line may hold it: a finite number of at least 0. A negative one would
 * lower the report's total, so a line holding one is refused with its line number, as any mistyped
 * field is (an adapter reads only such numbers from an agent's output: `numberOf`).
 */
export const costUsd = z.number().check(z.gte(0));

/**
 * A count (tokens, turns) as a log line may hold it: at least 0 and at most 2^53 − 1, beyond which a
 * double holds no exact count (1e300 tokens printed as a 300-digit number); an adapter's reading is
 * held to it before the line is written (`usageWithinBounds`).
 */
export const usageCount = z.number().check(z.gte(0), z.lte(Number.MAX_SAFE_INTEGER));

/**
 * A run's concurrency as `run.started` records it: a whole number of at least 0. A queued resume
 * before 2026-12-07 wrote 0 when it followed no job; such a line stays readable, and 0 is read as no
 * concurrency known (`isConcurrency`, which every reader of the field asks).
 */
export const recordedConcurrency = z.int().check(z.gte(0));

/** Usage an agent reported, when it reports any (tokens, cost, refused tool calls). */
export const AgentUsageSchema = z.object({
  cost_usd: z.optional(costUsd),
  input_tokens: z.optional(usageCount),
  output_tokens: z.optional(usageCount),
  turns: z.optional(usageCount),
  /** Tool calls the agent was refused (Claude Code's `permission_denials`). */
  permission_denials: z.optional(z.array(z.object({ tool: z.string(), detail: z.optional(z.string()) }))),
});
/** Usage an agent reported. */
export type AgentUsage = z.infer<typeof AgentUsageSchema>;

/**
 * An adapter's reading of an agent's usage with each figure the log would refuse left out (pure): a
 * count past 2^53 − 1 or a cost that is no finite number of at least 0 is no usage Baton can report,
 * and writing it would get the whole `agent.exited` line skipped on every read.
 */
export function usageWithinBounds(usage: AgentUsage): AgentUsage {
  const out: AgentUsage = { ...usage };
  if (out.cost_usd !== undefined && !costUsd.safeParse(out.cost_usd).success) delete out.cost_usd;
  for (const key of ['input_tokens', 'output_tokens', 'turns'] as const)
    if (out[key] !== undefined && !usageCount.safeParse(out[key]).success) delete out[key];
  return out;
}

/** What a check measured (latency percentiles, exit code, output tail, offending files). */
export const CheckMeasurementSchema = z.object({
  exit_code: z.optional(z.nullable(z.number())),
  output_tail: z.optional(z.string()),
  p50_ms: z.optional(z.number()),
  p95_ms: z.optional(z.number()),
  p99_ms: z.optional(z.number()),
  error_rate: z.optional(z.number()),
  requests: z.optional(z.number()),
  files: z.optional(strings),
  duration_ms: z.optional(z.number()),
});
/** What a check measured. */
export type CheckMeasurement = z.infer<typeof CheckMeasurementSchema>;

/**
 * Where a check ran: a feature's worktree, the integration branch (its `after: integration`
 * criteria), or the integration branch again before `--into` moves a branch of the user's
 * (`promotion`: the feature's worktree criteria run on the result, since a log line is anyone's to write).
 */
export const CHECK_PLACES = ['worktree', 'integration', 'promotion'] as const;
/** Where a check ran. */
export type CheckPlace = (typeof CHECK_PLACES)[number];

/** A criterion's kind, as the contract normalises it. */
export const CHECK_KINDS = ['run', 'http', 'files', 'unverifiable'] as const;

/** The fields of `check.passed`, `check.failed` and `check.unverifiable`. */
export const checkFields = {
  ...base,
  feature_id: id,
  criterion_id: z.string(),
  text: z.string(),
  kind: z.enum(CHECK_KINDS),
  on: z.enum(CHECK_PLACES),
  message: z.string(),
  measured: z.optional(CheckMeasurementSchema),
  /**
   * On a worktree: the commit checked (its HEAD), and `dirty` when the worktree differed from it
   * (tracked changes, or untracked files that are not ignored), so the result is not that commit's.
   * Absent in logs older than these fields.
   */
  commit: z.optional(z.string()),
  dirty: z.optional(z.literal(true)),
  /**
   * `worker`: a `baton worker` ran the check and reported it; the orchestrator sets it on every check
   * it takes from a worker, whatever the line said. Such a result is the worker's word, not a check run
   * here (docs/distributed.md). Absent: the check ran on this machine (and in logs older than the field).
   */
  by: z.optional(z.literal('worker')),
  /**
   * A hash of the criterion's definition as it ran (`criterionDigest`: its command, thresholds,
   * timeout, files, and `owns` for the ownership check): a result is no result of the criterion once
   * its contract defines it otherwise. Absent in logs older than the field (matched by id, kind and text).
   */
  digest: z.optional(z.string()),
  /**
   * The ids of every criterion the verification this result is part of runs at its place
   * (`criteriaFor`): a result recorded there before of a criterion outside them (removed from the
   * contract since, renamed, moved to the other place) is no result of the feature's any more. Absent
   * in logs older than the field, and on a check run alone (a queued feature's `owns`, checked here).
   */
  criteria: z.optional(strings),
};

/** How a best-of-N attempt ended: a feature's end statuses, or `stopped` (another attempt passed first). */
export const ATTEMPT_END_STATUSES = [...END_STATUSES, 'stopped'] as const;
/** How a best-of-N attempt ended. */
export type AttemptEndStatus = (typeof ATTEMPT_END_STATUSES)[number];

/** One best-of-N attempt's check results, counted. */
export const AttemptChecksSchema = z.object({
  passed: z.number(),
  failed: z.number(),
  unverifiable: z.number(),
  total: z.number(),
});

/**
 * The table below, each schema built when first asked for: building every one of its zod objects took
 * each command that loads the log's modules about 10 ms here, and most use a few types or none (a run
 * writes events and reads none). The keys are all there from the start, in declaration order.
 */
export function builtOnUse<M extends { [type: string]: () => z.ZodMiniType }>(
  makers: M,
): { readonly [K in keyof M]: ReturnType<M[K]> } {
  const table: Partial<Record<keyof M, z.ZodMiniType>> = {};
  for (const key of Object.keys(makers)) {
    let built: z.ZodMiniType | undefined;
    Object.defineProperty(table, key, {
      enumerable: true,
      get: () => {
        built ??= makers[key]?.();
        return built;
      },
    });
  }
  return table as { readonly [K in keyof M]: ReturnType<M[K]> };
}
