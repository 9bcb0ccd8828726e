import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A fresh random token for one dashboard process (192 bits, URL-safe). */
export function createToken(): string {
  return randomBytes(24).toString('base64url');
}

/** Compares a presented token with the expected one in constant time (hashing first evens out lengths). */
export function tokenMatches(expected: string, presented: string | undefined): boolean {
  if (presented === undefined || presented === '') return false;
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(presented).digest();
  return timingSafeEqual(a, b);
}

/**
 * Name of the cookie holding the token. Cookies are shared by every port of a host, so the port is
 * part of the name: two dashboards on 127.0.0.1 never overwrite each other's cookie.
 */
export function tokenCookieName(port: number): string {
  return `baton_dashboard_${port}`;
}

/** The token a request presents: `Authorization: Bearer`, then `?token=`, then the cookie. */
export function presentedToken(request: {
  authorization: string | undefined;
  query: string | undefined;
  cookie: string | undefined;
}): string | undefined {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(request.authorization ?? '');
  if (bearer?.[1]) return bearer[1];
  if (request.query) return request.query;
  return request.cookie;
}

/** A fresh random value: the dashboard's path prefix or a browser session's cookie value. */
export function createSecret(bytes = 18): string {
  return randomBytes(bytes).toString('base64url');
}

/** Loopback names a browser may put in `Host` for a dashboard bound to loopback. */
const LOOPBACK_NAMES = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/**
 * Whether `host` is a loopback address or name: the one rule for the dashboard's Host check and its
 * warning, judged on the address the server bound (`127.1` binds 127.0.0.1; `::ffff:127.0.0.1` is
 * loopback too).
 */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase();
  return LOOPBACK_NAMES.has(h) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || /^::ffff:127\./.test(h);
}

/**
 * Whether a request's `Host` header names this dashboard: when bound to a loopback address
 * (`boundAddress`, what the server bound) it must be a loopback name, the name asked for
 * (`askedHost`) or the one the printed URL uses (`urlHost`), with the bound port (a DNS-rebinding
 * page on another name is refused); when bound elsewhere any host is accepted (the token still
 * guards every request).
 */
export function hostAllowed(
  hostHeader: string | undefined,
  boundAddress: string,
  port: number,
  names: { askedHost: string; urlHost?: string },
): boolean {
  if (!isLoopbackHost(boundAddress)) return true;
  const { askedHost: boundHost, urlHost } = names;
  if (!hostHeader) return false;
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(hostHeader.trim().toLowerCase());
  if (!m?.[1]) return false;
  const name = m[1];
  const presentedPort = m[2] === undefined ? 80 : Number(m[2]);
  return presentedPort === port && (LOOPBACK_NAMES.has(name) || name === boundHost || name === urlHost);
}

/**
 * The host part of the dashboard's URL: the address the server actually bound (`server.address()`),
 * never the name it was asked for. A browser resolves `localhost` to `::1` first, where another local
 * user's server may listen and would receive the path and the token. A wildcard bind is opened on
 * 127.0.0.1; an IPv4-mapped address by its IPv4 form; an IPv6 address goes in brackets.
 */
export function urlHostFor(boundAddress: string): string {
  if (boundAddress === '0.0.0.0' || boundAddress === '::') return '127.0.0.1';
  // An IPv4-mapped address (`::ffff:127.0.0.1`) takes IPv4 connections: its IPv4 form is the one a
  // browser keeps as written in `Host` (it rewrites the mapped one to `[::ffff:7f00:1]`).
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(boundAddress);
  if (mapped?.[1]) return mapped[1];
  return boundAddress.includes(':') ? `[${boundAddress}]` : boundAddress;
}

/** The sessions a dashboard handed out: random cookie values, never the token itself. */
export class SessionStore {
  readonly #ids: string[] = [];
  readonly #max: number;
  constructor(max = 1000) {
    this.#max = max;
  }
  /** Creates a session and returns its cookie value. */
  create(): string {
    const id = createSecret(24);
    this.#ids.push(id);
    if (this.#ids.length > this.#max) this.#ids.splice(0, this.#ids.length - this.#max);
    return id;
  }
  /** Whether a presented cookie value is one of ours (constant time per comparison). */
  has(value: string | undefined): boolean {
    if (!value) return false;
    let found = false;
    for (const id of this.#ids) if (tokenMatches(id, value)) found = true;
    return found;
  }
}
