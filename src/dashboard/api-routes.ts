/** The JSON API's board read: `/api/state`, the same snapshot a new event stream starts with. */
import { type Context, Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { stringifyJson } from '../text/escape.js';
import type { BoardState } from './board-state.js';

/**
 * A JSON response through `stringifyJson`: ids and messages from the log reach the client with
 * their C1 controls, U+2028/2029 and bidi controls as `\\u` escapes.
 */
export function sendJson(c: Context, value: unknown, status: ContentfulStatusCode = 200): Response {
  return c.body(stringifyJson(value), status, { 'Content-Type': 'application/json; charset=UTF-8' });
}

/** Routes `/api/state` over the live state. */
export function apiRoutes(state: BoardState): Hono {
  const routes = new Hono();
  routes.get('/api/state', (c) => {
    c.header('Cache-Control', 'no-store');
    return sendJson(c, state.snapshot());
  });
  return routes;
}
