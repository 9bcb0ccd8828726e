import { appendEvent, type Clock } from './append.js';
import type { BatonEvent, NewEvent } from './events.js';

/** Receives every event after it is written: the live terminal, the integrate printer, the dashboard feed. */
export type EventListener = (event: BatonEvent) => void;

/**
 * The one place events enter Baton. Producers (runner, checks, integrate, phase, hook, demo) call
 * `emit`; the log writer stamps and appends the line, then every subscriber sees the written event.
 */
export interface EventSink {
  /** Stamps `v` and `ts`, appends the event to the log and hands it to every subscriber. */
  emit(event: NewEvent): BatonEvent;
  /** Adds a subscriber; returns a function that removes it. */
  subscribe(listener: EventListener): () => void;
}

/** Options for the log-backed sink. */
export interface LogSinkOptions {
  logPath: string;
  clock?: Clock;
  /** Stamped on every event that does not carry its own `run_id`. */
  runId?: string;
}

/** Creates the sink that writes `.baton/log.jsonl` and fans the written events out to subscribers. */
export function createLogSink(opts: LogSinkOptions): EventSink {
  const listeners = new Set<EventListener>();
  return {
    emit(event) {
      const withRun =
        opts.runId !== undefined && !('run_id' in event && event.run_id)
          ? ({ ...event, run_id: opts.runId } as NewEvent)
          : event;
      const written = appendEvent(opts.logPath, withRun, opts.clock);
      for (const listener of listeners) listener(written);
      return written;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** A view of `sink` that stamps `runId` on every event that does not carry its own. */
export function withRunId(sink: EventSink, runId: string): EventSink {
  return {
    emit: (event) =>
      sink.emit('run_id' in event && event.run_id ? event : ({ ...event, run_id: runId } as NewEvent)),
    subscribe: (listener) => sink.subscribe(listener),
  };
}
