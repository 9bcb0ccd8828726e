import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appendEvent } from '../../src/log/append.js';
import { CheckMeasurementSchema } from '../../src/log/event-fields.js';
import { applyEvent, foldEvents, initialState } from '../../src/log/fold.js';
import { parseLogText, readLog } from '../../src/log/read.js';
import { defOf } from '../../src/zod.js';
import { runStartedLine } from '../rig/log-lines.js';

const clock = () => new Date('2026-01-01T00:00:00.000Z');

/** The runner's `feature.started` for feature f, at `ts`. */
function featureStarted(ts: string) {
  return {
    v: 1 as const,
    ts,
    type: 'feature.started' as const,
    feature_id: 'f',
    status: 'running' as const,
    agent: 'claude',
    branch: 'baton/f',
    worktree: '/w',
    log_file: '/l',
    port: 1,
  };
}

describe('log', () => {
  it('reads back appended events and folds a plain hand-written line', () => {
    const log = join(mkdtempSync(join(tmpdir(), 'baton-log-')), '.baton', 'log.jsonl');
    appendEvent(log, { type: 'phase.started', phase: 'implementation' }, clock);
    appendFileSync(log, '{"feature_id":"feature-003-x","status":"complete"}\n');
    const chunk = readLog(log);
    expect(chunk.problems).toEqual([]);
    expect(chunk.events).toHaveLength(2);
    const state = foldEvents(chunk.events);
    expect(state.features['feature-003-x']?.status).toBe('complete');
    expect(state.phases).toEqual([{ name: 'implementation', started_at: '2026-01-01T00:00:00.000Z' }]);
    expect(readFileSync(log, 'utf8').endsWith('\n')).toBe(true);
  });

  it('writes bidi overrides, line separators and C1 controls escaped, so `tail -f` shows them inert', () => {
    const log = join(mkdtempSync(join(tmpdir(), 'baton-log-')), '.baton', 'log.jsonl');
    const message = 'ok\u202Edesrever\u2028next\u2029\u0085\u009B2J';
    appendEvent(log, { type: 'hook', feature_id: 'feature-001-a', event: 'stop', detail: message }, clock);
    const text = readFileSync(log, 'utf8');
    expect(text).not.toMatch(/[\u0080-\u009f\u2028\u2029\u202e]/);
    expect(text).toContain('ok\\u202edesrever\\u2028next\\u2029\\u0085\\u009b2J');
    const [event] = readLog(log).events;
    expect(event).toMatchObject({ detail: message });
  });

  it('reports a torn line with its number and folds the rest', () => {
    const text = [
      '{"feature_id":"a","status":"running"}',
      '{"feature_id":"a","sta',
      '{"feature_id":"b","status":"complete"}',
      '',
    ].join('\n');
    const { events, problems } = parseLogText(text);
    expect(problems).toHaveLength(1);
    expect(problems[0]?.line).toBe(2);
    const state = foldEvents(events);
    expect(state.features.a?.status).toBe('running');
    expect(state.features.b?.status).toBe('complete');
  });

  it('says a line skipped for bytes that are no UTF-8 holds invalid UTF-8, not that it is torn JSON', () => {
    const dir = mkdtempSync(join(tmpdir(), 'baton-utf8-'));
    const log = join(dir, 'log.jsonl');
    appendFileSync(
      log,
      Buffer.concat([
        Buffer.from('{"feature_id":"a","status":"running"}'),
        Buffer.from([0xff]),
        Buffer.from('\n{"feature_id":"b","sta\n'),
      ]),
    );
    const { problems } = readLog(log, undefined, { final: true });
    expect(problems.map((p) => p.message)).toEqual([
      'invalid UTF-8 (bytes that are no character; without them the line is valid JSON)',
      'not valid JSON (torn or hand-edited line)',
    ]);
  });

  it('reads only what was appended since the last offset and leaves a half-written last line', () => {
    const log = join(mkdtempSync(join(tmpdir(), 'baton-log-')), 'log.jsonl');
    appendFileSync(log, '{"feature_id":"a","status":"running"}\n{"feature_id":"a"');
    const first = readLog(log);
    expect(first.events).toHaveLength(1);
    expect(first.problems).toEqual([]);
    appendFileSync(log, ',"status":"complete"}\n');
    const second = readLog(log, { offset: first.endOffset, line: first.endLine });
    expect(second.events).toEqual([{ feature_id: 'a', status: 'complete' }]);
    expect(second.endLine).toBe(2);
  });

  it('keeps two states apart when their events are folded in turn, and attempts apart from features', () => {
    const hook = (feature_id: string) =>
      ({ v: 1, ts: '2026-01-01T00:00:00.000Z', type: 'hook', feature_id, event: 'stop' }) as const;
    const one = initialState();
    const two = initialState();
    applyEvent(one, hook('f'));
    applyEvent(two, hook('f'));
    applyEvent(two, hook('f'));
    applyEvent(one, hook('f.a1'));
    applyEvent(one, hook('f'));
    expect(one.features.f?.hooks).toBe(2);
    expect(two.features.f?.hooks).toBe(2);
    expect(one.attempt_units?.['f.a1']?.hooks).toBe(1);
    expect(Object.keys(one.features)).toEqual(['f']);
  });

  it('a hook reporting a final status ends a feature no run holds at that time', () => {
    const state = foldEvents([
      { feature_id: 'f', status: 'running', ts: '2026-01-01T00:00:00.000Z' },
      {
        v: 1,
        ts: '2026-01-01T00:00:05.000Z',
        type: 'hook',
        feature_id: 'f',
        event: 'stop',
        status: 'complete',
      },
    ]);
    expect(state.features.f).toMatchObject({
      status: 'complete',
      ended_at: '2026-01-01T00:00:05.000Z',
      duration_ms: 5000,
    });
  });

  it("leaves a feature the runner holds to the runner's feature.ended, and a failed one failed", () => {
    const started = featureStarted('2026-01-01T00:00:00.000Z');
    const hook = {
      v: 1 as const,
      ts: '2026-01-01T00:00:05.000Z',
      type: 'hook' as const,
      feature_id: 'f',
      event: 'stop',
      status: 'complete' as const,
    };
    const held = foldEvents([started, hook]);
    expect(held.features.f).toMatchObject({ status: 'running', last_event: { type: 'hook stop' } });
    expect(held.features.f?.ended_at).toBeUndefined();
    const ended = {
      v: 1 as const,
      ts: '2026-01-01T00:00:09.000Z',
      type: 'feature.ended' as const,
      feature_id: 'f',
    };
    const failed = foldEvents(
      [{ ...ended, status: 'failed' as const }, hook, { feature_id: 'f', status: 'done' }],
      held,
    );
    expect(failed.features.f?.status).toBe('failed');
    // A fresh run starts the feature over: before its agent starts, hooks speak for it again.
    const rerun = foldEvents(
      [JSON.parse(runStartedLine('r2', ['f'])), { feature_id: 'f', status: 'complete' }],
      failed,
    );
    expect(rerun.features.f?.status).toBe('complete');
  });

  it("a fresh run's feature not started yet shows none of the run before's times, agent or last event", () => {
    const ended = {
      v: 1 as const,
      ts: '2026-01-01T00:00:04.000Z',
      type: 'feature.ended' as const,
      feature_id: 'f',
      status: 'complete' as const,
    };
    const first = foldEvents([
      JSON.parse(runStartedLine('r1', ['f'])),
      featureStarted('2026-01-01T00:00:01.000Z'),
      ended,
    ]);
    expect(first.features.f).toMatchObject({ agent: 'claude', duration_ms: 3000 });
    // Waiting for a slot in the next run: pending, and nothing of r1's agent session.
    const waiting = foldEvents([JSON.parse(runStartedLine('r2', ['f']))], first).features.f;
    expect(waiting?.status).toBe('pending');
    expect(waiting?.started_at).toBeUndefined();
    expect(waiting?.ended_at).toBeUndefined();
    expect(waiting?.duration_ms).toBeUndefined();
    expect(waiting?.last_event).toBeUndefined();
    expect(waiting?.agent).toBeUndefined();
    // A resume keeps what the run it carries on finished.
    const resumed = foldEvents([JSON.parse(runStartedLine('r1', ['f'], { resume: true }))], first).features.f;
    expect(resumed).toMatchObject({ status: 'complete', agent: 'claude', duration_ms: 3000 });
    expect(resumed?.last_event).toMatchObject({ type: 'feature.ended', detail: 'complete' });
  });

  it("keeps an agent's request for input written before its feature.started, until it is retried", () => {
    // An interactive agent's hook can run while the runner still opens its window: its line comes first.
    const asked = {
      v: 1 as const,
      ts: '2026-01-01T00:00:01.000Z',
      type: 'hook' as const,
      feature_id: 'f',
      event: 'notification',
      status: 'needs-input' as const,
    };
    const started = featureStarted('2026-01-01T00:00:02.000Z');
    const run = JSON.parse(runStartedLine('r1', ['f']));
    const early = foldEvents([run, asked, started]);
    expect(early.features.f).toMatchObject({ status: 'needs-input', started_at: '2026-01-01T00:00:02.000Z' });
    // In order, as ever: the request shows.
    expect(foldEvents([run, started, asked]).features.f?.status).toBe('needs-input');
    // The attempt that asked exited and is retried: the next attempt runs until it asks again.
    const retrying = {
      v: 1 as const,
      ts: '2026-01-01T00:00:03.000Z',
      type: 'agent.retrying' as const,
      feature_id: 'f',
      reason: 'failed' as const,
      exit_code: 1,
      retry: 1,
      of: 1,
      delay_ms: 0,
    };
    const retried = foldEvents([retrying], early);
    expect(retried.features.f?.status).toBe('running');
    expect(foldEvents([{ ...started, attempt: 2 }], retried).features.f?.status).toBe('running');
    // A fresh run starts it pending: an earlier run's request does not carry over.
    const rerun = foldEvents([JSON.parse(runStartedLine('r2', ['f'])), started], early);
    expect(rerun.features.f?.status).toBe('running');
  });

  it('a new integration attempt drops the after-integration criteria of the attempt it replaces', () => {
    const at = (s: number) => `2026-01-01T00:00:${String(s).padStart(2, '0')}.000Z`;
    const started = (s: number, order: string[]) =>
      ({
        v: 1,
        ts: at(s),
        type: 'integration.started',
        branch: 'baton/integration',
        worktree: '/w',
        order,
      }) as const;
    const check = (s: number, type: 'check.passed' | 'check.failed', id: string) =>
      ({
        v: 1,
        ts: at(s),
        type,
        feature_id: id,
        criterion_id: 'merged',
        text: 'after merge',
        kind: 'run',
        on: 'integration',
        message: '',
      }) as const;
    const state = foldEvents([
      started(0, ['p', 'q']),
      check(1, 'check.passed', 'p'),
      check(2, 'check.failed', 'q'),
      { v: 1, ts: at(3), type: 'integration.discarded', branch: 'baton/integration', started_at: at(0) },
      started(4, ['p']),
      check(5, 'check.passed', 'p'),
    ]);
    expect(Object.keys(state.features.p?.integration_checks ?? {})).toEqual(['merged']);
    expect(state.features.p?.integration_checks.merged?.ts).toBe(at(5));
    expect(state.features.q?.integration_checks).toEqual({});
  });
  it("keeps every field of a check's measurement the schema declares, and no other", () => {
    // One value per declared field, taken from the schema itself: a field added there and not copied by
    // the fold (a hand-written list) fails here.
    const declared = Object.keys(defOf(CheckMeasurementSchema).shape ?? {});
    const value = (key: string) => (key === 'output_tail' ? 'tail' : key === 'files' ? ['a.ts'] : 7);
    const measured = Object.fromEntries(declared.map((k) => [k, value(k)]));
    const state = foldEvents([
      {
        v: 1,
        ts: '2026-01-01T00:00:00.000Z',
        type: 'check.passed',
        feature_id: 'p',
        criterion_id: 'c1',
        text: 'fast',
        kind: 'run',
        on: 'worktree',
        message: 'exit 0',
        measured: { ...measured, written_by_a_newer_baton: { deep: 1 } },
        by: 'worker',
      },
    ] as never);
    const result = state.features.p?.checks.c1;
    expect(declared.length).toBeGreaterThan(5);
    expect(result?.measured).toEqual(measured);
    expect(result?.by).toBe('worker');
  });
  it('refuses as unparsed exactly the lines JSON.parse refuses, junk and torn lines included', () => {
    // The reader skips JSON.parse for a line that cannot be JSON by its first and last characters; every
    // kind of JSON text, and near misses of each, must come out as JSON.parse itself would have it.
    const lines = [
      '{}',
      '{"v":1',
      '[]',
      '[1',
      '"s"',
      '"',
      '"s',
      '0',
      '-1',
      '1e5',
      '1.',
      '-',
      'true',
      'tru',
      'false',
      'fals',
      'null',
      'nul',
      'warning: not json',
      '<html>',
      ' {} ',
      '\t[1]',
      '\uFFFD{"v":1}',
      'x}',
      '{"a":1}}',
      '1 2',
    ];
    const { problems } = parseLogText(`${lines.join('\n')}\n`);
    for (const [i, line] of lines.entries()) {
      let parses = true;
      try {
        JSON.parse(line.trim());
      } catch {
        parses = false;
      }
      const problem = problems.find((p) => p.line === i + 1);
      const unparsed = problem !== undefined && /not valid JSON|invalid UTF-8/.test(problem.message);
      expect({ line, unparsed }).toEqual({ line, unparsed: !parses });
    }
    expect(problems.find((p) => p.line === lines.indexOf('\uFFFD{"v":1}') + 1)?.message).toMatch(
      /^invalid UTF-8/,
    );
  });
});
