/** The shapes integration works with: its settings, what happened per feature, and its result. */
import type { Contract } from '../contracts/schema.js';
import type { FastForward } from '../git/fast-forward.js';
import type { Plan } from '../graph/types.js';
import type { Clock } from '../log/append.js';
import type { WorkerTrust } from '../log/check-reason.js';
import type { FeatureStatus, IntegrationEnded, IntegrationExclusion } from '../log/events.js';
import type { EventSink } from '../log/sink.js';
import type { ConflictReport } from './explain.js';

/** What to do when a merge conflicts. */
export const CONFLICT_POLICIES = ['stop', 'skip', 'agent'] as const;
/** One of `CONFLICT_POLICIES`. */
export type ConflictPolicy = (typeof CONFLICT_POLICIES)[number];

/** Whether a value read from the log is one of `CONFLICT_POLICIES`. */
export function isConflictPolicy(x: unknown): x is ConflictPolicy {
  return typeof x === 'string' && (CONFLICT_POLICIES as readonly string[]).includes(x);
}

/** What a conflict resolver is given: the worktree mid-merge, the files, and the contracts involved. */
export interface ConflictResolverInput {
  worktree: string;
  files: string[];
  feature: Contract;
  /** Contracts of the already-merged features that changed the same files. */
  others: Contract[];
  /** The task text for an agent: the conflict, the rules, both contracts. */
  task: string;
  /** Ctrl-C: stop the resolver's whole process group. */
  signal?: AbortSignal;
  /** The integration's marks (`integrationMarks`), so a later `--continue` can stop a resolver a killed Baton left. */
  marks?: Readonly<Record<string, string>>;
}

/** Resolves a conflict left in progress in a worktree (an agent, usually); its exit is only advisory. */
export type ConflictResolver = (input: ConflictResolverInput) => Promise<{ exitCode: number | null }>;

/** Counts of one feature's checks. */
export interface CheckTally {
  passed: number;
  failed: number;
  unverifiable: number;
  total: number;
  /** The failed criteria in the order they ran, with their messages (when the runner says). */
  failures?: ReadonlyArray<{ criterion_id: string; message: string }>;
}

/**
 * Runs a feature's `after: integration` criteria in the integration worktree (and records them);
 * `signal` (Ctrl-C) stops the check that is running, whole process group, and the rest.
 */
export type CheckRunner = (input: {
  feature: Contract;
  cwd: string;
  port: number;
  /**
   * Which criteria: the `after: integration` ones (default), or the feature's worktree criteria run
   * again on the result before `--into` moves a branch (`promotion`; `criteriaFor`).
   */
  on?: 'integration' | 'promotion';
  signal?: AbortSignal;
  /** Variables to add to the checks' environment: the integration's marks (`integrationMarks`). */
  marks?: Readonly<Record<string, string>>;
}) => Promise<CheckTally>;

/** Who resolved a merge that conflicted: the user, or the agent. */
export type MergeResolution = 'by-hand' | 'by-agent';

/** What happened to one feature during integration. */
export type MergeStep =
  | {
      feature_id: string;
      status: 'merged';
      commit: string;
      duration_ms: number;
      /** Set when the merge first conflicted and was then resolved. */
      resolved?: MergeResolution;
    }
  | { feature_id: string; status: 'conflict'; files: string[]; with: string[]; duration_ms: number }
  | { feature_id: string; status: 'skipped'; reason: string }
  | { feature_id: string; status: 'not-run'; reason: string }
  /**
   * Left out because its folded status is not `complete` (or it depends on such a feature); `recheck`:
   * its branch moved since its checks failed (`IntegrationSelection.recheck`), so `baton verify` is next.
   */
  | {
      feature_id: string;
      status: 'not-merged';
      feature_status: FeatureStatus;
      reason: string;
      recheck?: true;
    }
  /** Its branch adds no commit beyond the integration: nothing was merged, so no commit is claimed. */
  | { feature_id: string; status: 'nothing-to-merge'; reason: string };

/** One run of the test command after a merge. */
export interface TestRun {
  after_feature: string;
  /** 1-based position of the merge it followed, of `total`. */
  index: number;
  total: number;
  passed: boolean;
  exit_code: number | null;
  /** The exit in words (`exit 1`, `timed out after 900 s…`). */
  exit: string;
  output_tail: string;
  duration_ms: number;
  /** What to do when the run failed for what it left (changes, a moved branch), not for its exit. */
  hint?: string;
}

/** How `--into` went. */
export type IntoResult =
  | { branch: string; moved: true; fast_forward: FastForward }
  | {
      branch: string;
      moved: false;
      reason: string;
      hint?: string;
      /** Git ended without the branch at the result (`MovedElsewhereError`): it may have moved, elsewhere. */
      elsewhere?: true;
    };

