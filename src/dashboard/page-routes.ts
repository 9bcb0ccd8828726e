/** The page and its static files, served from memory (see assets.ts: no request path reaches the disk). */
import { type Context, Hono } from 'hono';
import { type Asset, loadAssets } from './assets.js';

/** Answers with one asset, or 404 when the name is not one of the page's files. */
export function sendAsset(c: Context, asset: Asset | undefined): Response {
  if (!asset) return c.text('404: not found\n', 404);
  c.header('Content-Type', asset.contentType);
  c.header('Cache-Control', 'no-cache');
  return c.body(new Uint8Array(asset.body));
}

/** Routes `/` (the page) and `/assets/:name` over the given assets. */
export function pageRoutes(assets: ReadonlyMap<string, Asset> = loadAssets()): Hono {
  const routes = new Hono();
  routes.get('/', (c) => sendAsset(c, assets.get('index.html')));
  routes.get('/assets/:name', (c) => sendAsset(c, assets.get(c.req.param('name'))));
  return routes;
}
