import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the mock received, body parsed when it is JSON. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

/** What the model should do on its first turn: write the owned file, or run a shell command. */
export type MockAction = { write: { path: string; content: string } } | { run: { command: string } };

/** A scripted model: one tool call per turn, in order, then a final text once every call has its result. */
export interface MockScript {
  actions: MockAction[];
  finalText: string;
  /** Answer the first `n` agent requests with a rate-limit error before behaving. */
  rateLimitFirst?: number;
}

/** A running mock model server on 127.0.0.1. */
export interface MockServer {
  url: string;
  port: number;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/** Answers one parsed request; the recorded list already holds it. */
export type MockHandler = (req: RecordedRequest, res: ServerResponse) => void;

/** Starts an HTTP server on 127.0.0.1:0 that records every request and hands it to `handle`. */
export async function startMockServer(handle: MockHandler): Promise<MockServer> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        // not JSON: keep the text
      }
      const recorded: RecordedRequest = {
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        headers: req.headers,
        body,
      };
      requests.push(recorded);
      try {
        handle(recorded, res);
      } catch (err) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: String(err) } }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Writes a server-sent-events response: one `data:` frame per payload, with an `event:` line when named. */
export function writeSse(res: ServerResponse, frames: Array<{ event?: string; data: unknown }>): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  for (const f of frames) {
    const data = typeof f.data === 'string' ? f.data : JSON.stringify(f.data);
    res.write(`${f.event ? `event: ${f.event}\n` : ''}data: ${data}\n\n`);
  }
  res.end();
}

/** Writes a JSON response. */
export function writeJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** The tool call for the turn after `results` tool results, or undefined when it is time for the final text. */
export function nextAction(script: MockScript, results: number): MockAction | undefined {
  return script.actions[results];
}

/** Counts down the rate-limited requests of a script; true while a request should be refused. */
export function rateLimiter(script: MockScript): () => boolean {
  let left = script.rateLimitFirst ?? 0;
  return () => {
    if (left <= 0) return false;
    left -= 1;
    return true;
  };
}
