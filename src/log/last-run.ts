/**
 * Finds the last run in the log by reading it from the end, so commands that only need the latest
 * run (its id, where it starts, its features' state) cost the size of that run, not of the whole history.
 */
import { statSync } from 'node:fs';
import { eventOfLine, linesBackward } from './backward.js';
import type { LogEvent } from './events.js';
import { applyEvent, type BatonState, initialState } from './fold.js';
import { type LogProblem, streamLog } from './read.js';

/** The last `run.started` line of a log, where it begins, and how many bytes were read to find it. */
export interface LastRunStart {
  run_id: string;
  /** Byte offset of the line in the log: folding from here gives the last run alone. */
  offset: number;
  bytesRead: number;
  /** The start continued an earlier run (`baton run --resume`). */
  resume: boolean;
  /** A feature of the run runs in a tmux window (false for runs logged before Baton said so). */
  interactive: boolean;
  /** The private tmux server of its windows (`BATON_TMUX_SOCKET`); undefined: the default one. */
  tmux_socket?: string | undefined;
}

/**
 * The last `run.started` that begins before byte `before` (default: the end), read backwards in
 * chunks; undefined when there is none or the log is missing. A line counts only when the forward
 * reader would take it as a `run.started` event.
 */
export function findLastRunStart(logPath: string, before?: number): LastRunStart | undefined {
  const read = { bytes: 0 };
  for (const { line, offset } of linesBackward(logPath, read, before)) {
    const ev = eventOfLine(line, 'run.started');
    if (ev?.type === 'run.started') {
      return {
        run_id: ev.run_id,
        resume: ev.resume === true,
        interactive: ev.interactive === true,
        ...(ev.tmux_socket !== undefined ? { tmux_socket: ev.tmux_socket } : {}),
        offset,
        bytesRead: read.bytes,
      };
    }
  }
  return undefined;
}

/** The last `integration.started` of the log, read from its end, if any. */
function findLastIntegrationStart(logPath: string): { run_id?: string | undefined } | undefined {
  for (const { line } of linesBackward(logPath, { bytes: 0 })) {
    const ev = eventOfLine(line, 'integration.started');
    if (ev?.type === 'integration.started') return ev;
  }
  return undefined;
}

/**
 * The run an integrate invocation's events belong to: for a new integration the last run; for
 * `--continue` (`continuing`), the run the attempt it goes on with began in, even when another run
 * started since (the report's rule, `RunSegmenter`).
 */
export function findIntegrationRun(logPath: string, continuing: boolean): string | undefined {
  const attempt = continuing ? findLastIntegrationStart(logPath) : undefined;
  if (attempt !== undefined) return attempt.run_id;
  return findLastRunStart(logPath)?.run_id;
}

/**
 * Where the last run begins counting its continuations: a `run --resume` start goes on with the
 * run before it, so the search steps back over resumed starts to the fresh one they continue.
 */
export function findLastRunChain(logPath: string): LastRunStart | undefined {
  let found = findLastRunStart(logPath);
  let bytesRead = found?.bytesRead ?? 0;
  while (found?.resume && found.offset > 0) {
    const earlier = findLastRunStart(logPath, found.offset);
    if (earlier === undefined) break;
    bytesRead += earlier.bytesRead;
    found = earlier;
  }
  return found && { ...found, bytesRead };
}

/** The fold of the last run (from its first start on), and how many bytes it took. */
export interface LastRunFold {
  state: BatonState;
  /** Line numbers count from the run's first line. */
  problems: LogProblem[];
  /** Where the folded bytes begin (the run's first `run.started`; 0 when the log has no run). */
  offset: number;
  /** Bytes read in all: the backward search plus the run's own bytes. */
  bytesRead: number;
  /** The features the run's starts listed, its resumes' included, in first-listed order. */
  featureIds: string[];
}

/**
 * Folds only the last run's bytes (with the runs it resumed), for commands that act on the current
 * run (`attach`, `send`): features of earlier runs and phases opened before the run are not in it.
 * A log without any run is folded whole (it holds no run to skip to).
 */
export function foldLastRun(logPath: string): LastRunFold {
  const start = findLastRunChain(logPath);
  const state = initialState();
  const problems: LogProblem[] = [];
  const listed = new Set<string>();
  const from = start?.offset ?? 0;
  const event = (e: LogEvent) => {
    applyEvent(state, e);
    if (e.type === 'run.started') for (const id of e.feature_ids) listed.add(id);
  };
  const end = streamLog(
    logPath,
    { offset: from, line: 0 },
    { final: true },
    { event, problem: (p) => problems.push(p) },
  );
  let size = end.endOffset;
  try {
    size = statSync(logPath).size;
  } catch {
    // a missing log reads as empty
  }
  return {
    state,
    problems,
    offset: from,
    bytesRead: (start?.bytesRead ?? 0) + Math.max(0, size - from),
    featureIds: [...listed],
  };
}
