/**
 * The one `baton integrate …` every hint names (pure): `--continue` takes neither the test command,
 * the branch to move nor the conflict policy from the log, only from its command line, and a start
 * over takes its features, `--base` and `--include` from its command line alone, so a hint that left
 * one out would run another test (the config's), move nothing, stop at a conflict it was to skip, or
 * integrate other features from another base. Every place that tells the user how to go on builds the
 * command here, so stdout, stderr and the refusals never disagree; and the advice around it (resolve
 * the conflict, fix what failed the tests), which `integrate` and `status` both give.
 */
import { printableArg } from '../agents/shell-words.js';
import { featureBranch } from '../git/refs.js';
import type { IntegrationStarted } from '../log/events.js';
import { resumeRunCommand } from '../runner/resume-command.js';
import type { Session } from './session.js';
import { type ConflictPolicy, isConflictPolicy } from './types.js';

/**
 * What the command carries: every flag that changes what an integration does. `--continue` names the
 * first four; a start over names them all.
 */
export interface ContinueFlags {
  test?: string | undefined;
  /** `--test-timeout` in seconds: named only when not `DEFAULT_TEST_TIMEOUT_S` (a suite that needs longer). */
  testTimeoutS?: number | undefined;
  into?: string | undefined;
  /** `--on-conflict`: named only when not `stop`, the default (`namedPolicy`). */
  onConflict?: ConflictPolicy | undefined;
  /** The features named (`baton integrate a b`); none: every feature with a branch. A start's only. */
  ids?: readonly string[] | undefined;
  /** `--base` as it was given; none: the default base. A start's only. */
  base?: string | undefined;
  /** `--include`'s statuses. A start's only. */
  include?: readonly string[] | undefined;
}

/** `--test-timeout`'s default, in seconds: the test command is stopped after this long. */
export const DEFAULT_TEST_TIMEOUT_S = 900;

/**
 * The `--test-timeout` worth naming (seconds), or undefined for the default or a value that is no
 * timeout (a log line is anyone's to write): the one rule for what the commands and the log carry.
 */
export function namedTestTimeout(seconds: number | undefined): number | undefined {
  return seconds !== undefined &&
    Number.isFinite(seconds) &&
    seconds > 0 &&
    seconds !== DEFAULT_TEST_TIMEOUT_S
    ? seconds
    : undefined;
}

/** Said after a command whose `--test` Baton read from the log: the log is anyone's to write. */
export const TEST_FROM_LOG =
  ' (its --test is the command the integration began with, as the log records it: read it first)';

/**
 * What a command shows for `--into` when no branch was named: the placeholder the user replaces,
 * printed as it is (quoting it would make it look like a real argument).
 */
export const ANY_BRANCH = '<branch>';

/** The `--on-conflict` worth naming, or undefined for the default (`stop`) or a value that is no policy. */
function namedPolicy(policy: string | undefined): ConflictPolicy | undefined {
  return isConflictPolicy(policy) && policy !== 'stop' ? policy : undefined;
}

/**
 * `baton integrate [ids…] [<mode>] [--test <cmd>] [--test-timeout <s>] [--into <branch>] [--base <ref>]
 * [--include <statuses>] [--on-conflict <policy>]`, each argument ready to paste; the timeout only when
 * not the default (`namedTestTimeout`): without it, a suite that needs longer would be stopped at the
 * default on the way on. A `--continue` names neither features, `--base` nor `--include` (it refuses them).
 */
