/** The JSON API's board read: `/api/state`, the same snapshot a new event stream starts with. */
import { Hono } from 'hono';
import type { BoardState } from './board-state.js';

/** Routes `/api/state` over the live state. */
export function apiRoutes(state: BoardState): Hono {
  const routes = new Hono();
  routes.get('/api/state', (c) => {
    c.header('Cache-Control', 'no-store');
    return c.json(state.snapshot());
  });
  return routes;
}
