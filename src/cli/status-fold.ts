/** `baton status`'s fold of the log, with the ends of dead runs inferred at each redraw. */
import {
  hasDeadOpenRun,
  interruptionEvents,
  livenessNow,
  type OrchestratorProbe,
} from '../guard/liveness.js';
import { applyEvent, type BatonState, initialState } from '../log/fold.js';
import { type ProblemTally, tallyProblem } from '../log/problem-tally.js';
import type { LogTailer } from '../log/tail.js';

/**
 * The state `status` shows, folded as the log is read (a million-event log is never held at once), with
 * the ends dead runs never wrote inferred at each redraw. Who is alive is asked before the last read of
 * each look: a run that finished meanwhile is read ending, never taken for one whose orchestrator died; a
 * redraw with nothing read since (the ticking clock) asks then, and an end inferred too soon gives way
 * to the run's own.
 */
export class StatusFold {
  state: BatonState = initialState();
  #asked: OrchestratorProbe | undefined;
  readonly #liveness: OrchestratorProbe;
  readonly #problems: ProblemTally;
  readonly #tailer: LogTailer | undefined;

  constructor(liveness: OrchestratorProbe, problems: ProblemTally, tailer: LogTailer | undefined) {
    this.#liveness = liveness;
    this.#problems = problems;
    this.#tailer = tailer;
  }

  /**
   * Reads what the log gained (--watch); true when it advanced. Who is alive is asked between two
   * reads: after the first, so the runs it asks about are those the log holds (on a first look, or a
   * log rewritten, the state knew none, and a run not asked about is taken for live), and before the
   * second, which brings the end of a run that finished meanwhile (`livenessNow`).
   */
  pull(): boolean {
    const read = () =>
      this.#tailer!.read({
        reset: () => {
          this.state = initialState();
        },
        event: (e) => applyEvent(this.state, e),
        problem: (pr) => tallyProblem(this.#problems, pr),
      }).advanced;
    const advanced = read();
    this.#asked = livenessNow(this.state, this.#liveness);
    return read() || advanced;
  }

  /** Whether a run the state shows open has lost its orchestrator: a redraw would show it ended. */
  deadRunOpen(): boolean {
    return hasDeadOpenRun(this.state, this.#liveness);
  }

  /** The state with the ends of dead runs applied, for one redraw. */
  settled(): BatonState {
    const alive = this.#asked ?? this.#liveness;
    this.#asked = undefined;
    for (const e of interruptionEvents(this.state, alive)) applyEvent(this.state, e);
    return this.state;
  }
}
