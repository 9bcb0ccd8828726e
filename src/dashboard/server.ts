/**
 * The dashboard's HTTP server: auth and session, the snapshot and SSE stream fed by the log tailer,
 * the report on its own timer. Over 400 lines because `startDashboard` is still one closure over the
 * live state (the split into a state holder and its routes is open work, issue 13).
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { type Context, Hono } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { type SSEStreamingApi, streamSSE } from 'hono/streaming';
import { interruptionEvents } from '../guard/liveness.js';
import type { LogEvent } from '../log/events.js';
import { pendingFeature } from '../log/fold.js';
import { computeReport } from '../metrics/report.js';
import type { Report } from '../metrics/types.js';
import { type Asset, loadAssets } from './assets.js';
import {
  createSecret,
  createToken,
  hostAllowed,
  presentedToken,
  SessionStore,
  tokenCookieName,
  tokenMatches,
} from './auth.js';
import { type FeatureDetail, readFeatureDetail } from './feature-detail.js';
import { LiveLog, type LogDelta } from './live-log.js';
import { watchLog } from './tail.js';
import {
  BOARD_COLUMNS,
  countHeadline,
  describeDiagnostics,
  describePlan,
  describeRun,
  type HeadlineMetrics,
  type LoadedProject,
  listFeatures,
  type Snapshot,
  type Update,
  withReport,
} from './view.js';

/** How to start a dashboard. */
export interface DashboardOptions {
  /** Root of the repository's main checkout: contract and agent-log paths are relative to it. */
  root: string;
  logPath: string;
  /** Address to bind; 127.0.0.1 unless the user asked otherwise. */
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** A fixed token (tests); a random one otherwise. */
  token?: string;
  /** A fixed path prefix for the browser session (tests); a random one otherwise. */
  pathPrefix?: string;
  /** Loads the contracts and plan; called at start and again when a new run starts. */
  loadProject: () => Promise<LoadedProject>;
  /** Period of the stat fallback of the log watcher. */
  pollMs?: number;
  /** Period of the SSE keep-alive comment. */
  heartbeatMs?: number;
}

/** A running dashboard. */
export interface Dashboard {
  host: string;
  port: number;
  token: string;
  /** The random path the page lives under (`/<prefix>`); the session cookie is scoped to it. */
  base: string;
  /** The address to open, token included. */
  url: string;
  /** Number of connected event-stream clients. */
  clients(): number;
  /** Stops watching, ends every stream and closes the server. */
  close(): Promise<void>;
}

/** Why the server could not listen, with the system's error code (e.g. `EADDRINUSE`). */
export class ListenError extends Error {
  override readonly name = 'ListenError';
  readonly code: string | undefined;
  constructor(message: string, code: string | undefined) {
    super(message);
    this.code = code;
  }
}

/** One connected event-stream client and what it has not been sent yet. */
interface StreamClient {
  stream: SSEStreamingApi;
  lastSeq: number;
  dirty: Set<string>;
  runDirty: boolean;
  metricsDirty: boolean;
  snapshotDue: boolean;
  busy: boolean;
  closed: boolean;
}

/** Events that can move the report's headline numbers (speedup, conflicts, integration ratio). */
const REPORT_EVENTS = new Set<string | undefined>([
  undefined,
  'run.started',
  'run.ended',
  'phase.started',
  'phase.ended',
  'feature.started',
  'agent.exited',
  'feature.ended',
  'integration.started',
  'integration.tested',
  'integration.ended',
  'merge.clean',
  'merge.conflict',
  'merge.skipped',
]);

function movesReport(e: LogEvent): boolean {
  return REPORT_EVENTS.has(e.type) || (e.type === 'hook' && e.status !== undefined);
}

const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/**
 * Starts the dashboard: folds the log once, then serves the page, a snapshot and a stream of changes
 * fed by tailing the log. Every request needs the token; nothing it serves starts or stops anything.
 */
