/**
 * A hostile log (forged feature id, messages, paths with ESC[2J, BEL, OSC 8 hyperlinks, C1 CSI,
 * U+2028/2029, a bidi override) read by every command that prints it: the real CLI, as a process.
 * No raw control byte may reach the output, and every JSON output still parses to the hostile text.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { escapeControl, hasControl, stringifyJson } from '../../src/text/escape.js';
import { contractFiles } from '../rig/contracts.js';
import { cachedRepo, makeRepo, type TempRepo } from '../rig/repo.js';
import { BATON_BIN, built, expectErrorLine, runBin, watchWorld } from './rig.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

const CLEAR = '\u001b[2J';
const BEL = '\u0007';
const LINK = '\u001b]8;;https://evil.example/\u0007click\u001b]8;;\u0007';
const EVIL_ID = `evil${CLEAR}${BEL}`;
const HOSTILE = `${LINK} ${CLEAR}wiped${BEL}\u2028next\u2029para\u009b31mred\u202egnp.exe`;

/** Any byte that acts on a terminal or splits a JavaScript line; newline and tab are the output's own. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const RAW = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

function expectClean(what: string, text: string): void {
  const at = text.search(RAW);
  expect(
    at,
    `${what}: raw control at ${at}: ${JSON.stringify(text.slice(Math.max(0, at - 40), at + 20))}`,
  ).toBe(-1);
}

/**
 * A repository with one contract and a log forged to carry hostile strings in every field a printer
 * shows: built once, a fresh copy for each test.
 */
function hostileLogRepo(): TempRepo {
  const repo = cachedRepo('output-escape:hostile-log', buildHostileLogRepo);
  repos.push(repo);
  return repo;
}

function buildHostileLogRepo(): TempRepo {
  const repo = makeRepo({ 'README.md': '# app\n', ...contractFiles([{ id: 'feature-001-a' }]) });
  const base = repo.git('rev-parse', 'HEAD');
  const ts = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
  const run = `run-${CLEAR}${BEL}`;
  const lines: Array<Record<string, unknown>> = [
    {
      type: 'run.started',
      run_id: run,
      feature_ids: ['feature-001-a', 'feature-002-b'],
      concurrency: 2,
      base: 'main',
      base_commit: base,
      mode: 'contract-first',
      pid: 2_147_000_000,
    },
    ...['feature-001-a', 'feature-002-b'].map((id, i) => ({
      type: 'feature.started',
      feature_id: id,
      status: 'running',
      agent: `sh${CLEAR}`,
      branch: `baton/${id}`,
      worktree: `/tmp/${HOSTILE}`,
      log_file: `/tmp/${HOSTILE}.log`,
      port: 4100 + i,
    })),
    {
      type: 'hook',
      feature_id: 'feature-002-b',
      event: 'notification',
      status: 'needs-input',
      detail: HOSTILE,
    },
    // An id no contract could have: a problem line (its text escaped on stderr), never a feature.
    { type: 'hook', feature_id: EVIL_ID, event: 'notification', status: 'needs-input', detail: HOSTILE },
    {
      type: 'agent.exited',
      feature_id: 'feature-001-a',
      exit_code: 1,
      signal: null,
      duration_ms: 1000,
      files: [`src/${HOSTILE}.ts`],
      reason: HOSTILE,
    },
    {
      type: 'check.failed',
      feature_id: 'feature-001-a',
      criterion_id: `c1${BEL}`,
      text: HOSTILE,
      kind: 'run',
      on: 'worktree',
      message: HOSTILE,
      measured: { exit_code: 1, output_tail: HOSTILE },
    },
    { type: 'feature.escaped', feature_id: 'feature-001-a', files: [`${HOSTILE}.txt`], kind: 'checkout' },
    { type: 'feature.ended', feature_id: 'feature-001-a', status: 'failed', reason: HOSTILE },
    { type: 'run.ended', run_id: run, outcome: 'failed', duration_ms: 5000 },
  ];
  // A branch whose file lies outside the feature's owns, its name hostile: integrate reports it.
  repo.git('checkout', '-q', '-b', 'baton/feature-001-a');
  writeFileSync(join(repo.root, `x${CLEAR}${BEL}.txt`), 'x\n');
  repo.git('add', '-A');
  repo.git('commit', '-q', '-m', `subject ${LINK}`);
  repo.git('checkout', '-q', 'main');
  // An agent executable on PATH whose version output is hostile: doctor prints it.
  const bin = join(repo.root, '..', 'hostile-bin');
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, 'claude'), `#!/bin/sh\nprintf '2.0.0 \\033[2J\\007 \\342\\200\\250'\n`, {
    mode: 0o755,
  });
  mkdirSync(join(repo.root, '.baton'), { recursive: true });
  writeFileSync(
    join(repo.root, '.baton', 'log.jsonl'),
    `${lines.map((l, i) => JSON.stringify({ v: 1, ts: ts(i), run_id: run, ...l })).join('\n')}\n${HOSTILE}\n`,
  );
  return repo;
}

/** What each command must show of the hostile text, escaped: proof the output carried it at all. */
const SHOWN = /\\x1b|\\u001b|\\u2028|\\x07/;

