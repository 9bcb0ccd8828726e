import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BATON_BIN } from '../rig/cli.js';
import { contractFiles } from '../rig/contracts.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

/** Runs the built CLI with a module-loader hook that records every module it loads. */
function baton(
  repo: TempRepo,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): { stdout: string; modules: string[] } {
  const dir = join(repo.root, '..', 'module-hook');
  mkdirSync(dir, { recursive: true });
  const list = join(dir, 'loaded.txt');
  writeFileSync(list, '');
  writeFileSync(
    join(dir, 'hooks.mjs'),
    `import { appendFileSync } from 'node:fs';\nexport async function load(url, context, next) {\n  appendFileSync(${JSON.stringify(list)}, url + '\\n');\n  return next(url, context);\n}\n`,
  );
  writeFileSync(
    join(dir, 'register.mjs'),
    `import { register } from 'node:module';\nregister('./hooks.mjs', import.meta.url);\n`,
  );
  // Modules loaded with require() (a library Baton loads on first use) pass no ESM hook: recorded here.
  writeFileSync(
    join(dir, 'require-hook.cjs'),
    `const Module = require('node:module');\nconst { appendFileSync } = require('node:fs');\nconst load = Module._load;\nModule._load = function (request, parent, isMain) {\n  try { appendFileSync(${JSON.stringify(list)}, Module._resolveFilename(request, parent, isMain) + '\\n'); } catch {}\n  return load.apply(this, arguments);\n};\n`,
  );
  const hooks = ['--require', join(dir, 'require-hook.cjs'), '--import', join(dir, 'register.mjs')];
  const r = spawnSync(process.execPath, [...hooks, BATON_BIN, ...args], {
    cwd: repo.root,
    encoding: 'utf8',
    // The module tree, not the bundle (bin/baton.js): each module is a file of its own, so the hook names it.
    env: { ...env, NO_COLOR: '1', BATON_UNBUNDLED: '1' },
  });
  expect(r.status, r.stderr).toBe(0);
  return { stdout: r.stdout, modules: readFileSync(list, 'utf8').split('\n').filter(Boolean) };
}

const heavy = (modules: string[]) => modules.filter((m) => /\/node_modules\/(zod|yaml)\//.test(m));

/** This environment without what moves git's repository (as a shell in the project has), and `git` a logging shim. */
function gitLoggingEnv(dir: string): { env: NodeJS.ProcessEnv; calls: () => string[] } {
  const realGit = execFileSync('bash', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
  const bin = join(dir, 'shim-bin');
  const log = join(dir, 'git-calls.txt');
  mkdirSync(bin, { recursive: true });
  writeFileSync(log, '');
  writeFileSync(join(bin, 'git'), `#!/bin/sh\nprintf '%s\\n' "$*" >> '${log}'\nexec '${realGit}' "$@"\n`);
  chmodSync(join(bin, 'git'), 0o755);
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('GIT_')));
  return {
    env: { ...env, PATH: `${bin}:${process.env.PATH}` },
    calls: () => readFileSync(log, 'utf8').split('\n').filter(Boolean),
  };
}

// One scenario for what a warm `status` skips: the modules it loads, and (git a logging shim on PATH)
// the git processes it starts.
describe('a warm `baton status`', () => {
  it('loads neither zod nor yaml nor slice-ansi and starts no git process when the snapshot is fresh, and answers the same; the first read asks git, and so does one with GIT_DIR set', () => {
    const ids = ['feature-001-a', 'feature-002-b'];
    const repo = makeRepo({ 'README.md': '# app\n', ...contractFiles(ids.map((id) => ({ id }))) });
    repos.push(repo);
    mkdirSync(join(repo.root, '.baton'), { recursive: true });
    const log = join(repo.root, '.baton', 'log.jsonl');
    writeFileSync(log, `{"feature_id":"feature-001-a","status":"running"}\n`);
    const shim = gitLoggingEnv(join(repo.root, '..'));
    const cold = baton(repo, ['status', '--json'], shim.env);
    // The first read parses the contracts and the log: zod and yaml are loaded (the count can fail).
    expect(heavy(cold.modules).length).toBeGreaterThan(0);
    expect(shim.calls().length, 'the first read asks git').toBeGreaterThan(0);
    const before = shim.calls().length;
    const warm = baton(repo, ['status', '--json'], shim.env);
    expect(heavy(warm.modules)).toEqual([]);
    expect(shim.calls().slice(before), 'a warm status starts no git process').toEqual([]);
    expect(
      warm.modules.filter((m) => m.includes('/node_modules/slice-ansi/')),
      'nor loads slice-ansi',
    ).toEqual([]);
    expect(warm.modules.length).toBeLessThan(cold.modules.length);
    expect(warm.stdout).toBe(cold.stdout);
    // An append makes the snapshot stale: the lines are parsed, and the answer has them.
    appendFileSync(log, `{"feature_id":"feature-002-b","status":"failed"}\n`);
    const after = baton(repo, ['status', '--json'], shim.env);
    const row = (out: string, id: string) =>
      (JSON.parse(out) as { features: Array<{ feature_id: string; status: string }> }).features.find(
        (f) => f.feature_id === id,
      );
    expect(row(after.stdout, 'feature-002-b')?.status).toBe('failed');
    // A contract added since: the plan is read again (yaml loaded), and the new feature is listed.
    mkdirSync(join(repo.root, 'specs', 'feature-003-c'));
    writeFileSync(
      join(repo.root, 'specs', 'feature-003-c', 'contract.md'),
      readFileSync(join(repo.root, 'specs', 'feature-002-b', 'contract.md'), 'utf8').replaceAll(
        'feature-002-b',
        'feature-003-c',
      ),
    );
    const changed = baton(repo, ['status', '--json'], shim.env);
    expect(heavy(changed.modules).length).toBeGreaterThan(0);
    expect(row(changed.stdout, 'feature-003-c')?.status).toBe('pending');
    expect(heavy(baton(repo, ['status', '--json'], shim.env).modules)).toEqual([]);
    // GIT_DIR moves the repository: the file system's guess is not used, git is asked.
    const beforeGitDir = shim.calls().length;
    baton(repo, ['status', '--json'], { ...shim.env, GIT_DIR: join(repo.root, '.git') });
    expect(shim.calls().length, 'a status with GIT_DIR set asks git').toBeGreaterThan(beforeGitDir);
  });
});

