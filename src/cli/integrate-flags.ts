/**
 * `baton integrate`'s flags: the ones that need no project checked, and this command line as the one
 * builder of integrate commands prints it again (`continue-command.ts`), for the hints that name it.
 */
import { UserError } from '../errors.js';
import {
  type ContinueFlags,
  continueCommand,
  freshCommand,
  startCommand,
} from '../integrate/continue-command.js';
import type { ConflictPolicy } from '../integrate/types.js';
import { maxTimerUnits, overflowsTimer } from '../timer-span.js';

/** The flags as commander parses them. */
export interface IntegrateFlags {
  predictOnly?: boolean;
  test?: string;
  testTimeout: string;
  into?: string;
  onConflict?: ConflictPolicy;
  include?: string[];
  continue?: boolean;
  fresh?: boolean;
  base?: string;
  json?: boolean;
}

/** Validates the flags that need no project; returns the test timeout in seconds. */
export function checkFlags(ids: string[], flags: IntegrateFlags): number {
  const testTimeoutS = Number(flags.testTimeout);
  // A timeout longer than a timer can wait would fire at once and stop the test after 1 ms.
  if (!Number.isFinite(testTimeoutS) || testTimeoutS <= 0 || overflowsTimer(testTimeoutS, 1000)) {
    throw new UserError(
      'integrate/bad-timeout',
      `--test-timeout must be a positive number of seconds, at most ${maxTimerUnits(1000)} (about 24 days: a longer wait overflows Node's timers), got "${flags.testTimeout}"`,
      { exitCode: 2 },
    );
  }
  if (flags.continue && (ids.length > 0 || flags.predictOnly || flags.fresh || flags.base || flags.include)) {
    throw new UserError(
      'integrate/bad-continue',
      '--continue goes on with the integration in progress; it takes no ids, --predict-only, --fresh, --base or --include',
      { exitCode: 2 },
    );
  }
  return testTimeoutS;
}

/**
 * What the commands that go on with this invocation carry of its command line (`ContinueFlags`): its
 * `--test` (the config's needs no saying), `--test-timeout`, `--into`, `--on-conflict`, and what a
 * start takes: the features named, `--base` as given and `--include`.
 */
export function commandFlags(
  ids: readonly string[],
  flags: IntegrateFlags,
  include: readonly string[],
  testTimeoutS: number,
): ContinueFlags {
  return {
    test: flags.test,
    testTimeoutS,
    into: flags.into,
    onConflict: flags.onConflict,
    ids,
    base: flags.base,
    include,
  };
}

/** This command line again, as the one builder prints it: its mode (`--continue`, `--fresh` or neither) and its flags. */
export function againCommand(c: ContinueFlags, flags: IntegrateFlags): string {
  return flags.continue ? continueCommand(c) : flags.fresh ? freshCommand(c) : startCommand(c);
}
