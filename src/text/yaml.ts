import { createRequire } from 'node:module';

type Yaml = typeof import('yaml');
let loaded: Yaml | undefined;

/**
 * The YAML library, loaded on first use (synchronously, from its CommonJS build): a command whose
 * contracts all come from the parse cache, with a JSON config or none, never loads it. The build
 * leaves the library as one file, `dist/vendor/yaml.cjs` (rolldown.config.mjs), as deep below
 * `dist/` as this module's own folder in the bundle or the module tree; run from the sources, or
 * without that file, the package itself is loaded.
 */
export function yaml(): Yaml {
  if (loaded) return loaded;
  const require = createRequire(import.meta.url);
  try {
    loaded = require('../vendor/yaml.cjs') as Yaml;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw err;
    loaded = require('yaml') as Yaml;
  }
  return loaded;
}
