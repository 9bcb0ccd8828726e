import { linkSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { formatBytes, measureDiskUsage } from '../../src/clean/disk-usage.js';
import { runBaton } from '../rig/cli.js';
import type { TempRepo } from '../rig/repo.js';
import { addFeatureWorktree, appendLog, projectRepo, writeIn } from './fixture.js';

let repo: TempRepo | undefined;
afterEach(() => {
  repo?.cleanup();
  repo = undefined;
});

interface StatusJson {
  features: Array<{
    feature_id: string;
    status: string;
    disk_bytes: number | null;
    disk_complete: boolean | null;
  }>;
}

describe('baton status disk column', () => {
  it('shows the disk each feature worktree uses, in the table and as disk_bytes', async () => {
    repo = projectRepo(['a', 'b']);
    const a = addFeatureWorktree(repo, 'a');
    writeIn(a, { 'node_modules/big/blob.bin': 'x'.repeat(300_000) });
    const json = JSON.parse((await runBaton(['status', '--json'], { cwd: repo.root })).stdout) as StatusJson;
    const fa = json.features.find((f) => f.feature_id === 'a');
    const fb = json.features.find((f) => f.feature_id === 'b');
    expect(fa?.disk_bytes).toBeGreaterThanOrEqual(300_000);
    expect(fa?.disk_bytes).toBeLessThan(2_000_000);
    expect(fa?.disk_complete).toBe(true);
    expect(fb).toMatchObject({ disk_bytes: null, disk_complete: null });

    const table = (await runBaton(['status'], { cwd: repo.root })).stdout;
    expect(table).toMatch(/^feature +status +agent +elapsed +exit +checks +cost +disk +last event$/m);
    expect(table).toMatch(
      new RegExp(`^a +pending .* ${formatBytes(fa?.disk_bytes ?? 0).replace('.', '\\.')} +—$`, 'm'),
    );
    expect(table).toMatch(/^b +pending .* — +—$/m);

    const off = JSON.parse(
      (await runBaton(['status', '--json', '--no-disk'], { cwd: repo.root })).stdout,
    ) as StatusJson;
    expect(off.features.every((f) => f.disk_bytes === null)).toBe(true);
  });
});

describe('baton status on a hostile log', () => {
  it('reports lines of the wrong shape or an unknown type with their numbers, and folds the rest', async () => {
    repo = projectRepo(['a']);
    appendLog(repo, [
      { type: 'run.started' },
      { type: 'new.kind', feature_id: 'a' },
      { feature_id: 'constructor', status: 'done' },
      { feature_id: '__proto__', status: 'failed' },
      { type: 'hook', feature_id: 'a', event: 'stop', status: 42 },
      {
        type: 'agent.exited',
        feature_id: 'a',
        exit_code: 0,
        signal: null,
        duration_ms: 5,
        files: [],
        usage: { permission_denials: 'Bash' },
      },
      { feature_id: 'a', status: 'complete' },
    ]);
    const r = await runBaton(['status', '--json'], { cwd: repo.root });
    expect(r.code).toBe(0);
    const problems = r.stderr.trim().split('\n');
    expect(problems).toHaveLength(5);
    expect(problems[0]).toMatch(
      /log\.jsonl:1: skipped: run\.started: "run_id" must be a string, got nothing: /,
    );
    expect(problems[1]).toMatch(/log\.jsonl:2: skipped: unknown event type "new\.kind": /);
    // An id outside the feature-id rule is refused (`constructor` fits it: an ordinary feature).
    expect(problems[2]).toMatch(
      /log\.jsonl:4: skipped: .*"feature_id" must be a feature id .*, got "__proto__"/,
    );
    expect(problems[3]).toMatch(
      /log\.jsonl:5: skipped: hook: "status" must be one of pending, running, .*, got 42: /,
    );
    expect(problems[4]).toMatch(
      /log\.jsonl:6: skipped: agent\.exited: "usage\.permission_denials" must be a list, got "Bash"/,
    );
    const json = JSON.parse(r.stdout) as StatusJson;
    expect(json.features.map((f) => [f.feature_id, f.status])).toEqual([
      ['a', 'complete'],
      ['constructor', 'complete'],
    ]);
    expect(({} as Record<string, unknown>).status).toBeUndefined();
  });
});

describe('baton status and a feature named like an object property', () => {
  it('lists a contract called constructor, not yet in the log, as pending', async () => {
    repo = projectRepo(['constructor', 'feature-001-a']);
    const r = await runBaton(['status', '--json'], { cwd: repo.root });
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout) as StatusJson;
    expect(json.features.map((f) => [f.feature_id, f.status])).toEqual([
      ['constructor', 'pending'],
      ['feature-001-a', 'pending'],
    ]);
  });
});

describe('measureDiskUsage', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const folder = () => {
    const d = mkdtempSync(join(tmpdir(), 'baton-disk-'));
    dirs.push(d);
    return d;
  };

  it('counts a hard-linked file once, does not follow symlinks, and skips the worktree .git file', () => {
    const d = folder();
    writeFileSync(join(d, 'big'), 'x'.repeat(400_000));
    linkSync(join(d, 'big'), join(d, 'big-link'));
    const outside = folder();
    writeFileSync(join(outside, 'huge'), 'y'.repeat(2_000_000));
    symlinkSync(join(outside, 'huge'), join(d, 'to-huge'));
    symlinkSync(outside, join(d, 'to-dir'));
    const before = measureDiskUsage([d]).get(d);
    writeFileSync(join(d, '.git'), `gitdir: ${'z'.repeat(50_000)}\n`);
    const after = measureDiskUsage([d]).get(d);
    expect(before?.complete).toBe(true);
    expect(before?.bytes).toBeGreaterThanOrEqual(400_000);
    expect(before?.bytes).toBeLessThan(600_000);
    expect(after?.bytes).toBe(before?.bytes);
  });

  it('shares its entry budget fairly and reports an unfinished folder as a lower bound', () => {
    const heavy = folder();
    for (let i = 0; i < 40; i++) {
      mkdirSync(join(heavy, `pkg${i}`));
      for (let j = 0; j < 20; j++) writeFileSync(join(heavy, `pkg${i}`, `f${j}`), 'z'.repeat(5000));
    }
    const light = folder();
    writeFileSync(join(light, 'one'), 'a'.repeat(10_000));
    const full = measureDiskUsage([heavy, light]);
    expect(full.get(heavy)?.complete).toBe(true);
    const capped = measureDiskUsage([heavy, light], { entryBudget: 100 });
    expect(capped.get(light)).toEqual(full.get(light));
    expect(capped.get(heavy)?.complete).toBe(false);
    expect(capped.get(heavy)?.bytes).toBeLessThan(full.get(heavy)?.bytes ?? 0);
    expect(measureDiskUsage([join(heavy, 'missing')]).size).toBe(0);
  });

  it('formats sizes in decimal units', () => {
    expect([0, 999, 1000, 24_576, 1_234_567, 5e9].map(formatBytes)).toEqual([
      '0 B',
      '999 B',
      '1.0 KB',
      '24.6 KB',
      '1.2 MB',
      '5.0 GB',
    ]);
  });
});
