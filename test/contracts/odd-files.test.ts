/**
 * A contract, spec or config path that holds something other than a regular text file (a FIFO, a
 * device, a dangling symlink, a folder, a huge file) is one located line from the real CLI, never a
 * hang or a stack trace; a UTF-8 byte order mark is read past.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { loadContracts } from '../../src/contracts/load.js';
import { readRegularText } from '../../src/open-regular.js';
import { BATON_BIN } from '../rig/cli.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

const contract = (id: string) =>
  `---\nfeature_id: ${id}\nowns: ["src/${id}/**"]\nacceptance_criteria:\n  - { text: tests pass, run: "true" }\n---\nBuild ${id}.\n`;

function repo(): TempRepo {
  const r = makeRepo({
    'README.md': '# app\n',
    'specs/feature-001-a/contract.md': contract('feature-001-a'),
  });
  repos.push(r);
  mkdirSync(join(r.root, 'specs', 'feature-002-b'));
  return r;
}

/**
 * The built CLI as a child process, stopped after a while: a reader that waits on a FIFO (the old one
 * did) shows as a killed process, not a test that never ends.
 */
function baton(root: string, args: string[]): { code: number | null; signal: string | null; out: string } {
  const r = spawnSync(process.execPath, [BATON_BIN, ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
    timeout: 30_000,
  });
  return { code: r.status, signal: r.signal, out: `${r.stdout}${r.stderr}` };
}

/** The CLI's answer for `args`: it ended by itself, exit 1, the line given, no stack trace. */
function expectRefused(root: string, args: string[], line: string): void {
  const r = baton(root, args);
  expect(r.signal, `baton ${args.join(' ')} was killed: it hung`).toBeNull();
  expect(r.code, r.out).toBe(1);
  expect(r.out).toContain(line);
  expect(r.out).not.toContain('internal error');
  expect(r.out).not.toMatch(/\n\s+at /);
}

describe('a contract or spec that is not a regular file', () => {
  it('a FIFO is named as one by lint and plan, which do not wait on it', () => {
    const r = repo();
    execFileSync('mkfifo', [join(r.root, 'specs/feature-002-b/contract.md')]);
    execFileSync('mkfifo', [join(r.root, 'specs/feature-001-a/spec.md')]);
    const contractLine =
      'specs/feature-002-b/contract.md: error: the contract is a FIFO, not a regular file [contracts/not-a-file]';
    const specLine =
      'specs/feature-001-a/spec.md: error: the spec is a FIFO, not a regular file [contracts/not-a-file]';
    expectRefused(r.root, ['lint', '--no-coupling'], contractLine);
    expectRefused(r.root, ['lint', '--no-coupling'], specLine);
    expectRefused(r.root, ['plan'], contractLine);
  });

  it('a dangling symlink, a device and a file over 1 MiB are each named for what they are', () => {
    const r = repo();
    const file = 'specs/feature-002-b/contract.md';
    symlinkSync('nowhere.md', join(r.root, file));
    expectRefused(
      r.root,
      ['lint', '--no-coupling'],
      `${file}: error: the contract is a dangling symlink (what it points to does not exist) [contracts/not-a-file]`,
    );
    rmSync(join(r.root, file));
    symlinkSync('/dev/null', join(r.root, file));
    expectRefused(
      r.root,
      ['plan'],
      `${file}: error: the contract is a character device, not a regular file [contracts/not-a-file]`,
    );
    rmSync(join(r.root, file));
    const huge = `${contract('feature-002-b')}${'x'.repeat(1024 * 1024)}\n`;
    writeFileSync(join(r.root, file), huge);
    expectRefused(
      r.root,
      ['lint', '--no-coupling'],
      `${file}: error: the contract is ${huge.length} bytes, more than a contract may hold (1 MiB) [contracts/too-large]`,
    );
  });
});

describe('a config file that is not a regular file', () => {
  it('a FIFO, a dangling symlink, a folder or a huge file is one line from lint and plan', () => {
    const r = repo();
    const config = join(r.root, 'baton.config.json');
    execFileSync('mkfifo', [config]);
    expectRefused(
      r.root,
      ['plan'],
      'baton.config.json: error: the config file is a FIFO, not a regular file [config/not-a-file]',
    );
    expectRefused(
      r.root,
      ['lint'],
      'baton.config.json: error: the config file is a FIFO, not a regular file [config/not-a-file]',
    );
    rmSync(config);
    symlinkSync('elsewhere.yaml', join(r.root, 'baton.yaml'));
    expectRefused(
      r.root,
      ['plan'],
      'baton.yaml: error: the config file is a dangling symlink (what it points to does not exist) [config/not-a-file]',
    );
    rmSync(join(r.root, 'baton.yaml'));
    mkdirSync(config);
    expectRefused(
      r.root,
      ['plan'],
      'baton.config.json: error: the config file is a folder, not a regular file [config/not-a-file]',
    );
    rmSync(config, { recursive: true });
    const huge = `{"agent": "claude"${' '.repeat(1024 * 1024)}}`;
    writeFileSync(config, huge);
    expectRefused(
      r.root,
      ['lint'],
      `baton.config.json: error: the config file is ${huge.length} bytes, more than a config file may hold (1 MiB) [config/too-large]`,
    );
  });
});

describe('a UTF-8 byte order mark', () => {
  it('at the start of a config, a contract or a spec is read past', async () => {
    const r = repo();
    r.write({
      'baton.config.json': '\uFEFF{ "concurrency": 3 }\n',
      'specs/feature-002-b/contract.md': `\uFEFF${contract('feature-002-b')}`,
      'specs/feature-002-b/spec.md': '\uFEFFDetails for b.\n',
    });
    const config = loadConfig(r.root);
    expect(config.ok ? config.value.concurrency : config.errors).toBe(3);
    if (!config.ok) return;
    const loaded = await loadContracts(config.value);
    expect(loaded.ok ? loaded.value.map((c) => [c.feature_id, c.spec]) : loaded.errors).toEqual([
      ['feature-001-a', undefined],
      ['feature-002-b', 'Details for b.\n'],
    ]);
    const lint = baton(r.root, ['lint', '--no-coupling']);
    expect(lint.code, lint.out).toBe(0);
  });
});

describe('readRegularText on a unix socket', () => {
  it('tells it as a socket, not a regular file, without waiting on it', async () => {
    const r = repo();
    const path = join(r.root, 'specs/feature-002-b/spec.md');
    const server = createServer();
    await new Promise<void>((done) => server.listen(path, done));
    try {
      for (const followLinks of [true, false]) {
        expect(readRegularText(path, { maxBytes: 1024, what: 'a spec', followLinks })).toEqual({
          ok: false,
          reason: 'not-regular',
          problem: 'is a socket, not a regular file',
        });
      }
    } finally {
      await new Promise((done) => server.close(done));
    }
  });
});
