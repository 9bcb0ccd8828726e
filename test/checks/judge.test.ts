import { describe, expect, it } from 'vitest';
import {
  describePortTaken,
  describeServerFailure,
  formatDuration,
  formatLimit,
  judgeFiles,
  judgeLatency,
  judgeRun,
  judgeUnverifiable,
  lastLines,
  missedOnlyLatency,
} from '../../src/checks/judge.js';
import type { LatencySummary } from '../../src/checks/latency.js';

const summary = (s: Partial<LatencySummary>): LatencySummary => ({
  requests: 200,
  errors: 0,
  error_rate: 0,
  unanswered: 0,
  p50_ms: 20,
  p95_ms: 25,
  p99_ms: 30,
  ...s,
});

describe('judgeLatency', () => {
  it.each([
    {
      name: 'p95 over its threshold',
      check: { p95_ms: 100 },
      s: summary({ p50_ms: 151, p95_ms: 154.23, p99_ms: 160.31 }),
      outcome: 'failed',
      message: 'p95 154.2 ms > threshold 100 ms (p50 151.0, p99 160.3; 200 requests, 0 errors)',
    },
    {
      name: 'p95 under its threshold',
      check: { p95_ms: 100 },
      s: summary({ p50_ms: 21.04, p95_ms: 23.96, p99_ms: 25.5 }),
      outcome: 'passed',
      message: 'p95 24.0 ms ≤ 100 ms (p50 21.0, p99 25.5; 200 requests, 0 errors)',
    },
    {
      name: 'equal to the threshold holds',
      check: { p99_ms: 30 },
      s: summary({}),
      outcome: 'passed',
      message: 'p99 30.0 ms ≤ 30 ms (p50 20.0, p95 25.0; 200 requests, 0 errors)',
    },
    {
      name: 'two percentiles broken',
      check: { p50_ms: 10, p95_ms: 20, p99_ms: 100 },
      s: summary({}),
      outcome: 'failed',
      message:
        'p50 20.0 ms > threshold 10 ms; p95 25.0 ms > threshold 20 ms (p99 30.0; 200 requests, 0 errors)',
    },
    {
      name: 'errors with no declared rate (default 0)',
      check: { p95_ms: 100 },
      s: summary({ errors: 2, error_rate: 0.01 }),
      sample: 'HTTP 500 Internal Server Error',
      outcome: 'failed',
      message:
        'error rate 1% > threshold 0%; first error: HTTP 500 Internal Server Error (p50 20.0, p95 25.0, p99 30.0; 200 requests, 2 errors)',
    },
    {
      name: 'errors within the declared rate',
      check: { max_error_rate: 0.05 },
      s: summary({ errors: 2, error_rate: 0.01 }),
      outcome: 'passed',
      message: 'error rate 1% ≤ 5% (p50 20.0, p95 25.0, p99 30.0; 200 requests, 2 errors)',
    },
    {
      name: 'no thresholds at all',
      check: {},
      s: summary({ requests: 1, p50_ms: 1, p95_ms: 1, p99_ms: 1 }),
      outcome: 'passed',
      message: 'every request succeeded (p50 1.0, p95 1.0, p99 1.0; 1 requests, 0 errors)',
    },
    {
      name: 'no response at all',
      check: { p95_ms: 100 },
      s: summary({ errors: 200, error_rate: 1, unanswered: 200, p50_ms: 3, p95_ms: 4, p99_ms: 5 }),
      sample: 'connect ECONNREFUSED 127.0.0.1:41000',
      outcome: 'failed',
      message: 'no response to any of 200 requests; first error: connect ECONNREFUSED 127.0.0.1:41000',
    },
    {
      name: 'requests without a response are counted and named',
      check: { p99_ms: 100, max_error_rate: 0.05 },
      s: summary({ errors: 8, error_rate: 0.04, unanswered: 8, p99_ms: 3001.2 }),
      sample: 'socket hang up',
      outcome: 'failed',
      message:
        'p99 3001.2 ms > threshold 100 ms (p50 20.0, p95 25.0; 200 requests, 8 errors, 8 without a response)',
    },
  ])('$name', ({ check, s, sample, outcome, message }) => {
    const v = judgeLatency({ url: 'http://x', ...check }, s, sample);
    expect(v.outcome).toBe(outcome);
    expect(v.message).toBe(message);
  });

  it('keeps the measured percentiles, rounded to 0.1 ms', () => {
    const v = judgeLatency(
      { url: 'http://x', p95_ms: 100 },
      summary({ p50_ms: 20.04, p95_ms: 22.96, p99_ms: 30.15 }),
    );
    expect(v.measured).toEqual({ requests: 200, error_rate: 0, p50_ms: 20, p95_ms: 23, p99_ms: 30.2 });
  });
});

