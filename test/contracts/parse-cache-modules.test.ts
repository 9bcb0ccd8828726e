import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PARSER_MODULES } from '../../src/contracts/parse-cache.js';

const CONTRACTS = join(dirname(fileURLToPath(import.meta.url)), '../../src/contracts');

/** Every module `from` imports for its values (type-only imports left out), followed to the end. */
function valueImportClosure(from: string): Set<string> {
  const seen = new Set<string>();
  const queue = [from];
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/^import\s+(type\s+)?[^;]*?from\s+'(\.[^']+)'/gms)) {
      if (m[1] || !m[2]) continue;
      queue.push(join(dirname(file), m[2].replace(/\.js$/, '.ts')));
    }
  }
  return new Set([...seen].map((f) => relative(CONTRACTS, f).replace(/\.ts$/, '')));
}

describe('the parse cache fingerprint', () => {
  it('hashes every module the parser runs, so a change to any of them drops cached results', () => {
    const closure = valueImportClosure(join(CONTRACTS, 'parse.ts'));
    const missing = [...closure].filter((m) => !PARSER_MODULES.includes(m));
    expect(missing).toEqual([]);
  });
});