/** Everything one `baton integrate` (or `--continue`) did, for rendering and `--json`. */
export interface IntegrationResult {
  outcome: IntegrationEnded['outcome'];
  branch: string;
  worktree: string;
  base: string | undefined;
  /** Features this integration merges, in merge order. */
  order: string[];
  /** Per feature, the latest thing that happened, earlier invocations included. */
  steps: MergeStep[];
  tests: TestRun[];
  /** The first test run that failed; merging stopped there. */
  tests_failed_after?: TestRun;
  /** What stopped it (outcome `interrupted`): `SIGINT` for Ctrl-C, `SIGTERM`, `SIGHUP`. */
  interrupted_by?: string;
  /** The conflict integration stopped at (outcome `conflict`). */
  conflict?: ConflictReport & { unresolved?: string[]; resolver_exit?: number | null };
  checks: Record<string, CheckTally>;
  /**
   * What the after-integration criteria left that they must not (a commit, changes to tracked files),
   * which made the outcome `checks-failed` whatever they exited.
   */
  checks_left?: { reason: string; hint: string };
  /** Statuses `--include` opted in, besides `complete`. */
  include: FeatureStatus[];
  /** Features merged although not `complete`, because `--include` named their status. */
  included: Array<{ feature_id: string; status: FeatureStatus }>;
  /** The integration branch's tip. */
  commit: string;
  /** From the first merge's start to the last check's end (time spent resolving included). */
  duration_ms: number;
  into?: IntoResult;
  /** Where an earlier result was kept by `--fresh`. */
  backup?: string;
  /** The test command this invocation ran after each merge (`--test`, else the config's), if any. */
  test?: string;
  /** Its `--test-timeout` in seconds, when not the default (900). */
  test_timeout_s?: number;
  /** This invocation's `--on-conflict`, when not `stop`. */
  on_conflict?: ConflictPolicy;
  /** The features named when the integration began, when any were. */
  named?: string[];
  /** `--base` as given when the integration began, when it was. */
  base_ref?: string;
  notes: string[];
}

/** What every integration invocation needs from the caller. */
export interface IntegrationSettings {
  /** The main checkout (never modified, except by `--into` when its branch is the target). */
  root: string;
  plan: Plan;
  /** The log, read by `--continue` and, without `sink`, written through a log sink. */
  logPath: string;
  clock: Clock;
  /** Where every integration event goes; default: a log sink on `logPath`. */
  sink?: EventSink;
  /** Environment for the test command and the resolver. */
  env: NodeJS.ProcessEnv;
  /** The config's `trust_workers`, by which `--continue` applies the integration's rule again (absent: false). */
  trust?: WorkerTrust;
  runId?: string;
  /** The integration branch, `baton/integration`. */
  branch: string;
  /** Test command run after each merge (`--test`, else the config's); never the log's. */
  test?: string;
  /**
   * `test` is the config's, not named with `--test`: a `--continue` refuses it where the integration
   * began with another (`testRefusal`), as the user did not choose it for this integration.
   */
  testFromConfig?: boolean;
  testTimeoutMs: number;
  /** `--on-conflict`, else `stop` (on `--continue` too: never the log's). */
  onConflict?: ConflictPolicy;
  resolver?: ConflictResolver;
  runChecks?: CheckRunner;
  portBase: number;
  /** Branch to fast-forward to the result when everything passed. */
  into?: string;
  /**
   * Ctrl-C (or SIGTERM, SIGHUP; the signal's name is the reason): stops the test command, the check
   * or the resolver that is running, whole process groups, and ends the integration `interrupted`.
   */
  signal?: AbortSignal;
}

/** Options of `startIntegration`. */
export interface StartIntegrationOptions extends IntegrationSettings {
  /** Features to merge, in plan order; each has a branch `baton/<id>`. */
  features: readonly string[];
  /** Selected features without a branch: listed as not run. */
  notRun: readonly string[];
  /** Of `notRun`, the best-of-N features with no winner yet, with why (`IntegrationSelection.undecided`). */
  undecided?: Readonly<Record<string, string>>;
  /** Selected features left out because their status is not `complete`. */
  excluded?: readonly IntegrationExclusion[];
  /** Of `excluded`, those whose branch moved since their checks failed (`IntegrationSelection.recheck`). */
  recheck?: readonly string[];
  /** Statuses `--include` opted in. */
  include?: readonly FeatureStatus[];
  /** Features in `features` whose status is not `complete` (let in by `include`). */
  included?: ReadonlyArray<{ feature_id: string; status: FeatureStatus }>;
  /** The commit integration starts from. */
  base: string;
  /** The base as the user named it (`main`), for messages; unset: "the base". */
  baseName?: string;
  /** `--base` as given (unset: the default was taken), recorded and named again by the commands that start over. */
  baseRef?: string;
  /** The features named on the command line (unset: none), recorded and named again by the commands that start over. */
  named?: readonly string[];
  /** The commit to merge for each feature (its branch's tip when selected; the branch when absent). */
  commits?: Readonly<Record<string, string>>;
  /** The commit each feature's branch was cut from, where the log says (for `--into`'s `foreignBases`). */
  bases?: Readonly<Record<string, string>>;
  /**
   * What each feature changed since its own work began, as the prediction measured it a moment before on
   * the same branches (`Prediction.changed`, `collectBranchChanges`): not measured again. Absent, or
   * missing a feature to merge, it is measured when the integration starts.
   */
  changed?: Readonly<Record<string, readonly string[]>>;
  /** Where the integration worktree goes when there is none yet. */
  worktreePath: string;
  fresh: boolean;
}

/** Options of `continueIntegration`: the rest is read back from the log. */
export type ContinueIntegrationOptions = IntegrationSettings;
