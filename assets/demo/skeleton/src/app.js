// The HTTP application: loads every feature's routes from src/features/<name>/routes.js, so
// features plug in without editing a shared file (and without merge conflicts).
import { existsSync, readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { sendJson } from './http.js';

const featuresDir = join(import.meta.dirname, 'features');

function compile(path) {
  const names = [];
  const pattern = path.replace(/:([a-z]+)/g, (_, name) => {
    names.push(name);
    return '([^/]+)';
  });
  return { regex: new RegExp(`^${pattern}$`), names };
}

/** Loads every feature's routes. */
export async function loadRoutes() {
  const routes = [];
  if (!existsSync(featuresDir)) return routes;
  for (const name of readdirSync(featuresDir).sort()) {
    const file = join(featuresDir, name, 'routes.js');
    if (!existsSync(file)) continue;
    const mod = await import(pathToFileURL(file).href);
    for (const route of mod.routes ?? []) routes.push({ ...route, ...compile(route.path), feature: name });
  }
  return routes;
}

/** Creates the HTTP server (not yet listening). */
export async function createApp() {
  const routes = await loadRoutes();
  return createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/health')
      return sendJson(res, 200, { ok: true, features: [...new Set(routes.map((r) => r.feature))] });
    for (const route of routes) {
      if (route.method !== req.method) continue;
      const m = route.regex.exec(url.pathname);
      if (!m) continue;
      const params = Object.fromEntries(route.names.map((n, i) => [n, decodeURIComponent(m[i + 1])]));
      try {
        return await route.handler(req, res, params);
      } catch (err) {
        return sendJson(res, 500, { error: String(err?.message ?? err) });
      }
    }
    sendJson(res, 404, { error: `no route for ${req.method} ${url.pathname}` });
  });
}
