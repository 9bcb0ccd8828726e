import { resolveCheckMethod, resolveCheckUrl } from '../contracts/http-target.js';
import type { HttpCheck } from '../contracts/schema.js';
import { isPortFree } from '../ports.js';
import {
  type CheckVerdict,
  describePortTaken,
  describeServerFailure,
  formatLimit,
  judgeLatency,
  missedOnlyLatency,
} from './judge.js';
import { type LatencySummary, summarizeLatencies } from './latency.js';
import { listenersOn, portHolders, proveListener } from './listener-proof.js';
import { sendLoad } from './load.js';
import { type RunningServer, startServer, waitForPort } from './server.js';

/** Defaults of an HTTP check, where the contract names none. */
export const HTTP_DEFAULTS = {
  requests: 100,
  concurrency: 4,
  warmup: 5,
  start_timeout_s: 10,
  request_timeout_s: 30,
} as const;

/** Host and port a URL connects to, for the TCP readiness poll. */
function endpointOf(url: URL): { host: string; port: number } {
  const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  return { host: url.hostname.replace(/^\[|\]$/g, ''), port };
}

/** Encodes the check's body and headers: an object body is sent as JSON. */
function requestOf(check: HttpCheck): { headers: Record<string, string>; body?: string } {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(check.headers ?? {})) headers[k.toLowerCase()] = v;
  if (check.body === undefined) return { headers };
  if (typeof check.body === 'string') return { headers, body: check.body };
  headers['content-type'] ??= 'application/json';
  return { headers, body: JSON.stringify(check.body) };
}

/** Hosts a URL can name for this machine, where /proc shows who listens. */
const LOCAL_HOSTS = /^(127\.\d+\.\d+\.\d+|localhost|::1|0\.0\.0\.0|::)$/;

/**
 * Once the port answers: a failure when another process (a daemon the agent left) holds a socket
 * listening on it, '' when the server's own processes hold them all, or a note saying why this
 * could not be proven (no /proc, a URL off this machine), added to the verdict.
 */
function proveServer(host: string, port: number, server: RunningServer): CheckVerdict | string {
  if (!LOCAL_HOSTS.test(host))
    return ` (the URL is not on this machine: who answered was not proven to be the server)`;
  const proof = proveListener(port, server.pgid);
  if (proof.state === 'owned') return '';
  if (proof.state === 'unknown')
    return ` (who answered could not be proven to be the server: ${proof.reason})`;
  const who = proof.pids.length > 0 ? ` (pid ${proof.pids.join(', ')})` : '';
  return {
    outcome: 'failed',
    message:
      `port ${port} answered, but from a process that the serve command did not start${who} ` +
      `[checks/foreign-listener]: a leftover server would be measured instead; stop it and verify again`,
  };
}

/** Everything an HTTP check needs from the feature. */
export interface HttpCheckOptions {
  check: HttpCheck;
  /** The contract's `serve` command; without one the URL must already answer. */
  serve?: string;
  cwd: string;
  /** Environment of the server, `PORT` included. */
  env: NodeJS.ProcessEnv;
  port: number;
  /** The whole load must finish within this. */
  timeoutMs: number;
  /** Where the server's output goes. */
  outputFile: string;
  /** The state folder holding `outputFile` (see `startServer`). */
  stateDir: string;
  /** Told when the server's output file could not be written. */
  onWarning: (message: string) => void;
  signal?: AbortSignal;
}

/**
 * Starts `serve` on a port nothing listens on, waits until the port answers and proves the server's
 * own processes answer it: the server and a note when that could not be proven, or the verdict
 * (or `interrupted`) when it did not come up as the server.
 */
