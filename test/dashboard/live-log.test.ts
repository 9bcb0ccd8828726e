import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTail } from '../../src/dashboard/feature-detail.js';
import { LiveLog } from '../../src/dashboard/live-log.js';

const line = (o: object) => `${JSON.stringify(o)}\n`;

function tempLog(text = ''): string {
  const path = join(mkdtempSync(join(tmpdir(), 'baton-livelog-')), 'log.jsonl');
  writeFileSync(path, text);
  return path;
}

describe('LiveLog', () => {
  it('folds only the bytes appended since the last read', () => {
    const path = tempLog(
      line({ feature_id: 'a', status: 'running' }) + line({ feature_id: 'b', status: 'running' }),
    );
    const live = new LiveLog(path);
    const first = live.read();
    expect(first.events.map((e) => e.seq)).toEqual([1, 2]);
    expect(live.offset).toBe(Buffer.byteLength(line({ feature_id: 'a', status: 'running' })) * 2);
    expect(live.hasNews()).toBe(false);
    expect(live.read().events).toEqual([]);

    appendFileSync(path, line({ feature_id: 'b', status: 'complete' }));
    expect(live.hasNews()).toBe(true);
    const second = live.read();
    expect(second.events).toEqual([{ seq: 3, event: { feature_id: 'b', status: 'complete' } }]);
    expect(second.changed).toEqual(['b']);
    expect(second.runChanged).toBe(false);
    expect(live.state.features.b?.status).toBe('complete');
    expect(live.state.features.a?.status).toBe('running');
    expect(live.state.events).toBe(3);
  });

  it('marks every feature of a run.started as changed, and the run too', () => {
    const path = tempLog();
    const live = new LiveLog(path);
    appendFileSync(
      path,
      line({
        v: 1,
        ts: '2026-01-01T00:00:00.000Z',
        type: 'run.started',
        run_id: 'r',
        feature_ids: ['a', 'b'],
        concurrency: 2,
        base: 'main',
        base_commit: 'x',
        mode: 'contract-first',
        pid: 1,
      }),
    );
    const delta = live.read();
    expect(delta.changed.sort()).toEqual(['a', 'b']);
    expect(delta.runChanged).toBe(true);
    // run.started is not one of the features' own events.
    expect(live.featureEvents('a')).toEqual([]);
  });

  it('marks the run changed by an escape, so the board gets the run-level escapes (unattributed ones too)', () => {
    const path = tempLog();
    const live = new LiveLog(path);
    const escaped = (attribution: string, file: string) =>
      line({
        v: 1,
        ts: '2026-01-01T00:00:00.000Z',
        type: 'feature.escaped',
        feature_id: 'a',
        files: [file],
        kind: 'checkout',
        attribution,
      });
    appendFileSync(path, escaped('unknown', 'STRAY.txt'));
    const unknown = live.read();
    expect(unknown.runChanged).toBe(true);
    expect(live.state.escaped_unknown).toEqual(['STRAY.txt']);
    appendFileSync(path, escaped('run-window', 'OWN.txt'));
    const own = live.read();
    expect(own.changed).toEqual(['a']);
    expect(own.runChanged).toBe(true);
  });

  it('keeps the latest events overall and per feature, bounded', () => {
    const path = tempLog(
      Array.from({ length: 10 }, (_, i) =>
        line({ feature_id: i % 2 ? 'odd' : 'even', status: 'running', n: i }),
      ).join(''),
    );
    const live = new LiveLog(path, { keepRecent: 4, keepPerFeature: 2 });
    live.read();
    expect(live.recentEvents().map((e) => e.seq)).toEqual([7, 8, 9, 10]);
    expect(live.recentEvents(8).map((e) => e.seq)).toEqual([9, 10]);
    expect(live.recentEvents(0, 1).map((e) => e.seq)).toEqual([10]);
    expect(live.featureEvents('odd').map((e) => (e.event as unknown as { n: number }).n)).toEqual([7, 9]);
    expect(live.featureEvents('none')).toEqual([]);
  });

  it('reports bad lines with their numbers and keeps going', () => {
    const path = tempLog(`${line({ feature_id: 'a', status: 'running' })}not json\n${line({ status: 'x' })}`);
    const live = new LiveLog(path);
    const delta = live.read();
    expect(delta.events).toHaveLength(1);
    expect(live.problems.problems.map((p) => p.line)).toEqual([2, 3]);
  });

  it('starts over when the log is truncated or replaced, with sequence numbers still growing', () => {
    const path = tempLog(
      line({ feature_id: 'a', status: 'running' }) + line({ feature_id: 'a', status: 'failed' }),
    );
    const live = new LiveLog(path);
    live.read();
    writeFileSync(path, line({ feature_id: 'z', status: 'complete' }));
    const delta = live.read();
    expect(delta.reset).toBe(true);
    expect(delta.events.map((e) => e.seq)).toEqual([3]);
    expect(Object.keys(live.state.features)).toEqual(['z']);
    expect(live.state.events).toBe(1);
    expect(live.recentEvents().map((e) => e.seq)).toEqual([3]);
  });

  it('reads a missing log as empty, and the log once it appears', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'baton-livelog-')), 'log.jsonl');
    const live = new LiveLog(path);
    expect(live.read()).toMatchObject({ events: [], reset: false });
    expect(live.hasNews()).toBe(false);
    writeFileSync(path, line({ feature_id: 'a', status: 'running' }));
    expect(live.hasNews()).toBe(true);
    expect(live.read().events).toHaveLength(1);
  });
});

describe('readTail', () => {
  it('keeps the last lines as a terminal would show them', () => {
    const path = tempLog(
      'first\n\u001b[1;32mbold green\u001b[0m\nprogress 10%\rprogress 100%\n\u001b]0;title\u0007after title\nlast\n',
    );
    expect(readTail(path, 4)).toEqual({
      file: path,
      lines: ['bold green', 'progress 100%', 'after title', 'last'],
      truncated: true,
    });
    expect(readTail(path, 10).truncated).toBe(false);
  });

  it('reads only the end of a large file and drops the cut first line', () => {
    const big = Array.from({ length: 40_000 }, (_, i) => `line ${i} ${'x'.repeat(20)}`).join('\n');
    const tail = readTail(tempLog(`${big}\n`), 200);
    expect(tail.lines).toHaveLength(200);
    expect(tail.lines.at(-1)).toBe(`line 39999 ${'x'.repeat(20)}`);
    expect(tail.truncated).toBe(true);
  });

  it('says when the file is not there', () => {
    expect(readTail('/nonexistent/agent.log')).toMatchObject({ lines: [], missing: true });
  });
});
