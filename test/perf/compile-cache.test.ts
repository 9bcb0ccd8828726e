// V8's compiled code for the bundled chunks, kept on disk between starts (bin/compile-cache.js): on a
// Node without `module.enableCompileCache` (20), Baton's own cache in a private folder of the temporary
// folder, per command; from Node 22.1, Node's own. Real `baton` processes with their own TMPDIR.
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import nodeModule from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BATON_BIN } from '../rig/cli.js';

const OURS = typeof (nodeModule as { enableCompileCache?: unknown }).enableCompileCache !== 'function';
const temps: string[] = [];
afterEach(() => {
  for (const t of temps.splice(0)) {
    chmodSync(t, 0o700);
    rmSync(t, { recursive: true, force: true });
  }
});

function tmp(): string {
  const t = mkdtempSync(join(tmpdir(), 'baton-cc-'));
  temps.push(t);
  return t;
}

/** `baton <args>` with `tmp` as its temporary folder: its output and exit code. */
function baton(t: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [BATON_BIN, ...args], {
    cwd: t,
    encoding: 'utf8',
    // A start blocked in open() on a FIFO runs no signal handler: killed, it fails the test instead of hanging it.
    timeout: 30_000,
    killSignal: 'SIGKILL',
    env: { ...process.env, TMPDIR: t, NODE_DISABLE_COMPILE_CACHE: '', BATON_UNBUNDLED: '', ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const top = (t: string) => join(t, `baton-compile-cache-${process.getuid?.()}`);
const commandDir = (t: string, command: string) =>
  join(top(t), `${process.versions.v8}-${process.arch}`, command);
/** The entries of a command's folder, with their contents. */
function entries(t: string, command: string): Map<string, Buffer> {
  const dir = commandDir(t, command);
  return new Map(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f))]));
}

