import type { Config } from '../config-schema.js';
import { FEATURE_ID_PATTERN } from '../contracts/feature-id.js';
import { AgentSpecSchema } from '../contracts/schema.js';
import type { FeatureEnded } from '../log/events.js';
import { z } from '../zod.js';
import { baseRefOf, isJobIdOf } from './names.js';

/** What the orchestrator puts in a feature's job: everything a worker on another machine needs. */
export const JobDataSchema = z.object({
  v: z.literal(1),
  run_id: z.string().check(z.minLength(1)),
  /** This enqueue of the job (`jobInstanceOf`): a job enqueued again names its attempts apart. */
  enqueue: z.string().check(z.regex(/^[0-9a-f]{8}$/)),
  feature_id: z.string().check(z.regex(FEATURE_ID_PATTERN)),
  agent: AgentSpecSchema,
  /** The adapter name, also the queue the job is on. */
  agent_name: z.string().check(z.minLength(1)),
  base_commit: z.string().check(z.regex(/^[0-9a-f]{40,64}$/)),
  /** The hub the run's refs live in, as `absoluteHub` spells it: only a worker of that hub takes the job. */
  hub: z.string().check(z.minLength(1)),
  /** The hub ref that holds the base commit. */
  base_ref: z.string().check(z.startsWith('refs/baton/runs/')),
  contract: z.object({ file: z.string(), text: z.string(), spec: z.optional(z.string()) }),
  known_ids: z.array(z.string()),
  /** The orchestrator's resolved config; the worker replaces its paths with its own. */
  config: z.record(z.string(), z.unknown()),
  port: z.int(),
  port_base: z.int(),
  timeout_ms: z.optional(z.number().check(z.positive())),
  verify: z.boolean(),
});
/** A feature's job data. */
export type JobData = z.infer<typeof JobDataSchema>;

/**
 * Why a worker refuses a job read from Redis as not one Baton made, or undefined (pure): its id is not
 * the one Baton gives its run and feature (`isJobIdOf`), and the id names the attempt's folder (removed
 * before it starts), branch and ref, so `../` in it would leave `--dir`; or its base ref is not its
 * run's (`baseRefOf`), which git is handed as a refspec and the worker prints.
 */
export function refusalOf(jobId: string, data: JobData): string | undefined {
  if (!isJobIdOf(jobId, data.run_id, data.feature_id))
    return 'its id is not the one Baton gives the job of its run and feature (<run id>.<feature id>)';
  if (data.base_ref !== baseRefOf(data.run_id))
    return `its base ref is not the one Baton gives its run (${baseRefOf('<run id>')})`;
  return undefined;
}

/** What a worker returns for a job; BullMQ keeps it as the job's return value. */
export interface JobResult {
  status: FeatureEnded['status'];
  reason?: string;
  /** The attempt ref the result was pushed to, and the commit it names. */
  attempt_ref: string;
  commit: string;
  attempt: number;
  host: string;
  worker: string;
  files: string[];
}

/** What a worker writes into a job's progress when it takes it: who holds it, which attempt. */
export interface JobClaim {
  host: string;
  worker: string;
  attempt: number;
}

/** Checks a job's return value before the orchestrator acts on it (it came over the network). */
export function parseJobResult(value: unknown): JobResult | undefined {
  const r = z
    .object({
      status: z.enum(['complete', 'empty', 'failed', 'failed-checks', 'timeout', 'interrupted']),
      reason: z.optional(z.string()),
      attempt_ref: z.string(),
      commit: z.string().check(z.regex(/^[0-9a-f]{40,64}$/)),
      attempt: z.int().check(z.positive()),
      host: z.string(),
      worker: z.string(),
      files: z.array(z.string()),
    })
    .safeParse(value);
  return r.success ? (r.data as JobResult) : undefined;
}

/** The worker's own config: the orchestrator's settings with this machine's paths. */
export function workerConfig(data: JobData, root: string): Config {
  const c = data.config as unknown as Config;
  return {
    ...c,
    copy: [],
    agents: c.agents ?? {},
    retry: c.retry ?? { attempts: 0, initial_delay_s: 5, factor: 2 },
    root,
    worktrees: root,
    specs: root,
    file: undefined,
  };
}
