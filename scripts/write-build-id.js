// Writes <dist>/build-id.js (dist/ unless a folder is given): Baton's version from package.json and a hash of
// every module tsc compiled into that folder (not the bundle and vendor folders, which are made from them
// next), so a cache stamped with it (src/build-id.ts) is never reused by another build of Baton.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

const dist = process.argv[2] ?? join(import.meta.dirname, '..', 'dist');
const OUT = 'build-id.js';
const SKIPPED = new Set(['bundle', 'vendor']);

/** The compiled modules under `dir`, as paths relative to `dist` with `/`, sorted. */
function modules(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = join(dir, e.name);
    if (e.isDirectory()) return dir === dist && SKIPPED.has(e.name) ? [] : modules(full);
    const rel = relative(dist, full).split(sep).join('/');
    return e.isFile() && e.name.endsWith('.js') && rel !== OUT ? [rel] : [];
  });
}

const { version } = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8'));
const hash = createHash('sha256');
for (const rel of modules(dist).sort())
  hash
    .update(`${rel}\0`)
    .update(readFileSync(join(dist, rel)))
    .update('\0');
const id = `${version}+${hash.digest('hex').slice(0, 16)}`;
writeFileSync(
  join(dist, OUT),
  `/** The running build's identity, written by scripts/write-build-id.js (see src/build-id.ts). */\nexport const BUILD_ID = ${JSON.stringify(id)};\n`,
);
