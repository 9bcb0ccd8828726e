/**
 * The last integration when it is not finished and no `baton integrate` is working on it (pure): its
 * Baton was killed before recording its end (kill -9, a crash, the machine) or stopped at an error that
 * records none (a merge git failed: a full disk; `--continue` merges that feature again), it was interrupted
 * (Ctrl-C, SIGTERM, a closed terminal), or it stopped at a conflict or at failed tests and waits for a
 * person. `status` (its line and `--json`) and `doctor` say so, with what it stopped at and the one
 * command that goes on, since its rows alone read `merge.clean` or `feature.ended`. An integration that
 * ran to its end (`clean`, `partial`, `checks-failed`) is finished: nothing goes on with it; so is one
 * whose branch is gone (`baton clean` removed it). Its worktree is the one git shows, proven
 * (`integrationOnDisk`), never the log's path: any process can append an `integration.started`.
 */
import { featureBranch, isObjectId } from '../git/refs.js';
import type { BatonState, MergeRecord } from '../log/state.js';
import {
  afterTestsFailedCommand,
  type ContinueFlags,
  continueCommand,
  freshCommand,
  putBack,
  resolveThenContinue,
  TEST_FROM_LOG,
  testsFailedAdvice,
  WORKTREE_NOT_FOUND,
} from './continue-command.js';
import { otherSides } from './sides.js';
import { isConflictPolicy } from './types.js';

/** Where it stopped: a merge left at a conflict for a person, or the merge the tests failed after. */
export type IntegrationStop =
  | { kind: 'conflict'; feature_id: string; files: string[]; with: string[] }
  | {
      kind: 'tests-failed';
      feature_id: string;
      exit_code: number | null;
      /** Set when that merge was a conflict resolved: the resolution is what failed. */
      resolved?: { by: 'by-hand' | 'by-agent'; commit: string } | undefined;
      /** What the test command left that it must not (changes to tracked files, a moved branch), in words. */
      left?: string | undefined;
      /** The merge commit it ran on, as the log records it: what the worktree is put back to. */
      merge_commit?: string | undefined;
    };

/** An integration that waits for a person or for a `baton integrate --continue`. */
export interface UnfinishedIntegration {
  /**
   * `killed`: it never recorded its end (killed, or stopped at an error it printed); `interrupted`: it recorded that it was stopped; `conflict`,
   * `tests-failed`: it ended so, stopped at `stop`.
   */
  how: 'killed' | 'interrupted' | 'conflict' | 'tests-failed';
  /** The features it merged so far, in merge order. */
  merged: string[];
  order: string[];
  /** The feature it stopped at and why; none when it stopped between merges. */
  stop?: IntegrationStop | undefined;
  /** Its worktree, proven (`integrationOnDisk`); undefined when none is. */
  worktree: string | undefined;
  /**
   * The flags it began with, as the log records them (the test command, its `--test-timeout`, the
   * branch to move, `--on-conflict`, the features named, `--base`, `--include`): the commands name them again.
   */
  flags: ContinueFlags;
  /**
   * The command that goes on: the `--continue` with the test command and branch it began with, or the
   * fresh start with them (failed tests on a feature's own work, or no integration worktree proven).
   */
  command: string;
  /** The command's test command was read from the log (anyone's to write): the user should read it first. */
  testFromLog: boolean;
  /**
   * Features it has still to merge whose branch is gone (`baton clean --force` removed it), each with
   * the tip `baton clean` kept, if any: its `--continue` would refuse.
   */
  gone: { id: string; kept: string | undefined }[];
}

/**
 * What git shows of the integration (never the log's word): whether `baton/integration` exists, and
 * the worktree proven to have it checked out (`provenIntegrationWorktree`), if any.
 */
export interface IntegrationOnDisk {
  branch: boolean;
  worktree: string | undefined;
  /**
   * The feature branches there are (`baton/<id>`) and, per feature id, the newest tip `baton clean`
   * kept of its removed branch (a full ref); undefined when not asked.
   */
  refs?: { branches: ReadonlySet<string>; kept: ReadonlyMap<string, string> } | undefined;
}

/** The conflict the integration waits on: a feature whose latest merge is a conflict (the one rule `--continue` goes on from). */
export function pendingConflict(merges: readonly MergeRecord[]): MergeRecord | undefined {
  const latest = new Map<string, MergeRecord>();
  for (const m of merges) latest.set(m.feature_id, m);
  return [...latest.values()].find((m) => m.outcome === 'conflict');
}

/**
 * The merge the last tests failed after, with its conflict when that merge was one resolved in this
 * attempt (then `--continue` takes up the resolution again); undefined when the last tests passed.
 */
