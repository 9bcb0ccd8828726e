#!/usr/bin/env node
import { existsSync } from 'node:fs';
import nodeModule from 'node:module';
import { fileURLToPath } from 'node:url';
import { installCompileCache } from './compile-cache.js';

// V8's compiled code for Baton's modules is kept on disk (in the temporary folder;
// NODE_DISABLE_COMPILE_CACHE=1 turns it off), so later starts compile less: Node's own cache from
// Node 22.1, Baton's for the bundled chunks before (compile-cache.js).
if (nodeModule.enableCompileCache) nodeModule.enableCompileCache();
else
  installCompileCache(
    ['../dist/bundle', '../dist/vendor'].map((d) => fileURLToPath(new URL(d, import.meta.url))),
  );
// The bundled CLI (rolldown.config.mjs: CommonJS chunks, loaded synchronously) starts faster;
// BATON_UNBUNDLED=1 loads tsc's module tree (ES modules) instead.
const bundle = new URL('../dist/bundle/main.cjs', import.meta.url);
if (process.env.BATON_UNBUNDLED !== '1' && existsSync(bundle)) {
  const require = nodeModule.createRequire(import.meta.url);
  require(fileURLToPath(bundle)).main();
} else {
  import('../dist/cli/main.js').then((cli) => cli.main());
}