export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? createToken();
  const base = `/${options.pathPrefix ?? createSecret()}`;
  const sessions = new SessionStore();
  const assets = loadAssets();
  // Every event is kept: the report, like `baton report`, is computed from the whole run.
  const live = new LiveLog(options.logPath, { keepAll: true });
  // A log that cannot be read (a directory, a FIFO, unreadable) is shown as a problem; the page stays up.
  let readError: string | undefined;
  const readLive = (): LogDelta | undefined => {
    try {
      const delta = live.read();
      readError = undefined;
      return delta;
    } catch (err) {
      readError = err instanceof Error ? err.message : String(err);
      return undefined;
    }
  };
  while (readLive()?.more) {
    // Read the existing log to its end, slice by slice.
  }
  let project = await options.loadProject();
  const clients = new Set<StreamClient>();
  let port = 0;

  let metricsSeq = -1;
  let metrics: HeadlineMetrics | undefined;
  let report: { value: Report; seq: number } | undefined;
  const currentMetrics = (): HeadlineMetrics => {
    if (!metrics || metricsSeq !== live.seq) {
      const counts = countHeadline(live.state, project.plan);
      metrics = report ? withReport(counts, report.value, report.seq) : counts;
      metricsSeq = live.seq;
    }
    return metrics;
  };

  // The report walks every event (hundreds of ms for 100,000), so it runs apart from the stream: only
  // when an event can move its numbers, and never taking more than about a tenth of the time.
  let reportTimer: NodeJS.Timeout | undefined;
  let nextReportAt = 0;
  const scheduleReport = () => {
    if (reportTimer) return;
    reportTimer = setTimeout(runReport, Math.max(0, nextReportAt - Date.now()));
  };
  const runReport = () => {
    reportTimer = undefined;
    const started = performance.now();
    try {
      report = {
        value: computeReport({
          events: live.allEvents(),
          ...(project.plan ? { plan: project.plan } : {}),
          ...(project.estimates ? { estimates: project.estimates } : {}),
        }),
        seq: live.seq,
      };
    } catch {
      // A report that cannot be computed leaves the numbers the fold gives; the board goes on.
      report = undefined;
    }
    nextReportAt = Date.now() + Math.max(1000, (performance.now() - started) * 10);
    metrics = undefined;
    for (const client of clients) {
      client.metricsDirty = true;
      void flush(client);
    }
  };

  const snapshot = (): Snapshot => ({
    type: 'snapshot',
    seq: live.seq,
    server_time: new Date().toISOString(),
    log_path: options.logPath,
    columns: BOARD_COLUMNS,
    project: project.plan ? describePlan(project.plan) : null,
    diagnostics: describeDiagnostics(project.diagnostics),
    run: describeRun(live.state),
    features: listFeatures(live.state, project.plan),
    events: live.recentEvents(),
    metrics: currentMetrics(),
    problems: readError ? [...live.problems, { line: 0, message: readError, text: '' }] : [...live.problems],
  });

  const update = (client: StreamClient, ids: string[], run: boolean): Update => ({
    type: 'update',
    seq: live.seq,
    server_time: new Date().toISOString(),
    ...(run ? { run: describeRun(live.state) } : {}),
    features: ids.map((id) => live.state.features[id] ?? pendingFeature(id)),
    events: live.recentEvents(client.lastSeq, 100),
    metrics: currentMetrics(),
  });

  // Each client is written to by one loop at a time; changes arriving meanwhile are merged into its
  // next message, so a slow client gets fewer, fuller messages instead of an ever-growing queue.
  const flush = async (client: StreamClient): Promise<void> => {
    if (client.busy || client.closed) return;
    client.busy = true;
    try {
      while (
        !client.closed &&
        (client.snapshotDue ||
          client.dirty.size > 0 ||
          client.runDirty ||
          client.metricsDirty ||
          client.lastSeq < live.seq)
      ) {
        let message: Snapshot | Update;
        if (client.snapshotDue) {
          message = snapshot();
          client.snapshotDue = false;
        } else {
          message = update(client, [...client.dirty], client.runDirty);
        }
        client.dirty.clear();
        client.runDirty = false;
        client.metricsDirty = false;
        client.lastSeq = message.seq;
        await client.stream.writeSSE({
          event: message.type,
          data: JSON.stringify(message),
          id: String(message.seq),
          ...(message.type === 'snapshot' ? { retry: 1000 } : {}),
        });
      }
    } catch {
      client.closed = true;
    } finally {
      client.busy = false;
    }
  };

  const broadcast = (delta: LogDelta) => {
    for (const client of clients) {
      if (delta.reset) client.snapshotDue = true;
      for (const id of delta.changed) client.dirty.add(id);
      if (delta.runChanged) client.runDirty = true;
      void flush(client);
    }
  };

  const reloadProject = async () => {
    project = await options.loadProject();
    metrics = undefined;
    scheduleReport();
    for (const client of clients) {
      client.snapshotDue = true;
      void flush(client);
    }
  };

  const onNews = () => {
    const inferred = interruptionEvents(live.state);
    if (inferred.length > 0) broadcast(live.applyInferred(inferred));
    if (!live.hasNews()) return;
    const hadError = readError;
    const delta = readLive();
    if (readError !== hadError) for (const client of clients) client.snapshotDue = true;
    if (!delta) return;
    // A huge append is read one slice per turn, so other clients' requests are served in between.
    if (delta.more) setImmediate(onNews);
    if (delta.events.length === 0 && !delta.reset) return;
    broadcast(delta);
    if (delta.reset || delta.events.some((e) => movesReport(e.event))) scheduleReport();
    // A new run may come with new or changed contracts.
    if (delta.events.some((e) => e.event.type === 'run.started')) void reloadProject().catch(() => {});
  };

  const app = new Hono();

  app.use('*', async (c, next) => {
    await next();
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) c.header(name, value);
  });

  app.use('*', async (c, next) => {
    // A page on another name that resolves to 127.0.0.1 (DNS rebinding) is not this dashboard's page.
    if (!hostAllowed(c.req.header('host'), host, port)) {
      return c.text(`403: this dashboard answers only to ${host}:${port}\n`, 403);
    }
    const cookie = tokenCookieName(port);
    const inPrefix = c.req.path === base || c.req.path.startsWith(`${base}/`);
    const query = c.req.query('token');
    const presented = presentedToken({
      authorization: c.req.header('authorization'),
      query,
      cookie: undefined,
    });
    // The cookie holds a session value, not the token, and is scoped to the random path prefix: a
    // server an agent starts on another 127.0.0.1 port never receives anything that opens this one.
    const bySession = inPrefix && sessions.has(getCookie(c, cookie));
    if (!bySession && !tokenMatches(token, presented)) {
      return c.text(
        '401: this dashboard needs its token. Open the URL `baton dashboard` printed (it ends in ?token=…).\n',
        401,
      );
    }
    if (query !== undefined) {
      setCookie(c, cookie, sessions.create(), { httpOnly: true, sameSite: 'Strict', path: `${base}/` });
      // Drop the token from the address bar (and so from the browser's history) once the session is set.
      if (c.req.path === '/' || c.req.path === base || c.req.path === `${base}/`)
        return c.redirect(`${base}/`, 303);
    }
    if (c.req.path === base) return c.redirect(`${base}/`, 303);
    await next();
  });

  const sendAsset = (c: Context, asset: Asset | undefined) => {
    if (!asset) return c.text('404: not found\n', 404);
    c.header('Content-Type', asset.contentType);
    c.header('Cache-Control', 'no-cache');
    return c.body(new Uint8Array(asset.body));
  };

  // The same routes at the root (for API clients presenting the bearer token) and under the prefix
  // (for the browser, whose session cookie is sent only there); the page uses relative addresses.
  const routes = new Hono();
  routes.get('/', (c) => sendAsset(c, assets.get('index.html')));
  routes.get('/assets/:name', (c) => sendAsset(c, assets.get(c.req.param('name'))));

  routes.get('/api/state', (c) => {
    c.header('Cache-Control', 'no-store');
    return c.json(snapshot());
  });

  routes.get('/api/features/:id', (c) => {
    c.header('Cache-Control', 'no-store');
    const id = c.req.param('id');
    const contract = project.plan?.byId.get(id);
    // Own keys only: an id such as `constructor` must not reach the object's prototype.
    const known = Object.hasOwn(live.state.features, id) ? live.state.features[id] : undefined;
    const feature = known ?? (contract ? pendingFeature(id) : undefined);
    if (!feature) return c.json({ error: `no feature "${id}" in the plan or the log` }, 404);
    const detail: FeatureDetail = readFeatureDetail({
      root: options.root,
      feature,
      contractFile: contract?.file,
      events: live.featureEvents(id),
    });
    return c.json(detail);
  });

  routes.get('/api/events', (c) => {
    c.header('Cache-Control', 'no-store');
    return streamSSE(c, async (stream) => {
      const client: StreamClient = {
        stream,
        lastSeq: 0,
        dirty: new Set(),
        runDirty: false,
        metricsDirty: false,
        snapshotDue: true,
        busy: false,
        closed: false,
      };
      clients.add(client);
      const ended = new Promise<void>((resolve) => {
        stream.onAbort(() => {
          client.closed = true;
          resolve();
        });
      });
      const heartbeat = setInterval(() => {
        // A comment line keeps proxies and the browser from timing the stream out.
        if (!client.busy && !client.closed) void stream.write(': keep-alive\n\n').catch(() => {});
      }, options.heartbeatMs ?? 15_000);
      try {
        void flush(client);
        await ended;
      } finally {
        clearInterval(heartbeat);
        clients.delete(client);
      }
    });
  });

  app.get(`${base}/`, (c) => sendAsset(c, assets.get('index.html')));
  app.route(base, routes);
  app.route('/', routes);
  app.notFound((c) => c.text('404: not found\n', 404));
  app.onError((err, c) => c.text(`500: ${err.message}\n`, 500));

  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      reject(new ListenError(`cannot listen on ${host}:${options.port ?? 0}: ${err.message}`, err.code));
    };
    server.once('error', onError);
    server.listen({ host, port: options.port ?? 0 }, () => {
      server.off('error', onError);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  const stopWatching = watchLog(options.logPath, onNews, { intervalMs: options.pollMs ?? 250 });
  scheduleReport();

  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  return {
    host,
    port,
    token,
    base,
    url: `http://${urlHost}:${port}${base}/?token=${token}`,
    clients: () => clients.size,
    close() {
      closing ??= (async () => {
        stopWatching();
        clearTimeout(reportTimer);
        for (const client of clients) {
          client.closed = true;
          client.stream.abort();
        }
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
      })();
      return closing;
    },
  };
}
