import { Redis, type RedisOptions } from 'ioredis';
import { UserError } from '../errors.js';
import { errorLine, errorMessage } from '../text/error-message.js';
import { envMs } from './env-ms.js';
import { redactUrl } from './names.js';

/** How long a first connection may take before the URL is called unreachable. */
const CONNECT_TIMEOUT_MS = 3000;

/**
 * How long a command that is closing waits on a Redis that does not answer (ms), by default: an idle
 * worker's close of its queues, a worker's removal of its heartbeat, and the end of each client's socket
 * (ioredis's own default), after which it lets go. `BATON_QUEUE_CLOSE_MS` sets it.
 */
export const QUEUE_CLOSE_MS = 2000;

/** The close wait a command's environment asks for (`BATON_QUEUE_CLOSE_MS`, 0 or more), else `QUEUE_CLOSE_MS`. */
export function queueCloseMsOf(env: NodeJS.ProcessEnv): number {
  return envMs(env, 'BATON_QUEUE_CLOSE_MS', QUEUE_CLOSE_MS, 'allowed');
}

/** Options BullMQ needs on every connection it is handed (blocking commands must never time out). */
export const BULLMQ_CONNECTION: RedisOptions = { maxRetriesPerRequest: null, enableReadyCheck: true };

/** What Redis says when the password or user is wrong. */
const AUTH_FAILURE = /WRONGPASS|NOAUTH|invalid password|invalid username-password/i;

/**
 * The database index in a queue URL's path (`/N`; none is 0); a UserError otherwise, since Redis
 * clients read `/abc` as `SELECT NaN` and two projects meant to be apart would share a queue.
 */
function databaseIndex(u: URL, url: string): number {
  // The client would read `?db=N` too, past the checks below: one place for the index, the path.
  if (u.searchParams.has('db')) {
    throw new UserError(
      'queue/bad-db',
      `the queue URL "${redactUrl(url)}" names its database as ?db=; Baton reads it from the path only`,
      {
        hint: 'Write it as redis://host:port/N (N the database number), or leave it out for 0.',
        exitCode: 2,
      },
    );
  }
  if (u.pathname === '' || u.pathname === '/') return 0;
  const m = /^\/(\d{1,9})$/.exec(u.pathname);
  if (m) return Number(m[1]);
  throw new UserError(
    'queue/bad-db',
    `bad database index in the queue URL "${redactUrl(url)}": "${u.pathname.slice(1)}" is not a non-negative integer`,
    {
      hint: 'Use redis://host:port/N with N a database number (0 to 15 on a default server), or no path for 0.',
      exitCode: 2,
    },
  );
}

/** Checks a queue URL's form and returns its database index; throws a UserError naming it otherwise. */
export function assertQueueUrl(url: string): { db: number } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UserError('queue/bad-url', `"${redactUrl(url)}" is not a Redis URL`, {
      hint: 'Use redis://[:password@]host:port[/db], or rediss://… for TLS.',
      exitCode: 2,
    });
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new UserError('queue/bad-url', `"${redactUrl(url)}" is not a redis:// or rediss:// URL`, {
      hint: 'Use redis://[:password@]host:port[/db], or rediss://… for TLS.',
      exitCode: 2,
    });
  }
  return { db: databaseIndex(u, url) };
}

/** Turns a connection failure into one line naming the URL and what went wrong, and the setting to fix (`from`). */
function connectionError(url: string, err: unknown, from: string): UserError {
  const message = errorMessage(err);
  const shown = redactUrl(url);
  if (AUTH_FAILURE.test(message)) {
    return new UserError('queue/auth', `Redis at ${shown} refused the password (${message.split('\n')[0]})`, {
      hint: 'Put the right password in the URL: redis://:PASSWORD@host:port, or redis://USER:PASSWORD@host:port.',
    });
  }
  return new UserError('queue/unreachable', `cannot reach Redis at ${shown}: ${message.split('\n')[0]}`, {
    hint: `Start it (redis-server, or docker run -p 6379:6379 valkey/valkey) or fix ${from}.`,
  });
}

/**
 * Selects the URL's database again and waits for the answer: the client's own SELECT on connect only
 * emits an error (ERR DB index is out of range) and goes on in database 0, sharing another project's queue.
 */
async function assertDatabase(client: Redis, url: string, db: number): Promise<void> {
  if (db === 0) return;
  try {
    await client.select(db);
  } catch (err) {
    client.disconnect();
    const message = errorMessage(err);
    throw new UserError(
      'queue/bad-db',
      `Redis at ${redactUrl(url)} has no database ${db} (${message.split('\n')[0]})`,
      {
        hint: 'Use a database index the server has (0 to 15 unless its config sets `databases`), or no path for 0.',
        exitCode: 2,
      },
    );
  }
}

