import { spawnSync } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const SCRIPT = resolve(import.meta.dirname, '..', '..', 'scripts', 'run-parallel.js');

// A package whose scripts pass and fail, standing in for lint, typecheck and build.
const dir = realpathSync(mkdtempSync(join(tmpdir(), 'baton-parallel-')));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(
  join(dir, 'package.json'),
  JSON.stringify({
    name: 'p',
    version: '1.0.0',
    scripts: {
      fine: 'echo all-fine',
      broken: 'echo broken-out; echo broken-err >&2; exit 3',
      // Stands in for the test run: prints its arguments, and fails when asked to.
      tests: 'node tests.js',
    },
  }),
);

writeFileSync(
  join(dir, 'tests.js'),
  "console.log('tests-args', JSON.stringify(process.argv.slice(2))); process.exit(process.argv.includes('--fail') ? 4 : 0);\n",
);

const run = (...names: string[]) =>
  spawnSync(process.execPath, [SCRIPT, ...names], { cwd: dir, encoding: 'utf8' });

describe('npm test runs lint, typecheck and build at once (scripts/run-parallel.js)', () => {
  it('exits 0 when every script passed, with each one’s output', () => {
    const r = run('fine', 'fine');
    expect(r.status).toBe(0);
    expect(r.stdout.match(/> fine: ok/g)).toHaveLength(2);
    expect(r.stdout).toContain('all-fine');
  });

  it('exits 1 when any script failed, after the others ended, showing its stdout and stderr', () => {
    const r = run('broken', 'fine');
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/> broken: FAILED/);
    expect(r.stdout).toContain('broken-out');
    expect(r.stdout).toContain('broken-err');
    expect(r.stdout).toMatch(/> fine: ok/);
  });
});

describe('npm test runs typecheck beside the test run (--live)', () => {
  it('passes the test run its arguments and its output, and exits 0 when both passed', () => {
    const r = run('fine', '--live', 'tests', '--reporter=dot', 'x');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('tests-args ["--reporter=dot","x"]');
    expect(r.stdout).toMatch(/> fine: ok/);
    // Printed after the live output, never into it.
    expect(r.stdout.indexOf('> fine: ok')).toBeGreaterThan(r.stdout.indexOf('tests-args'));
    expect(r.stdout).not.toContain('FAILED');
  });

  it('exits 1 when the script beside it failed, naming it again after the test run’s output', () => {
    const r = run('broken', '--live', 'tests');
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('broken-err');
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe('> FAILED beside tests: broken (output above)');
  });

  it('exits 1 when the test run failed though the script beside it passed', () => {
    const r = run('fine', '--live', 'tests', '--fail');
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/> tests: FAILED \(exit 4\)/);
  });

  it('refuses --live without a script name', () => {
    const r = run('fine', '--live');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^usage:/);
  });
});
