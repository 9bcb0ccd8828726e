/**
 * A user error is one `baton: <message> [<code>]` line on stderr (then `hint:`), printed by one
 * formatter whichever command threw it, in-process and through `bin/baton.js`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { formatDiagnostic, formatUserError, UserError } from '../../src/errors.js';
import { runBaton, runBatonProcess } from '../rig/cli.js';
import { contractFiles } from '../rig/contracts.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});
function repo(files?: Record<string, string>): TempRepo {
  const r = makeRepo(files);
  repos.push(r);
  return r;
}
const errorLines = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('baton:'));

describe('formatUserError', () => {
  it.each([
    ['one line', 'no run x in log.jsonl', 'no run x in log.jsonl [a/b]'],
    [
      'several lines: the code ends the first',
      'dirty:\n  M a.txt\n  M b.txt',
      'dirty: [a/b]\n  M a.txt\n  M b.txt',
    ],
  ])('%s', (_what, message, line) => {
    expect(formatUserError(new UserError('a/b', message))).toBe(line);
  });
});

describe('formatDiagnostic', () => {
  it('keeps a located file name holding a newline on its one line', () => {
    const text = formatDiagnostic({
      severity: 'warning',
      code: 'coupling/hotspot',
      message: 'hotspot',
      location: { file: 'src/a\nb.ts', line: 3 },
    });
    expect(text).toBe('src/a\\nb.ts:3: warning: hotspot [coupling/hotspot]');
  });
});

describe('the error line', () => {
  it('is the message and its code on one line, then the hint', async () => {
    const r = repo();
    const res = await runBaton(['report', '--format', 'nope'], { cwd: r.root });
    expect(res.code).toBe(2);
    expect(res.stderr).toBe('baton: unknown format "nope": expected md, json or html [report/bad-format]\n');
  });

  it('refuses two formats asked at once instead of picking one silently', async () => {
    const r = repo();
    const res = await runBaton(['report', '--json', '--format', 'html'], { cwd: r.root });
    expect(res.code).toBe(2);
    expect(res.stdout).toContain('report/two-formats');
    expect(res.stderr).toBe(
      'baton: --json asks for json, --format for html [report/two-formats]\nhint: Give one of them.\n',
    );
  });

  it('refuses two formats in plan as in report, and takes --json with --format json', async () => {
    const r = repo(contractFiles([{ id: 'feature-001-a' }]));
    const res = await runBaton(['plan', '--json', '--format', 'mermaid'], { cwd: r.root });
    expect(res.code).toBe(2);
    expect(res.stderr).toBe(
      'baton: --json asks for json, --format for mermaid [plan/two-formats]\nhint: Give one of them.\n',
    );
    const same = await runBaton(['plan', '--json', '--format', 'json', '--no-coupling'], { cwd: r.root });
    expect(same.code, same.stderr).toBe(0);
    expect(JSON.parse(same.stdout).features.map((f: { feature_id: string }) => f.feature_id)).toEqual([
      'feature-001-a',
    ]);
  });

  it.each(['doctor', 'demo'])(
    '%s --help starts its description with a capital, as the others do',
    async (name) => {
      const r = repo();
      const res = await runBaton([name, '--help'], { cwd: r.root });
      expect(res.stdout.split('\n')[2]).toMatch(/^[A-Z]/);
    },
  );

  it('keeps the code on the first line of a message that lists more below, and --json carries the same code', async () => {
    const r = repo({
      'README.md': '# app\n',
      ...contractFiles([{ id: 'feature-001-a', agent: { command: 'true' } }]),
    });
    r.write({ 'README.md': '# changed\n' });
    const res = await runBaton(['run'], { cwd: r.root });
    expect(res.code).toBe(1);
    const lines = res.stderr.split('\n');
    expect(errorLines(res.stderr)).toEqual([
      expect.stringMatching(/^baton: the main checkout .*: \[run\/dirty-checkout\]$/),
    ]);
    expect(lines[1]).toBe('   M README.md');
    const json = await runBaton(['run', '--json'], { cwd: r.root });
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, error: { code: 'run/dirty-checkout' } });
    expect(errorLines(json.stderr)).toEqual(errorLines(res.stderr));
  });

  it('is the same for a command line Baton refuses, with --json on stdout too', async () => {
    const r = repo();
    const res = await runBaton(['status', '--bogus'], { cwd: r.root });
    expect(res.code).toBe(2);
    expect(res.stderr).toBe(
      "baton: unknown option '--bogus' [usage/unknown-option]\nhint: Run it with --help for its usage; an argument that starts with - goes after -- (baton send <id> -- -x).\n",
    );
    // Text for an agent that starts with a dash is read as an option; the hint names the way to send it.
    const dash = await runBaton(['send', 'feature-001-a', '-x'], { cwd: r.root });
    expect(dash.code).toBe(2);
    expect(dash.stderr).toContain("unknown option '-x' [usage/unknown-option]");
    expect(dash.stderr).toContain('goes after -- (baton send <id> -- -x)');
    const json = await runBaton(['status', '--json', '--port', 'x'], { cwd: r.root });
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, error: { code: 'usage/unknown-option' } });
    const port = await runBaton(['dashboard', '--port', 'abc'], { cwd: r.root });
    expect(port.code).toBe(2);
    expect(errorLines(port.stderr)).toEqual([
      "baton: option '--port <n>' argument 'abc' is invalid. expected a port number from 0 to 65535. [usage/invalid-argument]",
    ]);
  });

  it('is the same through bin/baton.js, for the hook an agent calls', () => {
    const r = repo();
    const res = runBatonProcess(['hook', 'stop', '--feature', 'feature-001-a', '--status', 'bogus'], {
      cwd: r.root,
    });
    expect(res.code).toBe(2);
    expect(errorLines(res.stderr)).toEqual([expect.stringMatching(/^baton: .* \[hook\/bad-status\]$/)]);
  });
});

describe('help', () => {
  it('asked for is on stdout with 0; with no command named it is on stderr with 1', async () => {
    const r = repo();
    const asked = await runBaton(['--help'], { cwd: r.root });
    expect(asked.code).toBe(0);
    expect(asked.stdout).toMatch(/^Usage: baton /);
    expect(asked.stderr).toBe('');
    const version = await runBaton(['--version'], { cwd: r.root });
    expect(version.code).toBe(0);
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+/);
    const none = await runBaton([], { cwd: r.root });
    expect(none.code).toBe(1);
    expect(none.stdout).toBe('');
    expect(none.stderr).toMatch(/^Usage: baton /);
    // Help for a command there is no such command of: refused as the command itself would be.
    const unknown = await runBaton(['help', 'statsu'], { cwd: r.root });
    expect(unknown.code).toBe(2);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr).toBe(
      "baton: unknown command 'statsu' (did you mean status?) [usage/unknown-command]\nhint: Run `baton --help` for the commands.\n",
    );
    const known = await runBaton(['help', 'status'], { cwd: r.root });
    expect(known.code).toBe(0);
    expect(known.stdout).toMatch(/^Usage: baton status /);
  });
});
