// Runs before `tsc` in `npm run build`: tsc's incremental record (dist/.tsbuildinfo) says what it last
// emitted, but tsc does not look whether those files are still there, so a compiled module removed by
// hand would stay missing. When any module of src/ has no compiled file in dist/, the record is removed
// and tsc compiles everything again.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(import.meta.dirname, '..');
const src = join(root, 'src');
const dist = join(root, 'dist');
const record = join(dist, '.tsbuildinfo');

/** The compiled file each TypeScript module under `dir` should have in dist/. */
function expected(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = join(dir, e.name);
    if (e.isDirectory()) return expected(full);
    if (!e.name.endsWith('.ts') || e.name.endsWith('.d.ts') || e.name.endsWith('.test.ts')) return [];
    return [join(dist, relative(src, full)).replace(/\.ts$/, '.js')];
  });
}

if (existsSync(record)) {
  const missing = expected(src).filter((f) => !existsSync(f));
  if (missing.length > 0) {
    process.stdout.write(`build: ${relative(root, missing[0])} is missing; compiling everything again\n`);
    rmSync(record);
  }
}
