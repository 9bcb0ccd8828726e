import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const SCRIPT = resolve(import.meta.dirname, '..', '..', 'scripts', 'ensure-test-deps.js');
const isRoot = process.getuid?.() === 0;

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A PATH holding only a fake `apt-get` (given its shell body), so chromium, redis-server and tmux are missing. */
function fakeApt(body: string): { bin: string; calls: string } {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'baton-pretest-')));
  dirs.push(dir);
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  const calls = join(dir, 'calls');
  writeFileSync(join(bin, 'apt-get'), `#!/bin/sh\necho "$@" >> ${calls}\n${body.replaceAll('BIN', bin)}\n`);
  chmodSync(join(bin, 'apt-get'), 0o755);
  writeFileSync(calls, '');
  return { bin, calls };
}

function pretest(bin: string) {
  // test-agents/node_modules is there in this checkout, so only the system programs are in question.
  return spawnSync(process.execPath, [SCRIPT], {
    env: { PATH: bin, HOME: process.env.HOME ?? '/tmp' },
    encoding: 'utf8',
  });
}

describe('npm test’s pretest, for test-agents/', () => {
  it('installs the agent CLIs with npm when node_modules is missing or a broken link, and leaves a whole one', () => {
    // A copy of the script in a scratch checkout, a fake npm that "installs" the four CLIs, and the
    // system programs present, so only test-agents/ is in question.
    const root = realpathSync(mkdtempSync(join(tmpdir(), 'baton-pretest-agents-')));
    dirs.push(root);
    mkdirSync(join(root, 'scripts'));
    writeFileSync(join(root, 'scripts', 'ensure-test-deps.js'), readFileSync(SCRIPT));
    mkdirSync(join(root, 'test-agents'));
    writeFileSync(join(root, 'test-agents', 'package.json'), '{ "private": true }\n');
    const bin = join(root, 'bin');
    mkdirSync(bin);
    for (const p of ['chromium', 'redis-server', 'tmux', 'apt-get']) {
      writeFileSync(join(bin, p), '#!/bin/sh\n', { mode: 0o755 });
    }
    writeFileSync(
      join(bin, 'npm'),
      '#!/bin/sh\necho "npm $@" >> ../npm-calls\n/bin/mkdir -p node_modules/.bin && for b in claude codex gemini opencode; do : > node_modules/.bin/$b; done\n',
      { mode: 0o755 },
    );
    const modules = join(root, 'test-agents', 'node_modules');
    symlinkSync(modules, modules); // a link to itself, as a bad merge once left one
    const run = () =>
      spawnSync(process.execPath, [join(root, 'scripts', 'ensure-test-deps.js')], {
        env: { PATH: bin, HOME: root },
        encoding: 'utf8',
      });
    const first = run();
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toContain('test-agents/node_modules is a broken link: removing the link');
    expect(first.stdout).toContain('pretest: $ npm install --no-audit --no-fund');
    expect(readFileSync(join(root, 'npm-calls'), 'utf8')).toBe('npm install --no-audit --no-fund\n');
    const second = run();
    expect(second.stdout).toContain('test-agents/node_modules is there');
    expect(readFileSync(join(root, 'npm-calls'), 'utf8')).toBe('npm install --no-audit --no-fund\n');
  });
});

describe.skipIf(!isRoot)('npm test’s pretest, as root', () => {
  it('installs the missing system packages with apt-get (update once), saying what it does', () => {
    // This apt-get "installs" by putting each package's program on PATH.
    const { bin, calls } = fakeApt(
      'if [ "$1" = install ]; then for p in "$@"; do case "$p" in -*|install) ;; *) printf "#!/bin/sh\\n" > "BIN/$p"; /bin/chmod +x "BIN/$p";; esac; done; fi',
    );
    const r = pretest(bin);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(
      'pretest: chromium is missing (needed by the browser tests (report and dashboard))',
    );
    expect(r.stdout).toContain(
      'pretest: $ apt-get install -y -qq --no-install-recommends chromium redis-server tmux',
    );
    expect(r.stdout).toContain('pretest: installed chromium, redis-server, tmux');
    expect(readFileSync(calls, 'utf8').split('\n').filter(Boolean)).toEqual([
      'update -qq',
      'install -y -qq --no-install-recommends chromium redis-server tmux',
    ]);
  });

  it('fails loudly with the exact command when apt-get cannot install, never skipping tests', () => {
    const { bin } = fakeApt('exit 100');
    const r = pretest(bin);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('pretest: apt-get could not install chromium, redis-server, tmux.');
    expect(r.stderr).toContain(
      'apt-get update && apt-get install -y --no-install-recommends chromium redis-server tmux',
    );
  });
});