describe('the escaper', () => {
  it('escapes every control class and keeps JSON parseable to the same value', () => {
    expect(escapeControl(HOSTILE)).not.toMatch(RAW);
    expect(escapeControl(`a${CLEAR}b`)).toBe('a\\x1b[2Jb');
    expect(escapeControl('x\u2028y\u009b')).toBe('x\\u2028y\\x9b');
    expect(escapeControl('a\nb', { keepNewlines: true })).toBe('a\nb');
    expect(escapeControl('a\nb')).toBe('a\\nb');
    expect(hasControl('plain text')).toBe(false);
    expect(hasControl(`x${BEL}`)).toBe(true);
    expect(hasControl('x\u202e')).toBe(true);
    const json = stringifyJson({ id: EVIL_ID, m: HOSTILE }, 2);
    expect(json).not.toMatch(RAW);
    expect(JSON.parse(json)).toEqual({ id: EVIL_ID, m: HOSTILE });
    // What JSON.stringify alone leaves raw: the reason stringifyJson exists.
    expect(JSON.stringify(HOSTILE)).toMatch(RAW);
  });
});

describe.runIf(built)('adversarial: no command prints a raw control byte from the log', () => {
  it.each([
    ['status', ['status']],
    ['status --json', ['status', '--json']],
    ['report (markdown)', ['report']],
    ['report --format html', ['report', '--format', 'html']],
    ['report --json', ['report', '--json']],
    ['doctor', ['doctor']],
    ['doctor --json', ['doctor', '--json']],
    ['integrate --predict-only', ['integrate', '--predict-only']],
    ['integrate --predict-only --json', ['integrate', '--predict-only', '--json']],
    ['attach --print (the feature that needs input)', ['attach', '--print']],
    ['an error naming a hostile run', ['report', '--run', `r${CLEAR}${LINK}`], 'report/unknown-run'],
    [
      'a JSON error naming a hostile run',
      ['report', '--json', '--run', `r${CLEAR}\u2028`],
      'report/unknown-run',
    ],
    ['a refused argument', ['status', `--${CLEAR}x`], 'usage/unknown-option'],
  ] as Array<[string, string[], string?]>)('%s', (what, args, code) => {
    const repo = hostileLogRepo();
    const world = watchWorld(repo);
    const r = runBin(args, {
      cwd: repo.root,
      env: { PATH: `${join(repo.root, '..', 'hostile-bin')}:${process.env.PATH}` },
    });
    expect(r.code, r.stderr).toBeGreaterThanOrEqual(0);
    expectClean(`${what} stdout`, r.stdout);
    expectClean(`${what} stderr`, r.stderr);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    if (args.includes('--json') && r.stdout.trim()) {
      const parsed = JSON.parse(r.stdout) as unknown;
      // The hostile text is still there, intact, for a program to read.
      if (args[0] === 'status') {
        expect(JSON.stringify(parsed)).toContain(JSON.stringify(HOSTILE).slice(1, -1));
        expect(JSON.stringify(parsed)).not.toContain(JSON.stringify(EVIL_ID).slice(1, -1));
      }
    }
    // The line naming a hostile id is a problem line (on stderr), never a feature.
    if (args[0] === 'status') expect(r.stdout).not.toContain('evil\\x1b');
    expect(r.stdout + r.stderr, `${what} shows none of the hostile text`).toMatch(SHOWN);
    if (code) expectErrorLine(r.stderr, code);
    world.expectUntouched();
  });

  it('the dashboard: /api/state, /api/features/:id and the event stream', async () => {
    const repo = hostileLogRepo();
    const world = watchWorld(repo);
    const child = spawn(process.execPath, [BATON_BIN, 'dashboard', '--json', '--port', '0'], {
      cwd: repo.root,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const first = await new Promise<string>((resolve, reject) => {
        let buf = '';
        child.stdout.on('data', (d: Buffer) => {
          buf += d.toString();
          if (buf.includes('\n')) resolve(buf.slice(0, buf.indexOf('\n')));
        });
        child.on('exit', (code) => reject(new Error(`dashboard exited ${code}`)));
      });
      expectClean('dashboard --json', first);
      const { url, token, host, port } = JSON.parse(first) as {
        url: string;
        token: string;
        host: string;
        port: number;
      };
      expect(url).toBeTruthy();
      const get = async (path: string) => {
        const res = await fetch(`http://${host}:${port}${path}`, {
          headers: { authorization: `Bearer ${token}` },
        });
        return { status: res.status, text: await res.text() };
      };
      const state = await get('/api/state');
      expect(state.status).toBe(200);
      expectClean('/api/state', state.text);
      const snapshot = JSON.parse(state.text) as { features: unknown[]; problems: { message: string }[] };
      expect(JSON.stringify(snapshot.features)).not.toContain(JSON.stringify(EVIL_ID).slice(1, -1));
      expect(snapshot.problems.map((p) => p.message)).toContainEqual(
        expect.stringMatching(/^"feature_id" must be a feature id/),
      );
      for (const id of ['feature-001-a', encodeURIComponent(EVIL_ID), encodeURIComponent(`no${CLEAR}such`)]) {
        const detail = await get(`/api/features/${id}`);
        expectClean(`/api/features/${id}`, detail.text);
        JSON.parse(detail.text);
      }
      const res = await fetch(`http://${host}:${port}/api/events`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const reader = res.body?.getReader();
      const chunk = await reader?.read();
      await reader?.cancel();
      const text = new TextDecoder().decode(chunk?.value);
      expect(text).toContain('data:');
      expectClean('/api/events', text);
    } finally {
      const exited = new Promise((res) => child.once('exit', res));
      child.kill('SIGTERM');
      await exited;
    }
    world.expectUntouched();
  });
});
