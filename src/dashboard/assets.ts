import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One file of the page, loaded in memory at start. */
export interface Asset {
  body: Buffer;
  contentType: string;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/** The folder shipped in the package with the page (same depth from `src/dashboard` and `dist/dashboard`). */
export const ASSET_DIR = fileURLToPath(new URL('../../assets/dashboard/', import.meta.url));

/**
 * Loads the page's files into a fixed map, name → content. Only regular files directly in the folder
 * with a known type are served; a request for anything else is a lookup miss, so no path a client
 * sends ever reaches the file system.
 */
export function loadAssets(dir: string = ASSET_DIR): ReadonlyMap<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const contentType = CONTENT_TYPES[extname(entry.name)];
    if (!contentType) continue;
    assets.set(entry.name, { body: readFileSync(join(dir, entry.name)), contentType });
  }
  return assets;
}
