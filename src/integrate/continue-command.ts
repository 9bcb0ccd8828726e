/**
 * The one `baton integrate --continue …` every hint names (pure): `--continue` takes neither the test
 * command nor the branch to move from the log, only from its command line, so a hint that left them
 * out would run another test (the config's) or move nothing. Every place that tells the user how to go
 * on builds the command here, so stdout, stderr and the refusals never disagree; and the advice around
 * it (resolve the conflict, fix what failed the tests), which `integrate` and `status` both give.
 */
import { printableArg } from '../agents/shell-words.js';
import { featureBranch } from '../git/refs.js';
import type { Session } from './session.js';

/** What the command carries: the test command the integration runs, and the branch it is to move. */
export interface ContinueFlags {
  test?: string | undefined;
  into?: string | undefined;
}

/** Said after a command whose `--test` Baton read from the log: the log is anyone's to write. */
export const TEST_FROM_LOG =
  ' (its --test is the command the integration began with, as the log records it: read it first)';

/** `baton integrate --continue [--test <cmd>] [--into <branch>]`, each argument ready to paste. */
export function continueCommand(flags: ContinueFlags): string {
  const test = flags.test !== undefined ? ` --test ${printableArg(flags.test)}` : '';
  const into = flags.into !== undefined ? ` --into ${printableArg(flags.into)}` : '';
  return `baton integrate --continue${test}${into}`;
}

/** The `--continue` that goes on with this invocation's integration: its test command and `--into`. */
export function continueCommandOf(session: Session): string {
  return continueCommand({ test: session.test, into: session.s.into });
}

/** A command to run as a hint shows it: in backquotes, then what to know of it (`TEST_FROM_LOG`), if anything. */
export interface ShownCommand {
  command: string;
  note?: string | undefined;
}

function shown(c: ShownCommand): string {
  return `\`${c.command}\`${c.note ?? ''}`;
}

/** The clause as a sentence: capitalised, with its full stop. */
export function asSentence(clause: string): string {
  return `${clause.charAt(0).toUpperCase()}${clause.slice(1)}.`;
}

/**
 * How to go on with a merge stopped at a conflict, left in progress in `worktree` for a person to
 * resolve (a clause; raw text, the caller escapes it): resolve it there, then the `--continue`.
 */
export function resolveThenContinue(featureId: string, worktree: string, next: ShownCommand): string {
  return `resolve the conflict of ${featureId} in ${worktree} (and \`git add\`), then run ${shown(next)}`;
}

/** The feature whose merge the tests failed after, where, and, when that merge was a conflict resolved, by whom and its commit. */
export interface TestsFailedAt {
  feature_id: string;
  worktree: string;
  resolved?: { by: 'by-hand' | 'by-agent'; commit: string } | undefined;
}

/**
 * What to do after the tests failed (a clause; raw text, the caller escapes it): fix the feature and
 * start over, unless its merge was a resolved conflict; then the resolution is what broke, fixed where
 * it was made and taken up again by the `--continue` (`next`).
 */
export function testsFailedAdvice(t: TestsFailedAt, next: ShownCommand): string {
  const branch = featureBranch(t.feature_id);
  if (t.resolved === undefined) {
    return `fix it on ${branch}, then run \`baton integrate --fresh\`; the state is in ${t.worktree}`;
  }
  const by = t.resolved.by === 'by-agent' ? 'by the agent' : 'by hand';
  return (
    `the merge of ${branch} was a conflict resolved ${by}: the tests fail on that resolution (${t.resolved.commit.slice(0, 10)}), not on ${branch} alone. ` +
    `Fix the resolution in ${t.worktree} and amend the merge with your fix (git -C ${printableArg(t.worktree)} commit --all --amend --no-edit; \`git add\` a new file first), then run ${shown(next)}; or start over with \`baton integrate --fresh\``
  );
}

/** The two ways to run features that did not pass again, named: keep their work, or start them over. */
export function rerunCommands(ids: readonly string[]): string {
  const named = ids.join(' ');
  const restart = ids.map((id) => ` --restart ${id}`).join('');
  return `baton run --resume ${named} keeps their work; baton run --resume ${named}${restart} starts them over`;
}