describe('missedOnlyLatency', () => {
  const url = 'http://127.0.0.1/';
  it.each([
    {
      name: 'a p95 miss, nothing else',
      check: { url, p95_ms: 100 },
      s: summary({ p95_ms: 120 }),
      again: true,
    },
    { name: 'a p50 miss', check: { url, p50_ms: 10 }, s: summary({}), again: true },
    { name: 'every threshold held', check: { url, p95_ms: 100 }, s: summary({}), again: false },
    { name: 'no threshold at all', check: { url }, s: summary({ p95_ms: 900 }), again: false },
    {
      name: 'a miss with the error rate broken too',
      check: { url, p95_ms: 100 },
      s: summary({ p95_ms: 120, errors: 2, error_rate: 0.01 }),
      again: false,
    },
    {
      name: 'a miss with errors the contract allows',
      check: { url, p95_ms: 100, max_error_rate: 0.05 },
      s: summary({ p95_ms: 120, errors: 2, error_rate: 0.01 }),
      again: true,
    },
    {
      name: 'a miss with a request left unanswered',
      check: { url, p95_ms: 100, max_error_rate: 0.05 },
      s: summary({ p95_ms: 120, errors: 1, error_rate: 0.005, unanswered: 1 }),
      again: false,
    },
    { name: 'nothing sent', check: { url, p95_ms: 100 }, s: summary({ requests: 0 }), again: false },
  ])('$name: measure again is $again', ({ check, s, again }) => {
    expect(missedOnlyLatency(check, s)).toBe(again);
  });
});

describe('judgeRun', () => {
  const result = { exitCode: 0, signal: null, timedOut: false, durationMs: 1234, output: '' };
  it.each([
    { name: 'exit 0 passes', r: result, outcome: 'passed', message: 'exit 0 after 1.2 s' },
    {
      name: 'exit 3 fails with the last line',
      r: { ...result, exitCode: 3, output: 'running\n  expected 1 to be 2  \n\n' },
      outcome: 'failed',
      message: 'exit 3 after 1.2 s: expected 1 to be 2',
    },
    {
      name: 'a silent failure says so',
      r: { ...result, exitCode: 1, durationMs: 12_345 },
      outcome: 'failed',
      message: 'exit 1 after 12 s (no output)',
    },
    {
      name: 'a missing command',
      r: { ...result, exitCode: 127, output: 'sh: 1: nope: not found' },
      outcome: 'failed',
      message: 'exit 127 (command not found) after 1.2 s: sh: 1: nope: not found',
    },
    {
      name: 'a signal',
      r: { ...result, exitCode: null, signal: 'SIGKILL' },
      outcome: 'failed',
      message: 'killed by SIGKILL (exit 137) after 1.2 s (no output)',
    },
    {
      name: 'a timeout',
      r: { ...result, exitCode: null, signal: 'SIGTERM', timedOut: true, output: 'waiting' },
      outcome: 'failed',
      message: 'timed out after 2 s: the command was stopped',
    },
  ])('$name', ({ r, outcome, message }) => {
    const v = judgeRun(r, 2000);
    expect(v.outcome).toBe(outcome);
    expect(v.message).toBe(message);
  });

  it('keeps the last 20 lines of output, the exit code and the duration', () => {
    const output = Array.from({ length: 30 }, (_, i) => `line ${i + 1}`).join('\n');
    const v = judgeRun({ ...result, exitCode: 3, output }, 2000);
    expect(v.measured?.exit_code).toBe(3);
    expect(v.measured?.duration_ms).toBe(1234);
    expect(v.measured?.output_tail?.split('\n')).toEqual(
      Array.from({ length: 20 }, (_, i) => `line ${i + 11}`),
    );
  });
});

