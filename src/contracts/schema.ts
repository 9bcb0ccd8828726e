import { RESERVED_IDS } from '../git/refs.js';
import { timerSpan } from '../timer-span.js';
import { z } from '../zod.js';
import { FEATURE_ID_CHARS, FEATURE_ID_PATTERN, MAX_FEATURE_ID_LENGTH } from './feature-id.js';

export { FEATURE_ID_PATTERN };

/**
 * The largest `estimate_minutes` a contract may give (about 10 weeks of work): a feature longer than that
 * is several, and the plan adds estimates up, which unbounded ones would overflow to Infinity.
 */
export const MAX_ESTIMATE_MINUTES = 100_000;

const featureId = z
  .string()
  .check(
    z.maxLength(
      MAX_FEATURE_ID_LENGTH,
      `feature ids are at most ${MAX_FEATURE_ID_LENGTH} characters (they become branch and folder names)`,
    ),
  )
  .check(
    // The characters alone: a too long id is said once, by the length check above.
    z.regex(
      FEATURE_ID_CHARS,
      'feature ids are lowercase letters, digits and dashes, starting with a letter or digit',
    ),
  )
  .check(
    z.refine((id) => !RESERVED_IDS.has(id), {
      message: `this id is reserved: Baton names its own branch and folder ${[...RESERVED_IDS].map((r) => `"${r}"`).join(', ')}`,
    }),
  );

/** What HTTP lets a header name be (a token), and a value hold (Node refuses anything else at send time). */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** An HTTP latency check against the feature's server. */
export const HttpCheckSchema = z.strictObject({
  url: z.string().check(z.minLength(1)),
  method: z.optional(z.string()),
  requests: z.optional(z.int().check(z.positive())),
  concurrency: z.optional(z.int().check(z.positive())),
  warmup: z.optional(z.int().check(z.nonnegative())),
  p50_ms: z.optional(z.number().check(z.positive())),
  p95_ms: z.optional(z.number().check(z.positive())),
  p99_ms: z.optional(z.number().check(z.positive())),
  max_error_rate: z.optional(z.number().check(z.gte(0)).check(z.lte(1))),
  body: z.optional(z.union([z.string(), z.record(z.string(), z.unknown())])),
  headers: z.optional(
    z.record(
      z.string().check(z.regex(HEADER_NAME, "a header name is letters, digits and !#$%&'*+-.^_`|~ only")),
      z
        .string()
        .check(z.regex(HEADER_VALUE, 'a header value holds no line break and no character beyond Latin-1')),
    ),
  ),
  start_timeout_s: z.optional(timerSpan(1000, 'seconds')),
});

/** A file check: globs that must exist, and whether the branch stayed inside `owns`. */
export const FilesCheckSchema = z.strictObject({
  exist: z.optional(z.array(z.string())),
  untouched_outside_owns: z.optional(z.boolean()),
});

/** One acceptance criterion: text plus at most one of run / http / files. */
export const CriterionSchema = z.strictObject({
  id: z.optional(z.string().check(z.minLength(1))),
  text: z.string().check(z.minLength(1)),
  run: z.optional(z.string().check(z.minLength(1))),
  http: z.optional(HttpCheckSchema),
  files: z.optional(FilesCheckSchema),
  timeout_s: z.optional(timerSpan(1000, 'seconds')),
  after: z.optional(z.literal('integration')),
});

/** One item of `acceptance_criteria`: a criterion with its check, or its words alone (unverifiable). */
export const CriterionItemSchema = z.union([CriterionSchema, z.string().check(z.minLength(1))]);

/** Which agent does a feature's work: an adapter name, or an arbitrary shell command. */
export const AgentSpecSchema = z.union([
  z.string().check(z.minLength(1)),
  z.strictObject({ command: z.string().check(z.minLength(1)) }),
  z.strictObject({ name: z.string().check(z.minLength(1)), args: z.optional(z.array(z.string())) }),
]);

/** The most attempts of one feature (each is a worktree, an agent and a port block). */
export const MAX_ATTEMPTS = 9;

/** Best-of-N attempts: a count (every attempt with the feature's agent), or one agent per attempt. */
export const AttemptsSchema = z.union([
  z.int().check(z.gte(1)).check(z.lte(MAX_ATTEMPTS)),
  z.array(AgentSpecSchema).check(z.minLength(1)).check(z.maxLength(MAX_ATTEMPTS)),
]);

/** How the winner of best-of-N is chosen: `best` waits for all; `first-passing` keeps the first that passes everything. */
export const SelectSchema = z.enum(['best', 'first-passing']);

/** The front matter of `specs/<feature_id>/contract.md`. */
export const ContractSchema = z.strictObject({
  feature_id: featureId,
  title: z.optional(z.string()),
  provides: z.optional(
    z.union([z.record(z.string(), z.union([z.array(z.string()), z.string()])), z.array(z.string())]),
  ),
  owns: z.optional(z.array(z.string().check(z.minLength(1)))),
  /** `strict` (default): a change outside `owns` fails the implicit `owns` check; `warn`: it only warns. */
  owns_policy: z.optional(z.enum(['strict', 'warn'])),
  depends_on: z.optional(
    z.union([
      z.strictObject({
        features: z.optional(z.array(featureId)),
        services: z.optional(z.array(z.string())),
      }),
      z.array(featureId),
    ]),
  ),
  acceptance_criteria: z.optional(z.array(CriterionItemSchema)),
  serve: z.optional(z.string().check(z.minLength(1))),
  estimate_minutes: z.optional(
    z
      .number()
      .check(
        z.positive(),
        z.lte(
          MAX_ESTIMATE_MINUTES,
          `must be at most ${MAX_ESTIMATE_MINUTES.toLocaleString('en-US')} minutes (about 10 weeks of work): split a longer feature`,
        ),
      ),
  ),
  agent: z.optional(AgentSpecSchema),
  timeout_minutes: z.optional(timerSpan(60_000, 'minutes')),
  retries: z.optional(z.int().check(z.nonnegative())),
  interactive: z.optional(z.boolean()),
  /** Best-of-N: how many attempts, or one agent per attempt (docs/best-of-n.md). */
  attempts: z.optional(AttemptsSchema),
  /** Best-of-N: wait for every attempt and keep the best, or keep the first that passes every criterion. */
  select: z.optional(SelectSchema),
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