export function failedMerge(integration: Pick<BatonState['integration'], 'merges' | 'tests'>):
  | {
      feature_id: string;
      exit_code: number | null;
      left?: string;
      conflict?: MergeRecord;
      merge?: MergeRecord;
    }
  | undefined {
  const failed = integration.tests.at(-1);
  if (failed === undefined || failed.passed) return undefined;
  const id = failed.after_feature;
  const conflict = integration.merges.findLast((m) => m.feature_id === id && m.outcome === 'conflict');
  const merge = integration.merges.findLast((m) => m.feature_id === id && m.outcome === 'clean');
  return {
    feature_id: id,
    exit_code: failed.exit_code,
    ...(failed.left !== undefined ? { left: failed.left } : {}),
    ...(conflict ? { conflict } : {}),
    ...(merge ? { merge } : {}),
  };
}

/** Where the integration stopped, read from its merges and tests. */
function stopOf(integration: BatonState['integration'], testsFailed: boolean): IntegrationStop | undefined {
  if (testsFailed) {
    const f = failedMerge(integration);
    if (f === undefined) return undefined;
    const resolved =
      f.conflict && f.merge?.commit !== undefined
        ? { by: f.merge.resolved ?? 'by-hand', commit: f.merge.commit }
        : undefined;
    return {
      kind: 'tests-failed',
      feature_id: f.feature_id,
      exit_code: f.exit_code,
      resolved,
      ...(f.left !== undefined ? { left: f.left, merge_commit: f.merge?.commit } : {}),
    };
  }
  const c = pendingConflict(integration.merges);
  return c
    ? { kind: 'conflict', feature_id: c.feature_id, files: [...c.files], with: [...c.with] }
    : undefined;
}

function howOf(integration: BatonState['integration']): UnfinishedIntegration['how'] | undefined {
  if (integration.open) return 'killed';
  const outcome = integration.outcome;
  return outcome === 'interrupted' || outcome === 'conflict' || outcome === 'tests-failed'
    ? outcome
    : undefined;
}

/**
 * Whether the last integration is unfinished with nothing working on it, by the log alone:
 * `integrateLive` is false (no live Baton holds its lock) and it stopped short of its end.
 */
export function isUnfinished(integration: BatonState['integration'], integrateLive: boolean): boolean {
  return !integrateLive && integration.started_at !== undefined && howOf(integration) !== undefined;
}

/** The last integration when it is unfinished (`isUnfinished`) and its branch is still there (`disk`). */
export function unfinishedIntegration(
  integration: BatonState['integration'],
  integrateLive: boolean,
  disk: IntegrationOnDisk,
): UnfinishedIntegration | undefined {
  const how = howOf(integration);
  if (integrateLive || integration.started_at === undefined || how === undefined || !disk.branch) {
    return undefined;
  }
  const merged = [
    ...new Set(integration.merges.filter((m) => m.outcome === 'clean').map((m) => m.feature_id)),
  ];
  const stop = stopOf(integration, how === 'tests-failed');
  const flags: ContinueFlags = {
    test: integration.test,
    testTimeoutS: integration.test_timeout_s,
    into: integration.asked_into,
    onConflict: isConflictPolicy(integration.on_conflict) ? integration.on_conflict : undefined,
    ids: integration.named,
    base: integration.base_ref,
    include: integration.include,
  };
  const worktree = disk.worktree;
  const gone = how === 'tests-failed' ? [] : goneBranches(integration.order, merged, stop, disk);
  // Failed tests are fixed on the feature's branch, or a resolution in the worktree (`testsFailedAdvice`);
  // anything else goes on in the worktree, or starts over when none is proven.
  // What the test command left is put back first; then the integration starts over.
  const command =
    stop?.kind === 'tests-failed' && stop.left !== undefined
      ? freshCommand(flags)
      : stop?.kind === 'tests-failed'
        ? afterTestsFailedCommand({ ...stop, worktree }, flags)
        : worktree !== undefined && gone.length === 0
          ? continueCommand(flags)
          : freshCommand(flags);
  return {
    how,
    merged,
    order: [...integration.order],
    stop,
    worktree,
    flags,
    command,
    testFromLog: integration.test !== undefined,
    gone,
  };
}

/**
 * The features still to merge (in `order`, neither merged nor the conflict stopped at, which is merged
 * already in the worktree) whose branch `disk` does not show, with the tip `baton clean` kept of each.
 */
function goneBranches(
  order: readonly string[],
  merged: readonly string[],
  stop: IntegrationStop | undefined,
  disk: IntegrationOnDisk,
): UnfinishedIntegration['gone'] {
  const refs = disk.refs;
  if (refs === undefined) return [];
  const done = new Set(merged);
  if (stop?.kind === 'conflict') done.add(stop.feature_id);
  return order
    .filter((id) => !done.has(id) && !refs.branches.has(featureBranch(id)))
    .map((id) => ({ id, kept: refs.kept.get(id) }));
}

