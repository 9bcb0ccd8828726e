/**
 * What a command left running outside its process group (`setsid … &`, `nohup … &`) once it ended:
 * found by the mark it carried (`CHECK_MARK`), named, and stopped at once or when the Baton command ends.
 * One rule for checks' commands and for the test command after each merge.
 */
import { leftByCheck, type Straggler, stopLeftByCheck } from '../guard/daemons.js';
import { atCommandEnd } from '../process/at-command-end.js';
import { portHeldBy } from './listener-proof.js';

/** What a command left running, and whether it was stopped at once. */
export interface LeftRunning {
  /** The processes carrying its mark once it ended (none: empty). */
  running: Straggler[];
  /** One of the given ports one of them listened on. */
  heldPort?: number;
  /** Stopped before this returned (else stopped when the Baton command ends). */
  stoppedNow: boolean;
}

/**
 * Settles what the command marked `mark` (started at `fromMs` on /proc's clock) left running: stopped
 * at once when one of them listens on one of `ports` (the next command given those ports would meet it
 * there) or when `keep` is false; else left running until the Baton command ends (another check may be
 * using a shared daemon it started: a build server, a compiler cache), then stopped.
 */
export async function settleLeftRunning(
  mark: string,
  fromMs: number | undefined,
  ports: readonly number[],
  keep: boolean,
): Promise<LeftRunning> {
  const running = leftByCheck(mark, fromMs);
  if (running.length === 0) return { running, stoppedNow: false };
  const heldPort = portHeldBy(
    running.map((p) => p.pid),
    ports,
  );
  const stoppedNow = heldPort !== undefined || !keep;
  if (stoppedNow) await stopLeftByCheck(mark, fromMs);
  else atCommandEnd(() => stopLeftByCheck(mark, fromMs));
  return { running, ...(heldPort !== undefined ? { heldPort } : {}), stoppedNow };
}