function integrateCommand(mode: '--continue' | '--fresh' | undefined, flags: ContinueFlags): string {
  const start = mode !== '--continue';
  const named = start ? (flags.ids ?? []).map((id) => ` ${printableArg(id)}`).join('') : '';
  const test = flags.test !== undefined ? ` --test ${printableArg(flags.test)}` : '';
  const seconds = namedTestTimeout(flags.testTimeoutS);
  const timeout = seconds !== undefined ? ` --test-timeout ${seconds}` : '';
  const into =
    flags.into === undefined
      ? ''
      : ` --into ${flags.into === ANY_BRANCH ? ANY_BRANCH : printableArg(flags.into)}`;
  const base = start && flags.base !== undefined ? ` --base ${printableArg(flags.base)}` : '';
  const statuses = start ? (flags.include ?? []) : [];
  const include = statuses.length > 0 ? ` --include ${printableArg(statuses.join(','))}` : '';
  const policy = namedPolicy(flags.onConflict);
  const onConflict = policy !== undefined ? ` --on-conflict ${policy}` : '';
  return `baton integrate${named}${mode ? ` ${mode}` : ''}${test}${timeout}${into}${base}${include}${onConflict}`;
}

/** `baton integrate --continue [--test <cmd>] [--test-timeout <s>] [--into <branch>] [--on-conflict <policy>]`, each argument ready to paste. */
export function continueCommand(flags: ContinueFlags): string {
  return integrateCommand('--continue', flags);
}

/**
 * `baton integrate [ids…] --fresh …`: the start over that integrates the features it was given, from
 * the base it was given, runs the tests the integration began with, given as long, meets a conflict
 * the same way, and moves the branch it was to move (a bare `--fresh` would take every feature from
 * the default base, run the config's test, or none, and move nothing).
 */
export function freshCommand(flags: ContinueFlags): string {
  return integrateCommand('--fresh', flags);
}

/** `baton integrate [ids…] …` with neither `--continue` nor `--fresh`: the same start again. */
export function startCommand(flags: ContinueFlags): string {
  return integrateCommand(undefined, flags);
}

/**
 * The flags an integration began with, as its `integration.started` records them (pure): a log line
 * is anyone's to write, so only what the schema took is named, each argument quoted by the builder, and
 * a test command read from it is said so (`TEST_FROM_LOG`). `testTimeoutS` is the latest (a later
 * end's `test_timeout_s`), when the caller knows it.
 */
export function loggedFlags(
  started: IntegrationStarted,
  testTimeoutS = started.test_timeout_s,
): ContinueFlags {
  return {
    test: started.test,
    testTimeoutS,
    into: started.into,
    onConflict: namedPolicy(started.on_conflict),
    ...startOnlyFlags(started),
  };
}

/** What only a start takes (the features named, `--base`, `--include`), as `integration.started` records it. */
export function startOnlyFlags(started: IntegrationStarted): Pick<ContinueFlags, 'ids' | 'base' | 'include'> {
  return {
    ...(started.named !== undefined && started.named.length > 0 ? { ids: started.named } : {}),
    ...(started.base_ref !== undefined ? { base: started.base_ref } : {}),
    ...(started.include !== undefined && started.include.length > 0 ? { include: started.include } : {}),
  };
}

/**
 * Said instead of a path when no worktree is proven the integration's (`provenIntegrationWorktree`):
 * the log's path is anyone's to write, so no command is pointed at it.
 */
export const WORKTREE_NOT_FOUND =
  'the integration worktree could not be found (git lists no worktree of this repository with baton/integration checked out)';

/** The `--continue` that goes on with this invocation's integration (`sessionFlags`). */
export function continueCommandOf(session: Session): string {
  return continueCommand(sessionFlags(session));
}

/** The `--fresh` that starts this invocation's integration over (`sessionFlags`). */
export function freshCommandOf(session: Session): string {
  return freshCommand(sessionFlags(session));
}

/**
 * The flags of this invocation's go-on commands: its test command, `--test-timeout`, `--into` and
 * conflict policy, and what its integration began with of the features named, `--base` and `--include`.
 */
export function sessionFlags(session: Session): ContinueFlags {
  return {
    test: session.test,
    testTimeoutS: session.s.testTimeoutMs / 1000,
    into: session.s.into,
    onConflict: session.policy,
    ids: session.named,
    base: session.baseRef,
    include: session.include,
  };
}

/** A command to run as a hint shows it: in backquotes, then what to know of it (`TEST_FROM_LOG`), if anything. */
export interface ShownCommand {
  command: string;
  note?: string | undefined;
}

