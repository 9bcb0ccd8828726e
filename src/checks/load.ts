import http from 'node:http';
import https from 'node:https';

/** One HTTP load: what to send, how many, how many at once. */
export interface LoadOptions {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body?: string;
  /** Measured requests. */
  requests: number;
  concurrency: number;
  /** Requests sent first and not measured (connections opened, caches and JIT warm). */
  warmup: number;
  /** A request without a complete response by then counts as an error. */
  requestTimeoutMs: number;
  signal?: AbortSignal;
}

/**
 * What a load measured: the latency of every measured request, and the failures. A request that got
 * no response (reset, timed out) counts at the time it took to fail, at least the timeout for a
 * timed-out one: leaving it out would let a server that hangs or drops requests show fast percentiles.
 */
export interface LoadResult {
  latenciesMs: number[];
  requests: number;
  /** Requests that got no complete response (counted in `errors` and, at their elapsed time, in `latenciesMs`). */
  unanswered: number;
  errors: number;
  /** The first failure, in words, to explain an error rate. */
  firstError?: string;
  /** Set when `signal` aborted the load before it finished. */
  aborted: boolean;
  durationMs: number;
}

type Outcome = { ms: number; response: boolean; error?: string };

function sendOne(agent: http.Agent, opts: LoadOptions): Promise<Outcome> {
  return new Promise((resolve) => {
    const started = performance.now();
    const client = opts.url.protocol === 'https:' ? https : http;
    let settled = false;
    const finish = (o: Omit<Outcome, 'ms'>) => {
      if (settled) return;
      settled = true;
      resolve({ ms: performance.now() - started, ...o });
    };
    const headers = { ...opts.headers };
    if (opts.body !== undefined) headers['content-length'] = String(Buffer.byteLength(opts.body));
    let req: http.ClientRequest;
    try {
      req = client.request(opts.url, { method: opts.method, headers, agent, signal: opts.signal }, (res) => {
        const status = res.statusCode ?? 0;
        // The latency is the whole response, body included: that is what a caller waits for.
        res.resume();
        res.once('end', () =>
          finish(
            status >= 400
              ? { response: true, error: `HTTP ${status}${res.statusMessage ? ` ${res.statusMessage}` : ''}` }
              : { response: true },
          ),
        );
        res.once('error', (err) => finish({ response: false, error: err.message }));
      });
    } catch (err) {
      // A request Node refuses to send (a header it cannot put on the wire): this request failed, said so.
      finish({ response: false, error: err instanceof Error ? err.message : String(err) });
      return;
    }
    req.setTimeout(opts.requestTimeoutMs, () => {
      req.destroy(new Error(`no response within ${Math.round(opts.requestTimeoutMs / 1000)} s`));
    });
    req.once('error', (err) => finish({ response: false, error: err.message }));
    req.end(opts.body);
  });
}

/**
 * Sends `warmup` then `requests` requests over a keep-alive agent with at most `concurrency` in
 * flight, timing each from send to the end of its body. Never rejects: failures are counted.
 */
export async function sendLoad(opts: LoadOptions): Promise<LoadResult> {
  const agentOptions = { keepAlive: true, maxSockets: opts.concurrency };
  const agent = opts.url.protocol === 'https:' ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
  const latenciesMs: number[] = [];
  let errors = 0;
  let sent = 0;
  let unanswered = 0;
  let firstError: string | undefined;
  const pump = async (count: number, record: boolean) => {
    let next = 0;
    const worker = async () => {
      while (next < count && !opts.signal?.aborted) {
        next++;
        const o = await sendOne(agent, opts);
        if (!record || opts.signal?.aborted) continue;
        sent++;
        latenciesMs.push(o.ms);
        if (!o.response) unanswered++;
        if (o.error !== undefined) {
          errors++;
          firstError ??= o.error;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(opts.concurrency, count) }, worker));
  };
  try {
    await pump(opts.warmup, false);
    const started = performance.now();
    await pump(opts.requests, true);
    return {
      latenciesMs,
      requests: sent,
      unanswered,
      errors,
      aborted: opts.signal?.aborted ?? false,
      durationMs: performance.now() - started,
      ...(firstError !== undefined ? { firstError } : {}),
    };
  } finally {
    agent.destroy();
  }
}
