import { z } from 'zod';

import { RESERVED_IDS } from '../git/refs.js';
import { FEATURE_ID_PATTERN, MAX_FEATURE_ID_LENGTH } from './feature-id.js';

export { FEATURE_ID_PATTERN };

const featureId = z
  .string()
  .max(
    MAX_FEATURE_ID_LENGTH,
    `feature ids are at most ${MAX_FEATURE_ID_LENGTH} characters (they become branch and folder names)`,
  )
  .regex(
    FEATURE_ID_PATTERN,
    'feature ids are lowercase letters, digits and dashes, starting with a letter or digit',
  )
  .refine((id) => !RESERVED_IDS.has(id), {
    message: `this id is reserved: Baton names its own branch and folder ${[...RESERVED_IDS].map((r) => `"${r}"`).join(', ')}`,
  });

/** An HTTP latency check against the feature's server. */
export const HttpCheckSchema = z.strictObject({
  url: z.string().min(1),
  method: z.string().optional(),
  requests: z.number().int().positive().optional(),
  concurrency: z.number().int().positive().optional(),
  warmup: z.number().int().nonnegative().optional(),
  p50_ms: z.number().positive().optional(),
  p95_ms: z.number().positive().optional(),
  p99_ms: z.number().positive().optional(),
  max_error_rate: z.number().min(0).max(1).optional(),
  body: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
  headers: z.record(z.string(), z.string()).optional(),
  start_timeout_s: z.number().positive().optional(),
});

/** A file check: globs that must exist, and whether the branch stayed inside `owns`. */
export const FilesCheckSchema = z.strictObject({
  exist: z.array(z.string()).optional(),
  untouched_outside_owns: z.boolean().optional(),
});

/** One acceptance criterion: text plus at most one of run / http / files. */
export const CriterionSchema = z.strictObject({
  id: z.string().min(1).optional(),
  text: z.string().min(1),
  run: z.string().min(1).optional(),
  http: HttpCheckSchema.optional(),
  files: FilesCheckSchema.optional(),
  timeout_s: z.number().positive().optional(),
  after: z.literal('integration').optional(),
});

/** Which agent does a feature's work: an adapter name, or an arbitrary shell command. */
export const AgentSpecSchema = z.union([
  z.string().min(1),
  z.strictObject({ command: z.string().min(1) }),
  z.strictObject({ name: z.string().min(1), args: z.array(z.string()).optional() }),
]);

/** The most attempts of one feature (each is a worktree, an agent and a port block). */
export const MAX_ATTEMPTS = 9;

/** Best-of-N attempts: a count (every attempt with the feature's agent), or one agent per attempt. */
export const AttemptsSchema = z.union([
  z.number().int().min(1).max(MAX_ATTEMPTS),
  z.array(AgentSpecSchema).min(1).max(MAX_ATTEMPTS),
]);

/** How the winner of best-of-N is chosen: `best` waits for all; `first-passing` keeps the first that passes everything. */
export const SelectSchema = z.enum(['best', 'first-passing']);

/** The front matter of `specs/<feature_id>/contract.md`. */
export const ContractSchema = z.strictObject({
  feature_id: featureId,
  title: z.string().optional(),
  provides: z
    .union([z.record(z.string(), z.union([z.array(z.string()), z.string()])), z.array(z.string())])
    .optional(),
  owns: z.array(z.string().min(1)).optional(),
  /** `strict` (default): a change outside `owns` fails the implicit `owns` check; `warn`: it only warns. */
  owns_policy: z.enum(['strict', 'warn']).optional(),
  depends_on: z
    .union([
      z.strictObject({
        features: z.array(featureId).optional(),
        services: z.array(z.string()).optional(),
      }),
      z.array(featureId),
    ])
    .optional(),
  acceptance_criteria: z.array(z.union([CriterionSchema, z.string().min(1)])).optional(),
  serve: z.string().min(1).optional(),
  estimate_minutes: z.number().positive().optional(),
  agent: AgentSpecSchema.optional(),
  timeout_minutes: z.number().positive().optional(),
  retries: z.number().int().nonnegative().optional(),
  interactive: z.boolean().optional(),
  /** Best-of-N: how many attempts, or one agent per attempt (docs/best-of-n.md). */
  attempts: AttemptsSchema.optional(),
  /** Best-of-N: wait for every attempt and keep the best, or keep the first that passes every criterion. */
  select: SelectSchema.optional(),
});

/** An HTTP check as declared in a contract. */
export type HttpCheck = z.infer<typeof HttpCheckSchema>;
/** A files check as declared in a contract. */
export type FilesCheck = z.infer<typeof FilesCheckSchema>;
/** Which agent runs a feature. */
export type AgentSpec = z.infer<typeof AgentSpecSchema>;
/** Best-of-N attempts as written: a count or a list of agents. */
export type AttemptsSpec = z.infer<typeof AttemptsSchema>;
/** How best-of-N picks its winner. */
export type SelectPolicy = z.infer<typeof SelectSchema>;

/** The known top-level contract fields, for "did you mean" suggestions. */
export const CONTRACT_FIELDS = Object.keys(ContractSchema.shape);

/** A criterion after normalisation: always has an id and a kind. */
export interface Criterion {
  id: string;
  text: string;
  kind: 'run' | 'http' | 'files' | 'unverifiable';
  run?: string;
  http?: HttpCheck;
  files?: FilesCheck;
  timeout_s?: number;
  after?: 'integration';
}

/** Where a value was written in a contract file (1-based), with that line's text. */
export interface SourcePosition {
  line: number;
  column: number;
  source: string;
}

/** A validated, normalised contract: every list present, criteria with ids. */
export interface Contract {
  feature_id: string;
  title: string;
  provides: Record<string, string[]>;
  owns: string[];
  /** Whether a change outside `owns` fails the feature (`strict`, the default) or only warns. */
  owns_policy?: 'strict' | 'warn';
  depends_on: { features: string[]; services: string[] };
  acceptance_criteria: Criterion[];
  serve?: string;
  estimate_minutes?: number;
  agent?: AgentSpec;
  timeout_minutes?: number;
  retries?: number;
  /** Run this feature's agent in its own tmux window with its full interactive UI (`baton run --interactive`). */
  interactive?: boolean;
  /** Best-of-N: how many attempts, or one agent per attempt (docs/best-of-n.md). */
  attempts?: AttemptsSpec;
  /** Best-of-N: `best` (default) or `first-passing`. */
  select?: SelectPolicy;
  /** The markdown after the front matter (or the whole file in the heading form). */
  body: string;
  /** Path of the contract file, relative to the repository root. */
  file: string;
  /** Contents of the sibling spec.md, when there is one. */
  spec?: string;
  /** Where fields were written, by dotted path (`feature_id`, `depends_on.features.0`), for located messages. */
  positions?: Readonly<Record<string, SourcePosition>>;
}
