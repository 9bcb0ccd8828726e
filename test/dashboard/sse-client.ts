import { type ClientRequest, get, type IncomingMessage } from 'node:http';

/** One server-sent event as received. */
export interface ReceivedEvent {
  event: string;
  data: string;
  id?: string;
  at: number;
}

/** A minimal EventSource over node:http, for reading the dashboard's stream in tests. */
export class SseClient {
  readonly received: ReceivedEvent[] = [];
  #request: ClientRequest;
  #response: Promise<IncomingMessage>;
  #waiters: Array<() => void> = [];
  #buffer = '';

  constructor(url: string, headers: Record<string, string> = {}) {
    let onResponse: (res: IncomingMessage) => void = () => {};
    let onError: (err: Error) => void = () => {};
    this.#response = new Promise((resolve, reject) => {
      onResponse = resolve;
      onError = reject;
    });
    this.#request = get(url, { headers: { Accept: 'text/event-stream', ...headers } }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => this.#feed(chunk));
      onResponse(res);
    });
    this.#request.on('error', onError);
    this.#response.catch(() => {});
  }

  /** The response head (status and headers). */
  response(): Promise<IncomingMessage> {
    return this.#response;
  }

  /** Resolves with the first event (after `from`) matching `test`, or rejects after `timeoutMs`. */
  async next(
    test: (e: ReceivedEvent) => boolean,
    { from = 0, timeoutMs = 5000 }: { from?: number; timeoutMs?: number } = {},
  ): Promise<ReceivedEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.received.slice(from).find(test);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(
          `no matching event within ${timeoutMs} ms; got ${this.received.map((e) => e.event).join(', ')}`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Closes the connection. */
  close(): void {
    this.#request.destroy();
  }

  #feed(chunk: string): void {
    this.#buffer += chunk;
    let end = this.#buffer.indexOf('\n\n');
    while (end !== -1) {
      const block = this.#buffer.slice(0, end);
      this.#buffer = this.#buffer.slice(end + 2);
      const e: ReceivedEvent = { event: 'message', data: '', at: performance.now() };
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon === -1 ? line : line.slice(0, colon);
        const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') e.event = value;
        else if (field === 'data') data.push(value);
        else if (field === 'id') e.id = value;
      }
      if (data.length > 0) {
        e.data = data.join('\n');
        this.received.push(e);
      }
      end = this.#buffer.indexOf('\n\n');
    }
    for (const wake of this.#waiters.splice(0)) wake();
  }
}
