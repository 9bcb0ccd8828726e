// Builds dist/bundle/ (and dist/vendor/yaml.cjs) from tsc's output (see rolldown.config.mjs) without the
// CLI's per-chunk listing. Then lists, in each output folder's `no-cache.json`, the chunks whose code calls
// `import()`: bin/compile-cache.js compiles those the ordinary way (on Node 20 a chunk compiled from cached
// code cannot load an ES module), and leaves a folder without the list to the ordinary loader altogether.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSync } from 'oxc-parser';
import { build } from 'rolldown';
import config from '../rolldown.config.mjs';

for (const one of config) await build(one);

for (const one of config) {
  const dir = one.output.dir;
  const chunks = readdirSync(dir).filter((f) => f.endsWith('.cjs'));
  const importing = chunks.filter((f) => {
    const parsed = parseSync(f, readFileSync(join(dir, f), 'utf8'), { sourceType: 'script' });
    if (parsed.errors.length > 0) throw new Error(`${dir}/${f}: ${parsed.errors[0]?.message}`);
    return parsed.module.dynamicImports.length > 0;
  });
  writeFileSync(join(dir, 'no-cache.json'), `${JSON.stringify(importing)}\n`);
}