describe('a command whose contracts come from the parse cache', () => {
  it('loads no yaml: `baton plan` parses the contracts the first time only, and answers the same', () => {
    const ids = ['feature-001-a', 'feature-002-b'];
    const repo = makeRepo({ 'README.md': '# app\n', ...contractFiles(ids.map((id) => ({ id }))) });
    repos.push(repo);
    // The cache lives in .baton/, which a first run makes (read-only commands never create it).
    mkdirSync(join(repo.root, '.baton'), { recursive: true });
    // The library as the build leaves it (dist/vendor/yaml.cjs), or the package itself.
    const yamlOf = (modules: string[]) =>
      modules.filter((m) => m.includes('/node_modules/yaml/') || m.endsWith('/dist/vendor/yaml.cjs'));
    const cold = baton(repo, ['plan']);
    // The first read parses the YAML front matter (the count can fail).
    expect(yamlOf(cold.modules).length).toBeGreaterThan(0);
    // From the one file the build made, not the package's ~40 modules one by one.
    expect(cold.modules.filter((m) => m.includes('/node_modules/yaml/'))).toEqual([]);
    const warm = baton(repo, ['plan']);
    expect(yamlOf(warm.modules)).toEqual([]);
    expect(warm.stdout).toBe(cold.stdout);
  });
});

describe('the import pass of `baton plan`', () => {
  it('loads the parser only while some owned JS/TS file has no cached imports', () => {
    const ids = ['feature-001-a', 'feature-002-b'];
    const repo = makeRepo({
      'README.md': '# app\n',
      'src/feature-001-a/index.ts': "import { b } from '../feature-002-b/index.js';\nexport const a = b;\n",
      'src/feature-002-b/index.ts': 'export const b = 1;\n',
      ...contractFiles(ids.map((id) => ({ id }))),
    });
    repos.push(repo);
    mkdirSync(join(repo.root, '.baton'), { recursive: true });
    const parser = (modules: string[]) => modules.filter((m) => m.includes('/node_modules/oxc-parser/'));
    const cold = baton(repo, ['plan']);
    // The first plan reads both files' imports (the count can fail), and finds the undeclared one.
    expect(parser(cold.modules).length).toBeGreaterThan(0);
    expect(cold.stdout).toContain('feature-001-a');
    const warm = baton(repo, ['plan']);
    expect(parser(warm.modules)).toEqual([]);
    expect(warm.stdout).toBe(cold.stdout);
    // A file changed since: its imports are read again, with the parser.
    writeFileSync(join(repo.root, 'src', 'feature-002-b', 'index.ts'), 'export const b = 2;\n// changed\n');
    expect(parser(baton(repo, ['plan']).modules).length).toBeGreaterThan(0);
  });
});

describe('a first `baton status` (the built CLI loads the project in a worker thread)', () => {
  it('lists the plan in order, and every feature the specs folder and the log name when a contract does not load', () => {
    const ids = ['feature-002-b', 'feature-001-a'];
    const repo = makeRepo({ 'README.md': '# app\n', ...contractFiles(ids.map((id) => ({ id }))) });
    repos.push(repo);
    mkdirSync(join(repo.root, '.baton'), { recursive: true });
    const log = join(repo.root, '.baton', 'log.jsonl');
    writeFileSync(log, `{"feature_id":"feature-009-z","status":"running"}\n`);
    const listed = (out: string) =>
      (JSON.parse(out) as { features: Array<{ feature_id: string }> }).features.map((f) => f.feature_id);
    expect(listed(baton(repo, ['status', '--json']).stdout)).toEqual([
      'feature-001-a',
      'feature-002-b',
      'feature-009-z',
    ]);
    writeFileSync(
      join(repo.root, 'specs', 'feature-001-a', 'contract.md'),
      '---\nfeature_id: [broken\n---\n',
    );
    // The broken contract by its folder's name, in folder order (there is no plan), then the log's own.
    expect(listed(baton(repo, ['status', '--json']).stdout)).toEqual([
      'feature-001-a',
      'feature-002-b',
      'feature-009-z',
    ]);
  });
});
