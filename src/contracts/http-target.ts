/**
 * What an `http` check may send, one rule for the parser (which refuses a bad target at its line) and
 * the runner's http check (which sends it): the URL, with `${PORT}` and a bare path resolved, and the
 * method, in capitals (pure).
 */

/**
 * A method a check can send: any HTTP token (RFC 7230: `PURGE`, `REPORT`, `PROPFIND`, `QUERY` too, as
 * node:http sends them), in capitals.
 */
const METHOD_TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** The method a check sends when it names none. */
export const DEFAULT_HTTP_METHOD = 'GET';

/** A port to resolve `${PORT}` with when the feature's port is not known yet (reading the contract). */
const ANY_PORT = 3000;

/**
 * The URL a check targets: `${PORT}` becomes the feature's port (any port when `port` is not given),
 * and a bare path such as `/products` means the feature's own server on 127.0.0.1; only http: and
 * https: URLs. A Result, since the URL is user input.
 */
export function resolveCheckUrl(
  raw: string,
  port: number = ANY_PORT,
): { ok: true; url: URL } | { ok: false; message: string } {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the contract's own placeholder syntax
  const text = raw.replaceAll('${PORT}', String(port));
  const absolute = text.startsWith('/') ? `http://127.0.0.1:${port}${text}` : text;
  let url: URL;
  try {
    url = new URL(absolute);
  } catch {
    return {
      ok: false,
      message: `not a valid URL: ${JSON.stringify(raw)} (expected e.g. "http://127.0.0.1:\${PORT}/path")`,
    };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return {
      ok: false,
      message: `only http: and https: URLs can be measured, received ${JSON.stringify(raw)}`,
    };
  }
  return { ok: true, url };
}

/**
 * The method a check sends, in capitals (`GET` when it names none), or why it cannot be sent: not an
 * HTTP token, or CONNECT, which opens a tunnel rather than asking for an answer that could be timed.
 */
export function resolveCheckMethod(
  raw: string | undefined,
): { ok: true; method: string } | { ok: false; message: string } {
  if (raw === undefined) return { ok: true, method: DEFAULT_HTTP_METHOD };
  const method = raw.trim().toUpperCase();
  if (!METHOD_TOKEN.test(method)) {
    return {
      ok: false,
      message: `${JSON.stringify(raw)} is not an HTTP method: a method is one word of letters, digits and !#$%&'*+.^_\`|~- (e.g. GET, POST, PURGE)`,
    };
  }
  if (method === 'CONNECT') {
    return {
      ok: false,
      message:
        'CONNECT cannot be measured: it asks the server to open a tunnel, not for an answer whose latency a check could time',
    };
  }
  return { ok: true, method };
}
