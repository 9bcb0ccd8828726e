/**
 * The dashboard's door: security headers on every answer, the Host check against DNS rebinding, and
 * the token or the session cookie that every request must present.
 */
import type { MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { hostAllowed, presentedToken, SessionStore, tokenCookieName, tokenMatches } from './auth.js';

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
 * What the gate checks a request against; `port` and `urlHost` are read per request, as they are known
 * only once listening.
 */
export interface AccessOptions {
  host: string;
  port: () => number;
  /** The address the server bound: whether it is loopback decides the Host check. */
  bound: () => string;
  /** The host part of the printed URL (the address bound), accepted in `Host` too. */
  urlHost: () => string;
  token: string;
  /** The random path the page lives under (`/<prefix>`); the session cookie is scoped to it. */
  base: string;
}

/** Adds the security headers to every answer, whatever route gave it. */
export function securityHeaders(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) c.header(name, value);
  };
}

/** Whether a path is the page itself (at the root or under the prefix), the only one a visit opens. */
function isPagePath(path: string, base: string): boolean {
  return path === '/' || path === base || path === `${base}/`;
}

/**
 * Lets through only requests on the dashboard's own host that present the token (bearer or `?token=`)
 * or, under the path prefix, a session cookie; a visit to the page with `?token=` gets a session and
 * a clean address.
 */
export function accessGate(options: AccessOptions): MiddlewareHandler {
  const { host, token, base } = options;
  const sessions = new SessionStore();
  return async (c, next) => {
    const port = options.port();
    // A page on another name that resolves to 127.0.0.1 (DNS rebinding) is not this dashboard's page.
    if (
      !hostAllowed(c.req.header('host'), options.bound(), port, {
        askedHost: host,
        urlHost: options.urlHost(),
      })
    ) {
      return c.text(`403: this dashboard answers only to ${host}:${port}\n`, 403);
    }
    const cookie = tokenCookieName(port);
    const startSession = () => {
      setCookie(c, cookie, sessions.create(), { httpOnly: true, sameSite: 'Strict', path: `${base}/` });
      // Drop the token from the address bar (and so from the browser's history).
      return c.redirect(`${base}/`, 303);
    };
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
    // Only opening the page makes a session: a script polling `/api/state?token=…` is let through
    // request by request, so it never pushes the browser's session out of the store.
    if (query !== undefined && isPagePath(c.req.path, base)) return startSession();
    if (c.req.path === base) return c.redirect(`${base}/`, 303);
    await next();
  };
}
