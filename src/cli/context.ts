import type { Clock } from '../log/append.js';
import type { PayloadDropped } from '../log/hook.js';

/** Standard input as `baton hook` reads it: the text, why it was left unread, or undefined (no pipe). */
export type StdinPayload = string | PayloadDropped | undefined;

/** A place to write text: the process's streams in real use, buffers in tests. */
export interface Output {
  write(text: string): void;
  /** Whether this is an interactive terminal (live tables redraw only there). */
  isTTY?: boolean;
  /** The terminal's size, for live views that cut rows to the width and keep to the height. */
  columns?: number;
  rows?: number;
}

/** Everything a command needs from the outside world, so the CLI runs in-process in tests. */
export interface CliContext {
  cwd: string;
  env: NodeJS.ProcessEnv;
  stdout: Output;
  stderr: Output;
  clock: Clock;
  /** Colour only on a TTY, and never when NO_COLOR is set. */
  color: boolean;
  /** Where `baton` itself can be run from, for hooks installed into agents (`node <bin>`). */
  batonBin: string;
  /**
   * Reads all of standard input when it is piped (not a terminal), capped and timed: what was read, why
   * it was not (`PayloadDropped`), or undefined when there is no pipe.
   */
  readStdin(): StdinPayload | Promise<StdinPayload>;
  /** Called by long-running commands to learn of Ctrl-C (or SIGTERM, SIGHUP: its name); returns an unsubscribe function. */
  onInterrupt(handler: (signal?: string) => void): () => void;
  /**
   * Held by commands whose work must reach its recorded end (run, integrate, verify, worker, dashboard):
   * meanwhile a closed output (a pipe whose reader died, a closed terminal) is muted instead of ending
   * the process. Returns the release. Absent where the streams cannot close (tests' buffers).
   */
  keepRunningWithoutOutput?(): () => void;
}
