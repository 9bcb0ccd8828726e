/**
 * What Baton does when the reader of its output goes away: a pipe whose reader exited (EPIPE:
 * `baton status | head`, a `tee` that died) or a terminal that was closed (EIO on a hung-up tty).
 *
 * A short command's output is its whole product, so it ends quietly with the exit code it had
 * (issue #17). A command whose work must reach its recorded end (run, integrate, verify, worker…)
 * holds `keepRunning()` meanwhile: the closed stream is muted and the work carries on, every event
 * still recorded in the log; a closed terminal also sends SIGHUP, whose interrupt path stops the
 * agents and records that. Output that cannot be written (stdout on a full disk: ENOSPC, EFBIG,
 * EDQUOT) is treated alike, but said on stderr, and a short command then exits 1: its product was
 * lost. Either way nothing is thrown from a stream's `error` event any more.
 */
import { closeSync, constants, fstatSync, openSync, writeSync } from 'node:fs';

/** The write errors that mean the reader is gone, not that Baton did something wrong; any other is output lost. */
const GONE_CODES = new Set(['EPIPE', 'EIO']);

/** The process's output streams and what becomes of them when their reader goes. */
export class ClosedOutput {
  readonly #stderr: NodeJS.WriteStream;
  readonly #gone = new Set<NodeJS.WriteStream>();
  #keeping = 0;
  #terminalMayBeClosed = false;

  constructor(stdout: NodeJS.WriteStream, stderr: NodeJS.WriteStream) {
    this.#stderr = stderr;
    stdout.on('error', (err: NodeJS.ErrnoException) => this.#onError(stdout, err));
    stderr.on('error', (err: NodeJS.ErrnoException) => this.#onError(stderr, err));
    // Node restores a terminal's settings at exit and aborts on a hung-up one: give it /dev/null instead.
    process.once('exit', () => {
      if (this.#terminalMayBeClosed) releaseClosedTerminal();
    });
  }

  /** Writes `text` to `stream` unless its reader is gone. */
  write(stream: NodeJS.WriteStream, text: string): void {
    if (!this.#gone.has(stream)) stream.write(text);
  }

  /** While held, a closed output is muted instead of ending the process; returns the release. */
  keepRunning(): () => void {
    this.#keeping++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#keeping--;
    };
  }

  /** A SIGHUP came: the terminal may be gone even if nothing was written to it since. */
  noteHangup(): void {
    this.#terminalMayBeClosed = true;
  }

  #onError(stream: NodeJS.WriteStream, err: NodeJS.ErrnoException): void {
    if (typeof err.code !== 'string') throw err;
    if (err.code === 'EIO') this.#terminalMayBeClosed = true;
    if (this.#gone.has(stream)) return;
    this.#gone.add(stream);
    // A reader that went is the reader's choice; output that could not be written (a full disk:
    // ENOSPC, EFBIG, EDQUOT) is output lost, said on stderr and, for a short command, a failure.
    const gone = GONE_CODES.has(err.code);
    const why = gone ? 'was closed' : `cannot be written (${err.message.replace(/, write$/, '')})`;
    if (this.#keeping === 0) {
      if (!gone && stream !== this.#stderr) this.write(this.#stderr, `baton: standard output ${why}\n`);
      process.exit(gone && typeof process.exitCode === 'number' ? process.exitCode : gone ? 0 : 1);
    }
    // Said once, on stderr when it is still read (`baton run | tee run.log` and tee died); never on stdout.
    if (stream !== this.#stderr) {
      this.write(
        this.#stderr,
        `baton: standard output ${gone ? `was closed (${err.code})` : why}: carrying on without printing; every event is still recorded in the log (baton status shows it)\n`,
      );
    }
  }
}

/**
 * Puts /dev/null in the place of every standard descriptor on a terminal that has hung up (a write
 * of nothing fails with EIO), lowest first so each open takes the number just closed: Node's exit
 * restores the settings of a terminal it started on and aborts (a native assertion) when it cannot.
 */
function releaseClosedTerminal(): void {
  const dead = [0, 1, 2].filter((fd) => writeFails(fd) === 'EIO');
  if (dead.length === 0) return;
  const devices = new Set(dead.map((fd) => fstatSync(fd).rdev));
  for (const fd of [0, 1, 2]) {
    // stdin shares the terminal but may be open for reading only: known by its device.
    if (!dead.includes(fd) && !sameTerminal(fd, devices)) continue;
    try {
      closeSync(fd);
      const opened = openSync('/dev/null', fd === 0 ? constants.O_RDONLY : constants.O_WRONLY);
      // Another descriptor below was already closed: leave this one closed (Node skips those).
      if (opened !== fd) closeSync(opened);
    } catch {
      // Nothing better to do at exit.
    }
  }
}

/** The code a write of nothing to `fd` fails with, or undefined when it succeeds. */
function writeFails(fd: number): string | undefined {
  try {
    writeSync(fd, '');
    return undefined;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code ?? 'unknown';
  }
}

/** Whether `fd` is a character device among `devices`. */
function sameTerminal(fd: number, devices: ReadonlySet<number>): boolean {
  try {
    const s = fstatSync(fd);
    return s.isCharacterDevice() && devices.has(s.rdev);
  } catch {
    return false;
  }
}