describe('judgeFiles', () => {
  it.each([
    {
      name: 'all globs match',
      f: { exist: [{ glob: 'src/*.ts', matches: ['src/a.ts', 'src/b.ts'] }] },
      outcome: 'passed',
      message: '2 files found for 1 glob',
    },
    {
      name: 'a glob matches nothing',
      f: {
        exist: [
          { glob: 'src/*.ts', matches: ['src/a.ts'] },
          { glob: 'dist/index.js', matches: [] },
        ],
      },
      outcome: 'failed',
      message: 'missing: dist/index.js (no file matches)',
    },
    {
      name: 'a change outside owns',
      f: {
        exist: [],
        ownership: {
          changed: ['src/catalog/a.ts', 'src/db.ts'],
          outside: ['src/db.ts'],
          owns: ['src/catalog/**'],
        },
      },
      outcome: 'failed',
      message: 'changed outside owns: src/db.ts (owns: src/catalog/**)',
    },
    {
      name: 'everything inside owns',
      f: { exist: [], ownership: { changed: ['src/catalog/a.ts'], outside: [], owns: ['src/catalog/**'] } },
      outcome: 'passed',
      message: '1 changed file, none outside owns (src/catalog/**)',
    },
    {
      name: 'nothing owned',
      f: { exist: [], ownership: { changed: ['a.ts'], outside: ['a.ts'], owns: [] } },
      outcome: 'failed',
      message: 'changed outside owns: a.ts (owns: nothing declared)',
    },
    {
      name: 'both problems',
      f: {
        exist: [{ glob: 'README.md', matches: [] }],
        ownership: { changed: ['x'], outside: ['x'], owns: ['src/**'] },
      },
      outcome: 'failed',
      message: 'missing: README.md (no file matches); changed outside owns: x (owns: src/**)',
    },
  ])('$name', ({ f, outcome, message }) => {
    const v = judgeFiles(f);
    expect(v.outcome).toBe(outcome);
    expect(v.message).toBe(message);
  });

  it('names the offending files in what it measured', () => {
    const v = judgeFiles({ exist: [], ownership: { changed: ['a', 'b'], outside: ['b'], owns: ['a'] } });
    expect(v.measured).toEqual({ files: ['b'] });
  });
});

describe('messages', () => {
  it('explains a server that never opened its port, with its output', () => {
    expect(
      describeServerFailure({
        host: '127.0.0.1',
        port: 41000,
        serve: 'node server.js',
        output: 'booting\nstill booting\n',
        timeoutMs: 10_000,
      }),
    ).toBe(
      'server did not accept connections on 127.0.0.1:41000 within 10 s (serve: "node server.js"); its output: booting | still booting',
    );
  });

  it('explains a server that exited first, or printed nothing', () => {
    expect(
      describeServerFailure({
        host: '127.0.0.1',
        port: 41000,
        serve: 'npm start',
        output: '',
        exit: { exitCode: 1, signal: null },
        timeoutMs: 10_000,
      }),
    ).toBe(
      'server exited (exit 1) before accepting connections on 127.0.0.1:41000 (serve: "npm start"); it printed nothing',
    );
  });

  it('explains a port held by someone else', () => {
    expect(describePortTaken(41000, 'npm start')).toBe(
      'port 41000 is already in use by another process, so the server cannot start there (serve: "npm start")',
    );
  });

  it('says why a criterion is unverifiable', () => {
    expect(judgeUnverifiable()).toEqual({
      outcome: 'unverifiable',
      message: 'nothing to run: give the criterion a `run:`, `http:` or `files:` field to make it a check',
    });
  });

  it.each([
    [11.4, '11 ms'],
    [999.4, '999 ms'],
    [1234, '1.2 s'],
    [2000, '2 s'],
    [9960, '10 s'],
    [12_345, '12 s'],
  ])('formats a duration of %d ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it.each([
    [500, '0.5 s'],
    [2000, '2 s'],
    [300_000, '300 s'],
  ])('formats a limit of %i ms as %s', (ms, text) => {
    expect(formatLimit(ms)).toBe(text);
  });

  it('takes the last non-blank lines', () => {
    expect(lastLines('a\n\nb\r\nc  \n\n', 2)).toEqual(['b', 'c']);
  });
});
