/**
 * The dashboard's HTTP server: wires the board state (board-state.ts) to its routes — the access gate,
 * the page, the JSON API, a feature's detail and the event stream — and listens.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { Hono } from 'hono';
import { escapeControl } from '../text/escape.js';
import { accessGate, securityHeaders } from './access.js';
import { apiRoutes } from './api-routes.js';
import { loadAssets } from './assets.js';
import { createSecret, createToken, urlHostFor } from './auth.js';
import { BoardState } from './board-state.js';
import { eventFeedRoutes } from './event-feed.js';
import { featureRoutes } from './feature-routes.js';
import { pageRoutes, sendAsset } from './page-routes.js';
import type { LoadedProject } from './view.js';

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
  /** The address bound (`localhost` asked for is `127.0.0.1` or `::1` here): the one the URL names. */
  host: string;
  port: number;
  token: string;
  /** The random path the page lives under (`/<prefix>`); the session cookie is scoped to it. */
  base: string;
  /** The address to open, token included: printed for the user (never put in a command line). */
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

/**
 * Starts the dashboard: folds the log once, then serves the page, a snapshot and a stream of changes
 * fed by tailing the log. Every request needs the token; nothing it serves starts or stops anything.
 */
export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? createToken();
  const base = `/${options.pathPrefix ?? createSecret()}`;
  const assets = loadAssets();
  const state = await BoardState.open({
    logPath: options.logPath,
    root: options.root,
    loadProject: options.loadProject,
    ...(options.pollMs !== undefined ? { pollMs: options.pollMs } : {}),
  });
  let port = 0;
  let urlHost = host;
  let boundAddress = host;

  const app = new Hono();
  app.use('*', securityHeaders());
  app.use(
    '*',
    accessGate({ host, port: () => port, urlHost: () => urlHost, bound: () => boundAddress, token, base }),
  );
  // The same routes at the root (for API clients presenting the bearer token) and under the prefix
  // (for the browser, whose session cookie is sent only there); the page uses relative addresses.
  const routes = new Hono()
    .route('/', pageRoutes(assets))
    .route('/', apiRoutes(state))
    .route('/', featureRoutes(state, options.root))
    .route('/', eventFeedRoutes(state, options.heartbeatMs));
  app.get(`${base}/`, (c) => sendAsset(c, assets.get('index.html')));
  app.route(base, routes);
  app.route('/', routes);
  app.notFound((c) => c.text('404: not found\n', 404));
  app.onError((err, c) => c.text(`500: ${err.message}\n`, 500));

  const server = await listen(app, host, options.port ?? 0);
  const bound = server.address() as AddressInfo;
  port = bound.port;
  urlHost = urlHostFor(bound.address);
  boundAddress = bound.address;
  state.watch();

  let closing: Promise<void> | undefined;
  return {
    host: bound.address,
    port,
    token,
    base,
    url: `http://${urlHost}:${port}${base}/?token=${token}`,
    clients: () => state.subscribers,
    close() {
      closing ??= (async () => {
        state.close();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
      })();
      return closing;
    },
  };
}

/**
 * A request the adapter could not read (a malformed Host or path): 400 with the reason, not an empty
 * body; anything else that escaped the app is a 500.
 */
function requestRefused(err: unknown): Response {
  const reason = err instanceof Error ? err.message : String(err);
  const status = err instanceof Error && err.name === 'RequestError' ? 400 : 500;
  return new Response(`${status}: ${escapeControl(reason)}\n`, {
    status,
    headers: { 'content-type': 'text/plain; charset=UTF-8' },
  });
}

/** Binds the app's server, turning a failure to listen into a ListenError. */
async function listen(app: Hono, host: string, port: number): Promise<Server> {
  const listener = getRequestListener(app.fetch, { errorHandler: requestRefused });
  const server = createServer((req, res) => {
    // A host name is case-insensitive (RFC 9110): the adapter compares it with the URL's lower-cased
    // one and refuses `LOCALHOST`, so it is lower-cased first; the access gate then judges it.
    if (req.headers.host) req.headers.host = req.headers.host.toLowerCase();
    void listener(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      reject(new ListenError(`cannot listen on ${host}:${port}: ${err.message}`, err.code));
    };
    server.once('error', onError);
    server.listen({ host, port }, () => {
      server.off('error', onError);
      resolve();
    });
  });
  return server;
}
