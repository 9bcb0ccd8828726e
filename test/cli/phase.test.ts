import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readLog } from '../../src/log/read.js';
import { runBaton } from '../rig/cli.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

function repo(): TempRepo {
  const r = makeRepo();
  repos.push(r);
  return r;
}

const at = (iso: string) => () => new Date(iso);

describe('baton phase', () => {
  it('records a phase start and end in the main checkout log, even from a feature worktree', async () => {
    const r = repo();
    const wt = join(r.root, '..', 'wt-feature');
    r.git('worktree', 'add', '-q', '-b', 'baton/feature-001-a', wt);

    const start = await runBaton(['phase', 'start', 'Specification'], {
      cwd: r.root,
      clock: at('2026-03-02T09:00:00.000Z'),
    });
    expect(start.stderr).toBe('');
    expect(start.code).toBe(0);
    expect(start.stdout).toBe('phase specification started at 2026-03-02 09:00 UTC\n');

    const end = await runBaton(['phase', 'end', 'specification'], {
      cwd: wt,
      clock: at('2026-03-02T09:42:00.000Z'),
    });
    expect(end.stderr).toBe('');
    expect(end.code).toBe(0);
    expect(end.stdout).toBe('phase specification ended at 2026-03-02 09:42 UTC: 42 min\n');

    expect(readLog(join(r.root, '.baton', 'log.jsonl')).events).toEqual([
      { v: 1, ts: '2026-03-02T09:00:00.000Z', type: 'phase.started', phase: 'specification' },
      { v: 1, ts: '2026-03-02T09:42:00.000Z', type: 'phase.ended', phase: 'specification' },
    ]);
    // Nothing was written inside the worktree.
    expect(readLog(join(wt, '.baton', 'log.jsonl')).events).toEqual([]);
  });

  it('refuses to end a phase that was never started, naming the open ones', async () => {
    const r = repo();
    await runBaton(['phase', 'start', 'planning'], { cwd: r.root, clock: at('2026-03-02T10:00:00.000Z') });
    const res = await runBaton(['phase', 'end', 'specification'], { cwd: r.root });
    expect(res.code).toBe(1);
    expect(res.stderr).toBe(
      'baton: phase specification was never started, so it cannot end [phase/not-started]\n' +
        'hint: Start it with `baton phase start specification`. Open: planning (since 2026-03-02 10:00 UTC).\n',
    );
    expect(readLog(join(r.root, '.baton', 'log.jsonl')).events).toHaveLength(1);
  });

  it('refuses to end a phase twice and to start one that is open', async () => {
    const r = repo();
    await runBaton(['phase', 'start', 'planning'], { cwd: r.root, clock: at('2026-03-02T10:00:00.000Z') });
    const again = await runBaton(['phase', 'start', 'planning'], { cwd: r.root });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('phase planning is already open (started 2026-03-02 10:00 UTC)');
    await runBaton(['phase', 'end', 'planning'], { cwd: r.root, clock: at('2026-03-02T10:30:00.000Z') });
    const twice = await runBaton(['phase', 'end', 'planning'], { cwd: r.root });
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain('phase planning is not open: it already ended at 2026-03-02 10:30 UTC');
  });

  it('rejects a name that is not a word (usage error) and prints the event with --json', async () => {
    const r = repo();
    const bad = await runBaton(['phase', 'start', 'my phase'], { cwd: r.root });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('invalid phase name "my phase"');
    const ok = await runBaton(['phase', 'start', 'review', '--json'], {
      cwd: r.root,
      clock: at('2026-03-02T11:00:00.000Z'),
    });
    expect(JSON.parse(ok.stdout)).toEqual({
      v: 1,
      ts: '2026-03-02T11:00:00.000Z',
      type: 'phase.started',
      phase: 'review',
    });
  });
});