describe('the compile cache', () => {
  it('is Baton’s own on a Node without module.enableCompileCache, Node’s own from Node 22.1', () => {
    const t = tmp();
    expect(baton(t, ['--version']).code).toBe(0);
    expect(readdirSync(t).includes(`baton-compile-cache-${process.getuid?.()}`)).toBe(OURS);
  });

  it.runIf(OURS)(
    'keeps each command’s compiled chunks in a private folder, used as is by the next start',
    () => {
      const t = tmp();
      const first = baton(t, ['--help']);
      expect(first.code).toBe(0);
      expect(statSync(top(t)).mode & 0o777).toBe(0o700);
      const stored = entries(t, '_');
      expect([...stored.keys()].some((f) => f.startsWith('main.cjs.'))).toBe(true);
      for (const f of stored.keys()) expect(statSync(join(commandDir(t, '_'), f)).mode & 0o777).toBe(0o600);
      // A second start reads them: V8 takes them, nothing is written again, the output is the same.
      const again = baton(t, ['--help']);
      expect(again.stdout).toBe(first.stdout);
      expect(entries(t, '_')).toEqual(stored);
      // Another command has its own entries, holding what it compiled.
      expect(baton(t, ['lint']).code).not.toBe(0);
      expect([...entries(t, 'lint').keys()].some((f) => f.startsWith('main.cjs.'))).toBe(true);
    },
  );

  it.runIf(OURS)('replaces an entry V8 refuses, and the command runs as if there were none', () => {
    const t = tmp();
    const first = baton(t, ['--help']);
    const main = [...entries(t, '_').keys()].find((f) => f.startsWith('main.cjs.')) ?? '';
    writeFileSync(join(commandDir(t, '_'), main), 'not V8 code at all');
    const again = baton(t, ['--help']);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(first.stdout);
    expect(entries(t, '_').get(main)?.toString()).not.toBe('not V8 code at all');
  });

  it.runIf(OURS).each([
    ['a FIFO', (p: string) => spawnSync('mkfifo', [p])],
    ['a symlink to /dev/zero', (p: string) => symlinkSync('/dev/zero', p)],
  ])(
    'takes an entry that is %s for none: the command starts at once and the entry is written again',
    (_what, make) => {
      const t = tmp();
      const first = baton(t, ['--help']);
      const dir = commandDir(t, '_');
      const names = [...entries(t, '_').keys()];
      for (const name of names) {
        rmSync(join(dir, name));
        make(join(dir, name));
      }
      const again = baton(t, ['--help']);
      expect(again.code).toBe(0);
      expect(again.stdout).toBe(first.stdout);
      for (const name of names) expect(lstatSync(join(dir, name)).isFile()).toBe(true);
    },
  );

  it.runIf(OURS)('drops the entries of chunks rebuilt or gone when it stores new ones', () => {
    const t = tmp();
    baton(t, ['--help']);
    const dir = commandDir(t, '_');
    const names = [...entries(t, '_').keys()];
    const main = names.find((f) => f.startsWith('main.cjs.')) ?? '';
    rmSync(join(dir, main));
    writeFileSync(join(dir, `main.cjs.${'0'.repeat(40)}`), 'an older build');
    writeFileSync(join(dir, `gone-Xy12.cjs.${'1'.repeat(40)}`), 'a chunk no build has now');
    baton(t, ['--help']);
    expect([...entries(t, '_').keys()].sort()).toEqual(names.sort());
  });

  it.runIf(OURS)('is not used from a folder others may write, nor through a link', () => {
    const shared = tmp();
    mkdirSync(top(shared), { mode: 0o777 });
    chmodSync(top(shared), 0o777);
    expect(baton(shared, ['--help']).code).toBe(0);
    expect(readdirSync(top(shared))).toEqual([]);

    const linked = tmp();
    const elsewhere = join(linked, 'elsewhere');
    mkdirSync(elsewhere, { mode: 0o700 });
    symlinkSync(elsewhere, top(linked));
    expect(baton(linked, ['--help']).code).toBe(0);
    expect(readdirSync(elsewhere)).toEqual([]);
  });

  it.runIf(OURS)('is off with NODE_DISABLE_COMPILE_CACHE=1, as Node’s own is', () => {
    const t = tmp();
    expect(baton(t, ['--help'], { NODE_DISABLE_COMPILE_CACHE: '1' }).code).toBe(0);
    expect(readdirSync(t)).toEqual([]);
  });

  it.runIf(OURS)('leaves the chunks that call import() to Node, so they load ES modules (oxc-parser)', () => {
    const t = tmp();
    mkdirSync(join(t, 'repo'));
    const git = (...args: string[]) => spawnSync('git', args, { cwd: join(t, 'repo'), encoding: 'utf8' });
    git('init', '-q', '-b', 'main');
    mkdirSync(join(t, 'repo', 'specs', 'feature-001-a'), { recursive: true });
    writeFileSync(
      join(t, 'repo', 'specs', 'feature-001-a', 'contract.md'),
      '---\nfeature_id: feature-001-a\nowns: ["src/a/**"]\n---\n',
    );
    // A TypeScript file whose imports `plan` reads with oxc-parser, an ES module loaded by import().
    mkdirSync(join(t, 'repo', 'src', 'a'), { recursive: true });
    writeFileSync(join(t, 'repo', 'src', 'a', 'x.ts'), "import { y } from './y';\nexport const x = y;\n");
    writeFileSync(join(t, 'repo', 'src', 'a', 'y.ts'), 'export const y = 1;\n');
    git('add', '-A');
    git('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'init');
    for (const args of [['status'], ['plan'], ['status'], ['plan']]) {
      const r = spawnSync(process.execPath, [BATON_BIN, ...args], {
        cwd: join(t, 'repo'),
        encoding: 'utf8',
        env: { ...process.env, TMPDIR: t, NODE_DISABLE_COMPILE_CACHE: '' },
      });
      expect(r.stderr).toBe('');
      expect(r.stdout).toContain('feature-001-a');
    }
    expect(
      JSON.parse(readFileSync(join(BATON_BIN, '..', '..', 'dist', 'bundle', 'no-cache.json'), 'utf8')),
    ).toEqual([expect.stringMatching(/^imports-/)]);
  });
});