function shown(c: ShownCommand): string {
  return `\`${c.command}\`${c.note ?? ''}`;
}

/** The clause with a capital first letter. */
function capitalised(clause: string): string {
  return `${clause.charAt(0).toUpperCase()}${clause.slice(1)}`;
}

/** The clause as a sentence: capitalised, with its full stop. */
export function asSentence(clause: string): string {
  return `${capitalised(clause)}.`;
}

/**
 * How to go on with a merge stopped at a conflict, left in progress in `worktree` for a person to
 * resolve (a clause; raw text, the caller escapes it): resolve it there, then the `--continue`.
 */
export function resolveThenContinue(featureId: string, worktree: string, next: ShownCommand): string {
  return `resolve the conflict of ${featureId} in ${worktree} (and \`git add\`), then run ${shown(next)}`;
}

/**
 * The feature whose merge the tests failed after, the integration's worktree (undefined when none is
 * proven: `WORKTREE_NOT_FOUND`), and, when that merge was a conflict resolved, by whom and its commit.
 */
export interface TestsFailedAt {
  feature_id: string;
  worktree: string | undefined;
  resolved?: { by: 'by-hand' | 'by-agent'; commit: string } | undefined;
}

/**
 * The command that goes on after the tests failed: the `--continue` when the merge was a resolved
 * conflict (the resolution is fixed where it was made), else a fresh start (the feature is fixed on its
 * branch); a fresh start too when no integration worktree is proven, as `--continue` would refuse.
 */
export function afterTestsFailedCommand(t: TestsFailedAt, flags: ContinueFlags): string {
  return t.resolved !== undefined && t.worktree !== undefined ? continueCommand(flags) : freshCommand(flags);
}

/**
 * What to do after the tests failed (a clause; raw text, the caller escapes it), the one text
 * `integrate`, `status` and `doctor` give: fix the feature on its branch, verify it (a fresh start
 * leaves out a feature whose checks passed on another commit) and start over with the test and
 * `--into` the integration began with; unless its merge was a resolved conflict: then the resolution is
 * what broke, fixed where it was made and taken up again by the `--continue`. `note` follows the
 * command (`TEST_FROM_LOG`).
 */
export function testsFailedAdvice(t: TestsFailedAt, flags: ContinueFlags, note = ''): string {
  const branch = featureBranch(t.feature_id);
  const next = shown({ command: afterTestsFailedCommand(t, flags), note });
  if (t.resolved === undefined) {
    const where = t.worktree !== undefined ? `the state is in ${t.worktree}` : WORKTREE_NOT_FOUND;
    return `fix it on ${branch} (commit the fix there), then run \`baton verify ${t.feature_id}\`, then ${next}; ${where}`;
  }
  const by = t.resolved.by === 'by-agent' ? 'by the agent' : 'by hand';
  const what = `the merge of ${branch} was a conflict resolved ${by}: the tests fail on that resolution (${t.resolved.commit.slice(0, 10)}), not on ${branch} alone. `;
  if (t.worktree === undefined) return `${what}${capitalised(WORKTREE_NOT_FOUND)}: start over with ${next}`;
  return (
    `${what}Fix the resolution in ${t.worktree} and amend the merge with your fix (git -C ${printableArg(t.worktree)} commit --all --amend --no-edit; \`git add\` a new file first), then run ${next}; ` +
    `or start over with \`${freshCommand(flags)}\``
  );
}

/**
 * How the integration worktree is put back to the commit Baton made (`commit`, at most 12 characters
 * shown) after a test command or criterion changed it: the one wording `integrate`, `status` and
 * `doctor` give.
 */
export function putBack(worktree: string, commit: string): string {
  return `put it back (git -C ${printableArg(worktree)} reset --hard ${commit.slice(0, 12)})`;
}

/** The two ways to run features that did not pass again, named: keep their work, or start them over. */
export function rerunCommands(ids: readonly string[]): string {
  return `${resumeRunCommand(ids)} keeps their work; ${resumeRunCommand(ids, {}, { restart: ids })} starts them over`;
}
