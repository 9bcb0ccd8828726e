import { createRequire } from 'node:module';

type Yaml = typeof import('yaml');
let loaded: Yaml | undefined;

/**
 * The YAML library, loaded on first use (synchronously, from its CommonJS build): a command whose
 * contracts all come from the parse cache, with a JSON config or none, never loads it.
 */
export function yaml(): Yaml {
  loaded ??= createRequire(import.meta.url)('yaml') as Yaml;
  return loaded;
}