/** A first-connection error that retrying cannot mend: refused, unknown host, unreachable network, a bad password. */
function isDefinite(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code && ['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH'].includes(code)) return true;
  const message = errorMessage(err);
  return AUTH_FAILURE.test(message);
}

/**
 * Opens a Redis connection for BullMQ and proves it works (PING) within a few seconds; an
 * unreachable server or a wrong password is a UserError naming the URL, never a hang. Its socket's end
 * waits at most `closeMs` (`queueCloseMsOf`) for Redis, and so does that of each of its duplicates.
 * `from`: the setting the URL came from, which an unreachable server's hint says to fix.
 */
export async function connectRedis(
  url: string,
  name: string,
  closeMs = QUEUE_CLOSE_MS,
  from = '--queue / BATON_QUEUE',
): Promise<Redis> {
  const { db } = assertQueueUrl(url);
  const client = new Redis(url, {
    ...BULLMQ_CONNECTION,
    lazyConnect: true,
    connectionName: name,
    connectTimeout: CONNECT_TIMEOUT_MS,
    disconnectTimeout: closeMs,
    // The first connection fails fast; once up, BullMQ's own reconnects take over.
    retryStrategy: (times) => (times > 20 ? null : Math.min(times * 200, 2000)),
  });
  let lastError: unknown;
  let giveUp: (err: unknown) => void = () => undefined;
  const onError = (err: unknown) => {
    lastError = err;
    // Nothing listens there, no such host, or the wrong password: retrying cannot help, so say so now.
    if (isDefinite(err)) giveUp(err);
  };
  client.on('error', onError);
  try {
    await Promise.race([
      client.connect(),
      new Promise((_, reject) => {
        giveUp = reject;
        setTimeout(() => reject(lastError ?? new Error('timed out')), CONNECT_TIMEOUT_MS).unref();
      }),
    ]);
    await client.ping();
  } catch (err) {
    client.disconnect();
    throw connectionError(url, lastError ?? err, from);
  }
  await assertDatabase(client, url, db);
  // Proven to work: from now on reconnect for as long as it takes (a Redis restart keeps the jobs).
  client.options.retryStrategy = (times) => Math.min(times * 200, 2000);
  return client;
}

/** An error of the connection itself (Redis down, restarting, unreachable), not of a command. */
export function isConnectionError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (
    code &&
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH'].includes(
      code,
    )
  ) {
    return true;
  }
  return /Connection is closed|connect ETIMEDOUT|Stream isn't writeable/.test(errorMessage(err));
}

/**
 * Says once that Redis was lost and once that it is back, in Baton's words, for a client that keeps
 * reconnecting: without it the client repeats the error at each try (ioredis prints it with a stack
 * when nobody listens). `lost` says whether an outage is going on, for callers to keep quiet meanwhile.
 */
export function reportOutages(
  client: Redis,
  url: string,
  say: (line: string) => void,
): { readonly lost: boolean } {
  const state = { lost: false };
  client.on('error', (err: unknown) => {
    if (state.lost) return;
    state.lost = true;
    say(`lost Redis at ${redactUrl(url)} (${errorLine(err)}); retrying`);
  });
  client.on('ready', () => {
    if (!state.lost) return;
    state.lost = false;
    say(`reconnected to Redis at ${redactUrl(url)}`);
  });
  return state;
}

/** Keeps a client's connection errors to itself: another client of the same server (`reportOutages`) says them. */
export function quietErrors<T extends Redis>(client: T): T {
  client.on('error', () => undefined);
  return client;
}

/**
 * Listens for the errors a BullMQ Queue, QueueEvents or Worker emits (without a listener, Node prints
 * each with its stack): one of the connection (Redis down, or the connection closed as the command
 * ends) is left to the outage report of the main client (`reportOutages`), which says it once; any
 * other is one line, `queue error: <first line>`. `refused`, when given, words an error of its own first.
 */
export function sayQueueErrors(
  emitter: { on(event: 'error', listener: (err: Error) => void): unknown },
  say: (line: string) => void,
  refused?: (message: string) => string | undefined,
): void {
  emitter.on('error', (err: unknown) => {
    if (isConnectionError(err)) return;
    const message = errorLine(err);
    say(refused?.(message) ?? `queue error: ${message}`);
  });
}

/** How long an idle worker's wait for a job lasts before it asks Redis again (ms; BullMQ's `drainDelay`), by default. */
const DRAIN_MS = 5000;

/**
 * The wait for a job a worker's environment asks for (`BATON_QUEUE_DRAIN_MS`, above 0), else `DRAIN_MS`.
 * An idle worker asked to stop while Redis is away exits only once its wait is over (and 1 s more).
 */
export function drainMsOf(env: NodeJS.ProcessEnv): number {
  return envMs(env, 'BATON_QUEUE_DRAIN_MS', DRAIN_MS, 'refused');
}
