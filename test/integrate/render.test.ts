import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { printableArg } from '../../src/agents/shell-words.js';
import {
  countSteps,
  describeIntegrateEvent,
  INTEGRATE_EVENT_TYPES,
  renderResult,
} from '../../src/cli/integrate-render.js';
import type { MergeStep } from '../../src/integrate/types.js';
import type { BatonEvent, NewEvent } from '../../src/log/events.js';
import { createLogSink } from '../../src/log/sink.js';
import { palette } from '../../src/terminal/style.js';

const p = palette(false);
const at = (e: NewEvent): BatonEvent => ({ v: 1, ts: '2026-01-01T00:00:00.000Z', ...e }) as BatonEvent;

describe('the integrate printer', () => {
  const lines: Array<[NewEvent, string | undefined]> = [
    [
      {
        type: 'merge.skipped',
        feature_id: 'f3',
        reason: 'the agent exited 3',
        kind: 'excluded',
        status: 'failed',
      },
      '  not merged: f3 (failed: the agent exited 3)',
    ],
    [
      { type: 'merge.skipped', feature_id: 'f9', reason: 'not run: no branch baton/f9', kind: 'not-run' },
      '  not merged: f9 (not run: no branch baton/f9)',
    ],
    [
      { type: 'merge.skipped', feature_id: 'e', reason: 'nothing to merge', kind: 'nothing-to-merge' },
      '  e: nothing to merge (baton/e adds no commit)',
    ],
    [
      { type: 'merge.skipped', feature_id: 'd', reason: 'depends on skipped b' },
      '  d: skipped — depends on skipped b',
    ],
    [
      { type: 'integration.discarded', branch: 'baton/integration', started_at: '2026-01-01T00:00:00Z' },
      'Discarded the previous integration attempt (started 2026-01-01T00:00:00Z): its merges and time no longer count',
    ],
    [
      {
        type: 'integration.started',
        branch: 'baton/integration',
        worktree: '/wt',
        order: ['a', 'f3'],
        include: ['failed'],
        included: [{ feature_id: 'f3', status: 'failed' }],
      },
      'Integrating 2 feature(s) on baton/integration in /wt: a → f3\n  --include failed: merging f3 (failed) although not complete',
    ],
    [{ type: 'integration.ended', outcome: 'clean', duration_ms: 1 }, undefined],
    [{ type: 'run.ended', run_id: 'r', outcome: 'complete', duration_ms: 1 }, undefined],
  ];
  it.each(lines)('prints %j as one line', (event, line) => {
    expect(describeIntegrateEvent(at(event), p)).toBe(line);
  });

  it('escapes control characters from the log', () => {
    const line = describeIntegrateEvent(
      at({
        type: 'merge.skipped',
        feature_id: 'x',
        reason: 'bad\x1b[2J\rname',
        kind: 'excluded',
        status: 'failed',
      }),
      p,
    );
    expect(line).toBe('  not merged: x (failed: bad\\x1b[2J\\rname)');
  });

  it('is a subscriber of the sink: what is emitted is printed, in order', () => {
    const dir = mkdtempSync(join(tmpdir(), 'baton-render-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const sink = createLogSink({ logPath: join(dir, 'log.jsonl') });
    const printed: string[] = [];
    sink.subscribe((e) => {
      const line = describeIntegrateEvent(e, p);
      if (line) printed.push(line);
    });
    sink.emit({ type: 'merge.clean', feature_id: 'a', commit: '0123456789abcdef', duration_ms: 1200 });
    sink.emit({
      type: 'integration.tested',
      after_feature: 'a',
      passed: true,
      exit_code: 0,
      duration_ms: 100,
    });
    expect(printed).toEqual(['  a: merged 0123456789, 1.2 s', '  tests after a: passed (exit 0, 0.1 s)']);
  });

  it('covers every integrate event type', () => {
    expect(new Set(INTEGRATE_EVENT_TYPES).size).toBe(INTEGRATE_EVENT_TYPES.length);
  });
});

describe('countSteps', () => {
  const merged = (id: string): MergeStep => ({
    feature_id: id,
    status: 'merged',
    commit: 'c',
    duration_ms: 1,
  });
  const conflict: MergeStep = {
    feature_id: 'b',
    status: 'conflict',
    files: ['x'],
    with: ['a'],
    duration_ms: 1,
  };
  const rows: Array<[string[], MergeStep[], string]> = [
    [['a', 'b'], [merged('a'), merged('b')], '2 of 2 merged'],
    [
      ['a', 'e'],
      [
        merged('a'),
        { feature_id: 'f', status: 'not-merged', feature_status: 'failed', reason: 'x' },
        { feature_id: 'e', status: 'nothing-to-merge', reason: 'x' },
        { feature_id: 'n', status: 'not-run', reason: 'x' },
      ],
      '1 of 4 merged, 1 with nothing to merge, 1 not merged (did not pass), 1 not run',
    ],
    [['a', 'b'], [merged('a'), conflict], '1 of 2 merged, 1 stopped at a conflict'],
    // Merging stopped at b: c, selected and after it in the order, has no step yet.
    [['a', 'b', 'c'], [merged('a'), conflict], '1 of 3 merged, 1 stopped at a conflict, 1 not reached'],
    [
      ['a', 'b', 'c'],
      [merged('a'), { feature_id: 'n', status: 'not-run', reason: 'x' }],
      '1 of 4 merged, 2 not reached, 1 not run',
    ],
  ];
  it.each(rows)('counts each selected feature once: %#', (order, steps, text) => {
    expect(countSteps({ order, steps })).toBe(text);
  });
});

describe('the commands printed to copy', () => {
  it('quote a worktree path with a space, and write a file name with control characters so it still runs', () => {
    const worktree = '/tmp/x/my proj.baton-worktrees/integration';
    const file = "evil\x1b[31m'\u202e.txt";
    const out: string[] = [];
    renderResult(
      {
        outcome: 'conflict',
        branch: 'baton/integration',
        worktree,
        base: undefined,
        order: ['a', 'b'],
        steps: [{ feature_id: 'b', status: 'conflict', files: [file], with: ['a'], duration_ms: 1 }],
        tests: [],
        checks: {},
        include: [],
        included: [],
        commit: 'c'.repeat(40),
        duration_ms: 1,
        notes: [],
        conflict: {
          feature_id: 'b',
          files: [file],
          with: ['a'],
          owners: {},
          index: 2,
          total: 2,
          worktree,
          branch: 'baton/integration',
        },
      },
      p,
      (line) => out.push(line),
    );
    expect(out).toContain(`  cd '${worktree}'`);
    expect(out).toContain("  git add -A -- $'evil\\x1b[31m\\'\\xe2\\x80\\xae.txt'");
    expect(out.join('\n')).toContain(`git -C '${worktree}' merge --abort`);
    expect(out.join('\n')).not.toContain('\x1b');
  });

  it('writes a name that the shell reads back as the very same bytes', () => {
    const name = "a b\x1b[0m'\\\u0085\u202ez";
    const r = spawnSync('bash', ['-c', `printf %s ${printableArg(name)}`], { encoding: 'utf8' });
    expect(r.stdout).toBe(name);
  });
});
