import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { type FeatureState, foldEvents } from '../../src/log/fold.js';
import { foldCachePath, foldLogCached } from '../../src/log/fold-cache.js';
import { foldFeaturesFromEnd, foldForFeatures } from '../../src/log/fold-from-end.js';
import { readLog } from '../../src/log/read.js';
import { logLine, runStartedLine } from '../rig/log-lines.js';

const dir = mkdtempSync(join(tmpdir(), 'baton-fold-end-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function logOf(lines: readonly string[]): string {
  const path = join(dir, `log-${n++}`, 'log.jsonl');
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, lines.map((l) => `${l}\n`).join(''));
  return path;
}

const FEATURES = ['f-a', 'f-b', 'f-c', 'f-d'];
const ev = logLine;
const runStarted = (run: string, ids: string[], resume: boolean, adopted: string[] = []) =>
  runStartedLine(run, ids, { resume, adopted });
const featureStarted = (id: string) =>
  ev('feature.started', {
    feature_id: id,
    status: 'running',
    agent: 'command',
    branch: `baton/${id}`,
    worktree: `/w/${id}`,
    log_file: '/w/log',
    port: 4000,
  });

/** One line of a random log: every kind of line that moves a feature's status, checks, reason or exit code. */
const line = fc.oneof(
  fc
    .tuple(fc.subarray(FEATURES), fc.boolean(), fc.subarray(FEATURES))
    .map(([ids, resume, adopted]) =>
      runStarted(`run-${ids.join('')}`, ids, resume, resume ? adopted.filter((a) => ids.includes(a)) : []),
    ),
  fc.constantFrom(...FEATURES).map(featureStarted),
  fc
    .tuple(fc.constantFrom(...FEATURES), fc.option(fc.integer({ min: 0, max: 2 })), fc.option(fc.string()))
    .map(([id, code, reason]) =>
      ev('agent.exited', {
        feature_id: id,
        exit_code: code,
        signal: null,
        duration_ms: 5,
        files: [],
        ...(reason !== null ? { reason } : {}),
      }),
    ),
  fc
    .tuple(
      fc.constantFrom(...FEATURES),
      fc.constantFrom('check.passed', 'check.failed'),
      fc.constantFrom('c1', 'c2'),
    )
    .map(([id, type, criterion]) =>
      ev(type, {
        feature_id: id,
        criterion_id: criterion,
        text: 't',
        kind: 'run',
        on: 'worktree',
        message: 'm',
      }),
    ),
  fc
    .tuple(fc.constantFrom(...FEATURES), fc.constantFrom('complete', 'failed', 'failed-checks', 'empty'))
    .map(([id, status]) =>
      ev('feature.ended', { feature_id: id, status, ...(status === 'failed' ? { reason: 'r' } : {}) }),
    ),
  fc
    .tuple(fc.constantFrom(...FEATURES), fc.constantFrom('complete', 'failed', 'needs-input'))
    .map(([id, status]) => ev('hook', { feature_id: id, event: 'stop', status })),
  fc
    .tuple(fc.constantFrom(...FEATURES), fc.constantFrom('done', 'error'))
    .map(([id, status]) => JSON.stringify({ feature_id: id, status })),
  fc.constantFrom('{"type":"run.started", torn', 'not json', ev('phase.started', { phase: 'x' })),
);

/** What the selection reads of a feature. */
const picked = (f: FeatureState | undefined) =>
  f && { status: f.status, checks: f.checks, reason: f.reason, exit_code: f.exit_code };

describe('foldFeaturesFromEnd', () => {
  it('gives the asked features and the last run id exactly what the whole fold gives (random logs)', () => {
    fc.assert(
      fc.property(fc.array(line, { maxLength: 40 }), fc.subarray(FEATURES), (lines, ids) => {
        const path = logOf(lines);
        const whole = foldEvents(readLog(path, undefined, { final: true }).events);
        const tail = foldFeaturesFromEnd(path, ids);
        expect(tail).toBeDefined();
        expect(tail?.state.run_id).toBe(whole.run_id);
        for (const id of ids) expect(picked(tail?.state.features[id])).toEqual(picked(whole.features[id]));
      }),
      { numRuns: 300, seed: 17 },
    );
  });

  it('reads only the tail of a large log when the last run started every asked feature over', () => {
    const lines = [runStarted('run-old', FEATURES, false)];
    for (let i = 0; i < 100_000; i++)
      lines.push(ev('hook', { feature_id: FEATURES[i % 4], event: 'turn', detail: `turn ${i}` }));
    for (const id of FEATURES) lines.push(ev('feature.ended', { feature_id: id, status: 'failed' }));
    lines.push(runStarted('run-new', ['f-a', 'f-b'], false), featureStarted('f-a'));
    lines.push(ev('feature.ended', { feature_id: 'f-a', status: 'complete' }));
    const path = logOf(lines);
    const tail = foldFeaturesFromEnd(path, ['f-a', 'f-b'])!;
    expect(tail.state.run_id).toBe('run-new');
    expect(tail.state.features['f-a']?.status).toBe('complete');
    expect(tail.state.features['f-b']?.status).toBe('pending');
    // The log is ~9 MB; one 64 KiB chunk back and the few lines after it are all that is read.
    expect(tail.bytesRead).toBeLessThanOrEqual(70 * 1024);
    // f-c last started over in the old run: it takes the log back to there.
    const deep = foldFeaturesFromEnd(path, ['f-a', 'f-c'])!;
    expect(deep.offset).toBe(0);
    expect(deep.state.features['f-c']?.status).toBe('failed');
    // A budget smaller than the search needs gives up instead.
    expect(foldFeaturesFromEnd(path, ['f-c'], 1024 * 1024)).toBeUndefined();
  });

  it('reads from the log end even with a fresh status snapshot, whose state it never takes', () => {
    const lines = [runStarted('run-1', ['f-a'], false), featureStarted('f-a')];
    for (let i = 0; i < 5000; i++)
      lines.push(ev('hook', { feature_id: 'f-a', event: 'turn', detail: `${i}` }));
    lines.push(ev('feature.ended', { feature_id: 'f-a', status: 'failed', reason: 'exit 1' }));
    const path = logOf(lines);
    // No snapshot: read from the end (nothing written to the cache).
    expect(foldForFeatures(path, ['f-a']).features['f-a']?.status).toBe('failed');
    expect(existsSync(foldCachePath(path))).toBe(false);
    // A fresh snapshot an agent rewrote (its mark still holds): `status` shows the forgery, proof it
    // was read, while the deciding folds keep the log's word.
    foldLogCached(path, 'show');
    const cache = JSON.parse(readFileSync(foldCachePath(path), 'utf8'));
    cache.state.features['f-a'].status = 'complete';
    writeFileSync(foldCachePath(path), JSON.stringify(cache));
    expect(foldLogCached(path, 'show').state.features['f-a']?.status).toBe('complete');
    expect(foldForFeatures(path, ['f-a']).features['f-a']?.status).toBe('failed');
    expect(foldLogCached(path, 'decide').state.features['f-a']?.status).toBe('failed');
    // The deciding fold wrote the log's truth back for the next `status`.
    expect(foldLogCached(path, 'show').state.features['f-a']?.status).toBe('failed');
  });
});
