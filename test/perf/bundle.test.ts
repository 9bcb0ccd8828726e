// The built CLI (`npm run build`: rolldown.config.mjs) is CommonJS chunks in dist/bundle/, which
// bin/baton.js requires; the module tree in dist/cli/ only with BATON_UNBUNDLED=1.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BATON_BIN } from '../rig/cli.js';
import { contractFiles } from '../rig/contracts.js';
import { makeRepo } from '../rig/repo.js';

const BUNDLE = resolve(import.meta.dirname, '..', '..', 'dist', 'bundle');
const scratch = mkdtempSync(join(tmpdir(), 'baton-bundle-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The files a `baton` process loaded through require() (the bundle's way), recorded at its exit. */
function loadedFiles(args: string[], env: NodeJS.ProcessEnv = {}, cwd = scratch): string[] {
  const out = join(scratch, `loaded-${Math.random().toString(36).slice(2)}.json`);
  const preload = join(scratch, 'record.cjs');
  writeFileSync(
    preload,
    `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(out)}, JSON.stringify(Object.keys(require.cache))));\n`,
  );
  const r = spawnSync(process.execPath, ['--require', preload, BATON_BIN, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, BATON_UNBUNDLED: '', ...env },
  });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(readFileSync(out, 'utf8')) as string[];
}

describe('the bundled CLI', () => {
  it('is CommonJS chunks, which bin/baton.js requires', () => {
    const files = readdirSync(BUNDLE);
    expect(files).toContain('main.cjs');
    // Beside them, the build's list of the chunks that call import() (bin/compile-cache.js).
    expect(files.filter((f) => !f.endsWith('.cjs'))).toEqual(['no-cache.json']);
    const loaded = loadedFiles(['--version']);
    // The module tree's ES modules would not be in require's cache at all: main.cjs there is the bundle.
    expect(loaded).toContain(join(BUNDLE, 'main.cjs'));
  });

  it('loads the project of a first `status` in its worker thread, not on the main thread', () => {
    const repo = makeRepo({ 'README.md': '# app\n', ...contractFiles([{ id: 'feature-001-a' }]) });
    try {
      // No cached plan: the contracts are parsed (the YAML library loaded) by the worker, whose
      // modules are its own. status-plan-load.ts names the worker with its own extension; a `.js`
      // name in this bundle would find no file and parse on the main thread instead.
      const loaded = loadedFiles(['status', '--json'], {}, repo.root);
      expect(loaded).toContain(join(BUNDLE, 'main.cjs'));
      expect(loaded.filter((f) => f.includes('yaml'))).toEqual([]);
      // The recorder does see the library when the main thread parses the contracts.
      const planned = loadedFiles(['plan'], {}, repo.root);
      expect(planned).toContain(resolve(BUNDLE, '..', 'vendor', 'yaml.cjs'));
    } finally {
      repo.cleanup();
    }
  });
});