async function bringUpServer(
  opts: HttpCheckOptions,
  serve: string,
  host: string,
  port: number,
): Promise<{ server: RunningServer; unproven: string } | { verdict: CheckVerdict | 'interrupted' }> {
  if (!(await isPortFree(port)) || (listenersOn(port)?.size ?? 0) > 0)
    return { verdict: { outcome: 'failed', message: describePortTaken(port, serve, portHolders(port)) } };
  const server = startServer({
    serve,
    cwd: opts.cwd,
    env: opts.env,
    outputFile: opts.outputFile,
    stateDir: opts.stateDir,
    onWarning: opts.onWarning,
  });
  const startTimeoutMs = (opts.check.start_timeout_s ?? HTTP_DEFAULTS.start_timeout_s) * 1000;
  const wait = await waitForPort({
    host,
    port,
    timeoutMs: startTimeoutMs,
    exited: server.exited,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  if (wait.state === 'aborted') {
    await server.stop();
    return { verdict: 'interrupted' };
  }
  if (wait.state !== 'open') {
    await server.stop();
    const failure = describeServerFailure({
      host,
      port,
      serve,
      output: server.output(),
      timeoutMs: startTimeoutMs,
      ...(wait.state === 'exited' ? { exit: wait.exit } : {}),
    });
    return { verdict: { outcome: 'failed', message: failure } };
  }
  const proof = proveServer(host, port, server);
  if (typeof proof === 'string') return { server, unproven: proof };
  await server.stop();
  return { verdict: proof };
}

/**
 * Sends one load (its warm-up, then its requests) and judges it: the verdict with the load's
 * summary, or only a verdict when it was interrupted or ran out of time.
 */
async function measure(
  opts: HttpCheckOptions,
  url: URL,
  method: string,
  signal: AbortSignal,
): Promise<{ verdict: CheckVerdict; summary: LatencySummary } | { verdict: CheckVerdict | 'interrupted' }> {
  const { check } = opts;
  const requests = check.requests ?? HTTP_DEFAULTS.requests;
  const load = await sendLoad({
    url,
    method,
    ...requestOf(check),
    requests,
    concurrency: check.concurrency ?? HTTP_DEFAULTS.concurrency,
    warmup: check.warmup ?? HTTP_DEFAULTS.warmup,
    requestTimeoutMs: Math.min(opts.timeoutMs, HTTP_DEFAULTS.request_timeout_s * 1000),
    signal,
  });
  if (opts.signal?.aborted) return { verdict: 'interrupted' };
  if (load.aborted) {
    return {
      verdict: {
        outcome: 'failed',
        message: `timed out after ${formatLimit(opts.timeoutMs)}: ${load.requests} of ${requests} requests done, the load was stopped`,
        measured: { requests: load.requests, duration_ms: Math.round(load.durationMs) },
      },
    };
  }
  const summary = summarizeLatencies(load.latenciesMs, load.requests, load.errors, load.unanswered);
  const verdict = judgeLatency(check, summary, load.firstError);
  return {
    verdict: { ...verdict, measured: { ...verdict.measured, duration_ms: Math.round(load.durationMs) } },
    summary,
  };
}

/**
 * Starts the feature's server (when it declares one), waits for its port, warms up, measures the
 * load and stops the server's whole process group, whatever happened. Resolves to a verdict, or
 * to `interrupted` when `signal` aborted it.
 */
export async function runHttpCheck(opts: HttpCheckOptions): Promise<CheckVerdict | 'interrupted'> {
  const { check } = opts;
  const target = resolveCheckUrl(check.url, opts.port);
  if (!target.ok) return { outcome: 'failed', message: target.message };
  const method = resolveCheckMethod(check.method);
  if (!method.ok) return { outcome: 'failed', message: method.message };
  const { host, port } = endpointOf(target.url);

  let server: RunningServer | undefined;
  // Said after the verdict when who answered could not be proven to be the server started.
  let unproven = '';
  try {
    if (opts.serve !== undefined) {
      const started = await bringUpServer(opts, opts.serve, host, port);
      if (!('server' in started)) return started.verdict;
      server = started.server;
      unproven = started.unproven;
    }

    const deadline = AbortSignal.timeout(opts.timeoutMs);
    const signal = opts.signal ? AbortSignal.any([opts.signal, deadline]) : deadline;
    const first = await measure(opts, target.url, method.method, signal);
    if (!('summary' in first)) return first.verdict;
    let verdict = first.verdict;
    // A miss of latency alone is measured once more: the machine may have been busy, not the server.
    if (verdict.outcome === 'failed' && missedOnlyLatency(check, first.summary)) {
      const again = await measure(opts, target.url, method.method, signal);
      if (!('summary' in again)) return again.verdict;
      verdict = {
        ...again.verdict,
        message:
          again.verdict.outcome === 'passed'
            ? `${again.verdict.message}; measured again after a first load missed (${first.verdict.message})`
            : `${again.verdict.message}; a first load missed too (${first.verdict.message})`,
      };
    }
    // Nothing answered and nothing was started: the likely cause is the missing `serve:`.
    const unserved =
      opts.serve === undefined && first.summary.unanswered >= first.summary.requests
        ? " (the contract has no `serve:` command, so Baton started nothing on this URL's port)"
        : '';
    return { ...verdict, message: verdict.message + unserved + unproven };
  } finally {
    await server?.stop();
  }
}