/**
 * What to do when branches it has still to merge are gone (a clause; raw text, the caller escapes it):
 * put each back from the tip `baton clean` kept and go on, or start over without them.
 */
function goneAdvice(u: UnfinishedIntegration, continued: string): string {
  const names = u.gone.map((g) => featureBranch(g.id));
  const them = names.length === 1 ? 'it' : 'them';
  const what = `${names.join(', ')}, which it has still to merge, ${names.length === 1 ? 'no longer exists' : 'no longer exist'} (\`baton clean\` removes a feature's branch)`;
  const kept = u.gone.filter((g) => g.kept !== undefined);
  const putBackAll =
    u.worktree !== undefined && kept.length === u.gone.length
      ? `put ${them} back from the tip baton clean kept (${kept.map((g) => `git branch ${featureBranch(g.id)} ${g.kept}`).join('; ')}), then run \`${continued}\`; or `
      : '';
  return `${what}: ${putBackAll}start over without ${them} with \`${u.command}\``;
}

/** Why it stopped at `stop`, in words (raw text: the caller escapes it). */
export function stopReason(stop: IntegrationStop): string {
  return stop.kind === 'conflict'
    ? `conflict in ${stop.files.join(', ')} with ${otherSides({ with: stop.with }).join(', ')}`
    : stop.left !== undefined
      ? `tests after merging ${stop.feature_id}: ${stop.left}`
      : `tests failed after merging ${stop.feature_id}, exit ${stop.exit_code ?? 'none'}`;
}

/**
 * What to do when the test command left what it must not (a clause; raw text, the caller escapes it),
 * as `integrate` says it: put the integration worktree back to the merge, fix the test command, start
 * over (a fresh start refuses a worktree with changes).
 */
function leftBehindAdvice(
  stop: Extract<IntegrationStop, { kind: 'tests-failed' }>,
  worktree: string | undefined,
  fresh: string,
): string {
  // The log's commit is anyone's to write: printed in a command only when it is a commit id.
  const back = stop.merge_commit !== undefined && isObjectId(stop.merge_commit) ? stop.merge_commit : 'HEAD';
  const put = worktree === undefined ? WORKTREE_NOT_FOUND : putBack(worktree, back);
  return `${put}, fix the test command (it must leave the integration as it found it), then start over with \`${fresh}\``;
}

const HOW: Record<UnfinishedIntegration['how'], string> = {
  killed:
    'the last integration never recorded its end (its `baton integrate` was killed, or stopped at an error it printed)',
  interrupted: 'the last integration was interrupted',
  conflict: 'the last integration stopped',
  'tests-failed': 'the last integration stopped',
};

/**
 * What `status` and `doctor` say of it (raw text: the caller escapes it): what happened, where it
 * stopped and what it merged, and how to go on in the words `baton integrate` uses (resolve the
 * conflict, fix what failed the tests, or the `--continue`; or start over); `status` prints
 * `<what>: <goOn>`.
 */
export function describeUnfinished(u: UnfinishedIntegration): { what: string; goOn: string } {
  const at = u.stop ? ` at ${u.stop.feature_id} (${stopReason(u.stop)})` : '';
  const list = u.merged.length > 0 ? ` (${u.merged.join(', ')})` : '';
  const note = u.testFromLog ? TEST_FROM_LOG : undefined;
  const next = { command: u.command, note };
  // Starting over runs the same tests and moves the same branch as the integration that stopped.
  const startOver = `, or start over with \`${freshCommand(u.flags)}\``;
  const goOn =
    u.gone.length > 0
      ? `${goneAdvice(u, continueCommand(u.flags))}${note ?? ''}`
      : u.stop?.kind === 'tests-failed' && u.stop.left !== undefined
        ? `${leftBehindAdvice(u.stop, u.worktree, u.command)}${note ?? ''}`
        : u.stop?.kind === 'tests-failed'
          ? testsFailedAdvice({ ...u.stop, worktree: u.worktree }, u.flags, note)
          : u.worktree === undefined
            ? `${WORKTREE_NOT_FOUND}: start over with \`${u.command}\`${note ?? ''}`
            : u.stop?.kind === 'conflict'
              ? `${resolveThenContinue(u.stop.feature_id, u.worktree, next)}${startOver}`
              : `go on with \`${u.command}\`${note ?? ''}${startOver}`;
  return { what: `${HOW[u.how]}${at}, merged ${u.merged.length} of ${u.order.length}${list}`, goOn };
}
