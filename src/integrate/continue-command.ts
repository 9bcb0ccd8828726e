/**
 * The one `baton integrate --continue …` every hint names (pure): `--continue` takes neither the test
 * command nor the branch to move from the log, only from its command line, so a hint that left them
 * out would run another test (the config's) or move nothing. Every place that tells the user how to go
 * on builds the command here, so stdout, stderr and the refusals never disagree.
 */
import { printableArg } from '../agents/shell-words.js';
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
