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
