/**
 * The event stream (`/api/events`, server-sent events): a snapshot first, then updates as the log
 * grows. Each client is one subscriber of the board state with what it has not been sent yet. A client
 * that comes back with the id of the last message it had (`Last-Event-ID`, as EventSource sends it on
 * its own reconnections, or `?last_event_id=` from a page that closed its stream while hidden) resumes
 * from there with an update, when the state can say what changed since (`BoardState.resumeFrom`).
 */
import { Hono } from 'hono';
import { type SSEStreamingApi, streamSSE } from 'hono/streaming';
import { stringifyJson } from '../text/escape.js';
import type { BoardChange, BoardState, BoardSubscriber } from './board-state.js';
import type { Snapshot, Update } from './view.js';

/** One connected client: what it still has to be sent, and whether a write loop runs for it. */
class StreamClient implements BoardSubscriber {
  readonly #stream: SSEStreamingApi;
  readonly #state: BoardState;
  #lastSeq = 0;
  readonly #dirty = new Set<string>();
  #runDirty = false;
  #metricsDirty = false;
  #snapshotDue = true;
  busy = false;
  closed = false;

  constructor(
    stream: SSEStreamingApi,
    state: BoardState,
    resume?: { afterSeq: number; features: readonly string[] },
  ) {
    this.#stream = stream;
    this.#state = state;
    if (resume) {
      // What changed since its last message, the run and the headline included: an update, not the board.
      this.#snapshotDue = false;
      this.#lastSeq = resume.afterSeq;
      for (const id of resume.features) this.#dirty.add(id);
      this.#runDirty = true;
      this.#metricsDirty = true;
    }
  }

  changed(change: BoardChange): void {
    if (change.snapshot) this.#snapshotDue = true;
    for (const id of change.features) this.#dirty.add(id);
    if (change.run) this.#runDirty = true;
    if (change.metrics) this.#metricsDirty = true;
    void this.flush();
  }

  close(): void {
    this.closed = true;
    this.#stream.abort();
  }

  #pending(): boolean {
    return (
      this.#snapshotDue ||
      this.#dirty.size > 0 ||
      this.#runDirty ||
      this.#metricsDirty ||
      this.#lastSeq < this.#state.seq
    );
  }

  // One loop at a time writes to a client; changes arriving meanwhile are merged into its next message,
  // so a slow client gets fewer, fuller messages instead of an ever-growing queue.
  async flush(): Promise<void> {
    if (this.busy || this.closed) return;
    this.busy = true;
    try {
      while (!this.closed && this.#pending()) {
        let message: Snapshot | Update;
        // More events since its last message than an update carries: the whole board, never a gap.
        if (this.#snapshotDue || !this.#state.carriesSince(this.#lastSeq)) {
          message = this.#state.snapshot();
          this.#snapshotDue = false;
        } else {
          message = this.#state.update(this.#lastSeq, [...this.#dirty], this.#runDirty);
        }
        this.#dirty.clear();
        this.#runDirty = false;
        this.#metricsDirty = false;
        this.#lastSeq = message.seq;
        const id = this.#state.eventId(message.seq);
        await this.#stream.writeSSE({
          event: message.type,
          data: stringifyJson(message),
          id,
          ...(message.type === 'snapshot' ? { retry: 1000 } : {}),
        });
      }
    } catch {
      this.closed = true;
    } finally {
      this.busy = false;
    }
  }
}

/** Routes `/api/events`; `heartbeatMs` is the period of the keep-alive comment. */
export function eventFeedRoutes(state: BoardState, heartbeatMs = 15_000): Hono {
  const routes = new Hono();
  routes.get('/api/events', (c) => {
    c.header('Cache-Control', 'no-store');
    const lastEventId = c.req.header('Last-Event-ID') ?? c.req.query('last_event_id');
    return streamSSE(c, async (stream) => {
      // Judged as it subscribes (no await between): nothing that changes meanwhile is missed.
      const resume = lastEventId === undefined ? undefined : state.resumeFrom(lastEventId);
      const client = new StreamClient(stream, state, resume);
      const unsubscribe = state.subscribe(client);
      const ended = new Promise<void>((resolve) => {
        stream.onAbort(() => {
          client.closed = true;
          resolve();
        });
      });
      const heartbeat = setInterval(() => {
        // A comment line keeps proxies and the browser from timing the stream out.
        if (!client.busy && !client.closed) void stream.write(': keep-alive\n\n').catch(() => {});
      }, heartbeatMs);
      try {
        void client.flush();
        await ended;
      } finally {
        clearInterval(heartbeat);
        unsubscribe();
      }
    });
  });
  return routes;
}
