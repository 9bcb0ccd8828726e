/**
 * The schemas of the integration's events, from `integration.started` to `integration.discarded`, each
 * as the function that builds it. `events.ts` spreads them into the one event table (built on first
 * use), where they keep their place; each event is still declared once, and its type is inferred from
 * this schema.
 */
import { z } from '../zod.js';
import { base, id, strings } from './event-fields.js';
import { FEATURE_STATUSES } from './statuses.js';

export const INTEGRATION_EVENT_MAKERS = {
  /** Integration began on its own branch and worktree. */
  'integration.started': () =>
    z.object({
      ...base,
      type: z.literal('integration.started'),
      branch: z.string(),
      worktree: z.string(),
      order: strings,
      /** The commit the integration branch starts from. */
      base_commit: z.optional(z.string()),
      /** The base as the user named it (`main`), so a conflict with it says so after `--continue` too. */
      base_name: z.optional(z.string()),
      /**
       * The commit merged for each feature of `order`: its branch's tip when it was selected (the
       * commit its checks passed on), so a branch that moves meanwhile brings nothing unchecked.
       */
      commits: z.optional(z.record(z.string(), z.string())),
      /** The test command run after each merge; a record only: `--continue` never runs a command from the log. */
      test: z.optional(z.string()),
      /** `--test-timeout` in seconds when not the default (900), for the commands that go on to name again. */
      test_timeout_s: z.optional(z.number()),
      /** What to do on a conflict: `stop`, `skip` or `agent`. */
      on_conflict: z.optional(z.string()),
      /** The branch `--into` asked to move; `--continue` moves it only when named again on its command line. */
      into: z.optional(z.string()),
      /** The features named on the command line (`baton integrate a b`), for the commands that start over; absent: none was. */
      named: z.optional(z.array(id)),
      /** `--base` as it was given, for the commands that start over; absent: the default base was taken. */
      base_ref: z.optional(z.string()),
      /** Statuses opted in with `--include` (besides `complete`). */
      include: z.optional(z.array(z.enum(FEATURE_STATUSES))),
      /** Features merged although their status is not `complete`, because `--include` named it. */
      included: z.optional(z.array(z.object({ feature_id: id, status: z.enum(FEATURE_STATUSES) }))),
      /** Features not merged because their status is not `complete`. */
      excluded: z.optional(
        z.array(z.object({ feature_id: id, status: z.enum(FEATURE_STATUSES), reason: z.string() })),
      ),
    }),
  /** A feature branch merged without conflict. */
  'merge.clean': () =>
    z.object({
      ...base,
      type: z.literal('merge.clean'),
      feature_id: id,
      commit: z.string(),
      /** From the merge's start; for a conflict resolved, from the conflict to the resolution's commit. */
      duration_ms: z.number(),
      /** Set when the merge conflicted first: who resolved it. */
      resolved: z.optional(z.enum(['by-hand', 'by-agent'])),
    }),
  /** A feature branch conflicted with what was already merged. */
  'merge.conflict': () =>
    z.object({
      ...base,
      type: z.literal('merge.conflict'),
      feature_id: id,
      files: strings,
      /** The already-merged features that also changed those files. */
      with: strings,
      duration_ms: z.number(),
      /**
       * The commit the feature's branch was cut from, when the integration it was merged onto lacked
       * it (a `--base` without it, and no feature merged before brought it: `foreignBases`): the
       * conflict came with commits no feature made, so the report counts it apart from the
       * conflicts between features. Absent otherwise, and in logs written before it was recorded.
       */
      base_lacks_cut: z.optional(z.string()),
    }),
  /** A feature was left out of the integration (conflict skipped, or a dependency skipped). */
  'merge.skipped': () =>
    z.object({
      ...base,
      type: z.literal('merge.skipped'),
      feature_id: id,
      reason: z.string(),
      /** Why, as a kind. */
      kind: z.optional(z.enum(['not-run', 'excluded', 'conflict', 'dependency', 'nothing-to-merge'])),
      /** The feature's folded status, for `kind: excluded`. */
      status: z.optional(z.enum(FEATURE_STATUSES)),
      /**
       * For `kind: excluded`: its branch moved since its checks failed, so `baton verify` is next, not a
       * rerun (`MergeStep`'s `recheck`, which `--continue` takes from here).
       */
      recheck: z.optional(z.literal(true)),
    }),
  /** The test command ran after a merge. */
  'integration.tested': () =>
    z.object({
      ...base,
      type: z.literal('integration.tested'),
      after_feature: z.string(),
      passed: z.boolean(),
      exit_code: z.nullable(z.number()),
      output_tail: z.optional(z.string()),
      duration_ms: z.number(),
      /** Why the run failed although it exited 0 too: the test command changed tracked files or moved the branch. */
      reason: z.optional(z.string()),
      /** What the test command left running outside its process group, named, and that Baton stopped it. */
      left_running: z.optional(z.string()),
    }),
  /** Integration finished (or stopped: at a conflict, at failed tests, or by Ctrl-C). */
  'integration.ended': () =>
    z.object({
      ...base,
      type: z.literal('integration.ended'),
      /** `interrupted`: Ctrl-C (or SIGTERM, SIGHUP) stopped it; `--continue` goes on from there. */
      outcome: z.enum(['clean', 'conflict', 'tests-failed', 'checks-failed', 'partial', 'interrupted']),
      duration_ms: z.number(),
      commit: z.optional(z.string()),
      /** Why the outcome when no event before says: the after-integration criteria committed or left changes. */
      reason: z.optional(z.string()),
      /** Branch fast-forwarded to the result, with `--into`. */
      into: z.optional(z.string()),
      /** Why `--into` left the branch where it was. */
      into_refused: z.optional(z.string()),
      /** The branch `--into` named when it was left where it was, so a later `--continue` moves that one. */
      into_asked: z.optional(z.string()),
      /** This invocation's `--test-timeout` in seconds when not the default (900), which the commands that go on name. */
      test_timeout_s: z.optional(z.number()),
    }),
  /** `--fresh` (or `baton clean` removing the integration branch) discarded the previous integration attempt: its merges and its time no longer count. */
  'integration.discarded': () =>
    z.object({
      ...base,
      type: z.literal('integration.discarded'),
      branch: z.string(),
      /** `ts` of the discarded attempt's `integration.started`. */
      started_at: z.optional(z.string()),
      /** The discarded result's tip. */
      commit: z.optional(z.string()),
      /** The ref that keeps the discarded result. */
      backup: z.optional(z.string()),
    }),
} as const;
