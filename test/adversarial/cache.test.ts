/** Agents may replace files under `.baton/`: the caches and locks there are data, never a device or the truth. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { FoldSnapshot } from '../../src/log/fold-snapshot.js';
import type { FeatureState } from '../../src/log/state.js';
import { hasControl } from '../../src/text/escape.js';
import { runBaton } from '../rig/cli.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';
import { built, hostileRepo, runBin } from './rig.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

/** A repository whose log holds one running feature and one line that is not JSON, `status` run once. */
async function statusRepo(): Promise<{ r: TempRepo; cache: (name: string) => string }> {
  const r = hostileRepo({ 'feature-001-a': 'true' });
  cleanups.push(() => r.cleanup());
  mkdirSync(join(r.root, '.baton'), { recursive: true });
  writeFileSync(
    join(r.root, '.baton', 'log.jsonl'),
    '{"feature_id":"feature-001-a","status":"running"}\n{not json\n',
  );
  const first = await runBaton(['status'], { cwd: r.root });
  expect(first.code, first.stderr).toBe(0);
  return { r, cache: (name) => join(r.root, '.baton', 'cache', name) };
}

/** Rewrites a JSON cache file through `edit` (which may break its types: a hostile writer would). */
function poison<T>(path: string, edit: (v: T) => void): void {
  const v = JSON.parse(readFileSync(path, 'utf8')) as T;
  edit(v);
  writeFileSync(path, JSON.stringify(v));
}

describe('adversarial: a poisoned status cache is ignored and the log folded again', () => {
  it('lists no feature of a forged id and prints no raw escape from a forged snapshot', async () => {
    const { r, cache } = await statusRepo();
    poison<FoldSnapshot>(cache('status-fold.json'), (snap) => {
      const features = snap.state.features;
      const real = features['feature-001-a'] as FeatureState;
      for (const id of ['<img src=x onerror=alert(1)>\x1b[31m', '__proto__']) {
        Object.defineProperty(features, id, { value: { ...real, feature_id: id }, enumerable: true });
      }
      real.status = 'complete';
      Object.assign(snap.problems[0] ?? {}, { message: 'evil\x1b[2J\x07' });
    });
    const res = await runBaton(['status'], { cwd: r.root });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).not.toMatch(/<img|__proto__/);
    expect(res.stdout).toMatch(/feature-001-a\s+running/);
    expect(hasControl((res.stdout + res.stderr).replaceAll('\n', ''))).toBe(false);
  });

  it('does not crash on a snapshot whose fields have the wrong types', async () => {
    const { r, cache } = await statusRepo();
    poison<FoldSnapshot>(cache('status-fold.json'), (snap) => {
      Object.assign(snap.state.features['feature-001-a'] ?? {}, {
        files: 5,
        collisions: null,
        checks: { x: { outcome: 'failed', message: 7 } },
      });
      Object.assign(snap.state, { integration: null });
    });
    const res = await runBaton(['status'], { cwd: r.root });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).not.toMatch(/\n\s+at /);
    expect(res.stdout).toMatch(/feature-001-a\s+running/);
  });

  it.each<[string, (snap: FoldSnapshot) => void, string[][]]>([
    [
      'open_runs: [null]',
      (snap) => Object.assign(snap.state, { open_runs: [null] }),
      [['status'], ['status', '--json'], ['verify', 'feature-001-a'], ['integrate', '--predict-only']],
    ],
    [
      'a collision of 5',
      (snap) => Object.assign(snap.state.features['feature-001-a'] ?? {}, { collisions: { x: 5 } }),
      [['status']],
    ],
    [
      'phases: [null]',
      (snap) => Object.assign(snap.state, { phases: [null] }),
      [['phase', 'start', 'planning']],
    ],
    [
      'merges: [null]',
      (snap) => Object.assign(snap.state.integration, { merges: [null], tests: [{ passed: 'yes' }] }),
      [['status'], ['status', '--json']],
    ],
  ])('does not crash on a snapshot with %s: it is ignored', async (_what, forge, commands) => {
    const { r, cache } = await statusRepo();
    poison<FoldSnapshot>(cache('status-fold.json'), forge);
    for (const args of commands) {
      const res = await runBaton(args, { cwd: r.root });
      expect(res.stderr, args.join(' ')).not.toMatch(/internal error|\n\s+at /);
    }
    const res = await runBaton(['status'], { cwd: r.root });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/feature-001-a\s+running/);
  });

  it('lists no feature of a forged id from the plan cache', async () => {
    const { r, cache } = await statusRepo();
    poison<{ ids: string[] }>(cache('status-plan.json'), (plan) => {
      plan.ids.push('<img src=x>', '__proto__');
    });
    const res = await runBaton(['status'], { cwd: r.root });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).not.toMatch(/<img|__proto__/);
    expect(res.stdout).toMatch(/feature-001-a/);
  });

  it('escapes a message of a skipped log line', async () => {
    const r = makeRepo();
    cleanups.push(() => r.cleanup());
    mkdirSync(join(r.root, '.baton'), { recursive: true });
    // The message names the unknown type as the line has it.
    writeFileSync(join(r.root, '.baton', 'log.jsonl'), '{"type":"x\\u001b[2J"}\n');
    const res = await runBaton(['status'], { cwd: r.root });
    expect(res.stderr).toMatch(/skipped: unknown event type "x\\x1b\[2J"/);
    expect(hasControl((res.stdout + res.stderr).replaceAll('\n', ''))).toBe(false);
  });
});

describe.runIf(built)('adversarial: caches and locks under .baton/ are regular files or nothing', () => {
  const fifo = (p: string) => execFileSync('mkfifo', [p]);
  const toZero = (p: string) => symlinkSync('/dev/zero', p);
  it.each([
    ['a FIFO', 'cache/status-fold.json', fifo],
    ['a symlink to /dev/zero', 'cache/status-fold.json', toZero],
    ['a FIFO', 'cache/status-plan.json', fifo],
    ['a symlink to /dev/zero', 'cache/status-plan.json', toZero],
  ])('status does not hang on %s at .baton/%s', async (_what, file, make) => {
    const { r } = await statusRepo();
    const path = join(r.root, '.baton', file);
    execFileSync('rm', ['-f', path]);
    make(path);
    const res = runBin(['status'], { cwd: r.root, timeoutMs: 20_000 });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/feature-001-a\s+running/);
  });

  it.each([
    ['a FIFO', 'lint', fifo],
    ['a FIFO', 'plan', fifo],
    ['a FIFO', 'couple', fifo],
    ['a symlink to /dev/zero', 'plan', toZero],
  ])('the history cache: %s at .baton/cache/history.txt never blocks %s', (_what, command, make) => {
    const r = hostileRepo({ 'feature-001-a': 'true' });
    cleanups.push(() => r.cleanup());
    mkdirSync(join(r.root, '.baton', 'cache'), { recursive: true });
    make(join(r.root, '.baton', 'cache', 'history.txt'));
    const res = runBin([command], { cwd: r.root, timeoutMs: 20_000 });
    expect(res.code, res.stderr).toBe(0);
  });

  it.each([['run.lock'], ['integrate.lock']])('clean does not hang on a FIFO at .baton/%s', (lock) => {
    const r = hostileRepo({ 'feature-001-a': 'true' });
    cleanups.push(() => r.cleanup());
    mkdirSync(join(r.root, '.baton'), { recursive: true });
    fifo(join(r.root, '.baton', lock));
    const res = runBin(['clean', '--dry-run'], { cwd: r.root, timeoutMs: 20_000 });
    expect(res.code, res.stderr).toBe(0);
  });
});
