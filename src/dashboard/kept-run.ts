/**
 * The events the dashboard keeps for its report: the latest run's alone, cut from the log by the rule
 * `baton report` cuts it with (`RunSegmenter`), the earlier runs' forgotten as runs start, so memory
 * follows the size of one run rather than of the log's whole history.
 */
import type { LogEvent } from '../log/events.js';
import { streamLog } from '../log/read.js';
import type { RunSegment } from '../metrics/run-segmenter.js';
import { RunSegmenter } from '../metrics/run-segmenter.js';

/** The latest run's events of one log, as it is read. */
export class KeptRun {
  readonly #path: string;
  #runs = new RunSegmenter({ forget: true });
  /** Events read from the log since it was (re)started. */
  #read = 0;
  /** Events inferred at read time (never written), each batch with how many read events came before it. */
  #inferred: { after: number; events: readonly LogEvent[] }[] = [];

  constructor(path: string) {
    this.#path = path;
  }

  /** How many events are kept (the latest run's, and the few phase events it leaves out). */
  get size(): number {
    return this.#runs.kept;
  }

  /** The latest run's events, as `selectRun` gives them for the log read so far. */
  latest(): RunSegment | undefined {
    return this.#runs.latest();
  }

  /** Takes the next event read from the log. */
  push(e: LogEvent): void {
    this.#runs.push(e);
    this.#read++;
  }

  /** Takes events inferred at read time (a dead run's interruption), which the log itself does not hold. */
  pushInferred(events: readonly LogEvent[]): void {
    for (const e of events) this.#runs.push(e);
    this.#inferred.push({ after: this.#read, events });
  }

  /** Forgets everything: the log was truncated or replaced and is read again from its start. */
  restart(): void {
    this.#runs = new RunSegmenter({ forget: true });
    this.#read = 0;
    this.#inferred = [];
  }

  /**
   * After a read up to byte `offset`: when the latest run is a `run --resume` of a run already
   * forgotten (another run started between them), reads the log again up to there, keeping that run.
   */
  recover(offset: number): void {
    if (!this.#runs.lacking) return;
    const runs = new RunSegmenter({ forget: true, retain: new Set(this.#runs.neededCuts()) });
    let read = 0;
    let next = 0;
    const inferredSoFar = () => {
      for (; next < this.#inferred.length && this.#inferred[next]!.after <= read; next++)
        for (const e of this.#inferred[next]!.events) runs.push(e);
    };
    streamLog(
      this.#path,
      { offset: 0, line: 0 },
      { maxBytes: offset },
      {
        event: (e) => {
          inferredSoFar();
          runs.push(e);
          read++;
        },
        problem: () => {},
      },
    );
    inferredSoFar();
    runs.release();
    this.#runs = runs;
  }
}
