import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { BatonEvent } from '../../src/log/events.js';
import { readLog } from '../../src/log/read.js';
import { runBaton } from '../rig/cli.js';
import { contractFiles, contractText, type TestContract } from '../rig/contracts.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';
import { until } from '../rig/wait.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

function events(repo: TempRepo): BatonEvent[] {
  return readLog(join(repo.root, '.baton', 'log.jsonl')).events as BatonEvent[];
}

/** f-a writes src/f-a/a.txt; f-b depends on f-a and fails unless that file is in its worktree. */
function twoFeatures(extra: Record<string, string> = {}, bAgent?: string): TempRepo {
  const contracts: TestContract[] = [
    { id: 'f-a', agent: { command: 'mkdir -p src/f-a && echo a > src/f-a/a.txt' } },
    {
      id: 'f-b',
      depends: ['f-a'],
      agent: { command: bAgent ?? 'test -f src/f-a/a.txt && mkdir -p src/f-b && echo b > src/f-b/b.txt' },
    },
  ];
  const repo = makeRepo({ 'README.md': '# app\n', ...contractFiles(contracts), ...extra });
  repos.push(repo);
  return repo;
}

describe('--wait-for-deps and dependencies not selected', () => {
  it('merges in a dependency completed by an earlier run', async () => {
    const repo = twoFeatures();
    expect((await runBaton(['run', 'f-a'], { cwd: repo.root })).code).toBe(0);
    const r = await runBaton(['run', '--wait-for-deps', 'f-b'], { cwd: repo.root });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(repo.git('show', 'baton/f-b:src/f-a/a.txt')).toBe('a');
    // f-b's own files are its own, not f-a's.
    const bExit = events(repo).find((e) => e.type === 'agent.exited' && e.feature_id === 'f-b');
    expect(bExit && 'files' in bExit ? bExit.files : []).toEqual(['src/f-b/b.txt']);
  });

  it('refuses, before anything is created, a dependency that never completed and is not selected', async () => {
    const repo = twoFeatures();
    const r = await runBaton(['run', '--wait-for-deps', 'f-b'], { cwd: repo.root });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('[run/dependency-not-complete]');
    expect(r.stderr).toContain('f-a');
    expect(r.stderr).toMatch(/baton run --wait-for-deps f-a f-b/);
    expect(repo.git('branch', '--list', 'baton/*')).toBe('');
    expect(events(repo).some((e) => e.type === 'run.started')).toBe(false);
  });

  it('refuses a dependency whose last run failed', async () => {
    const repo = twoFeatures();
    repo.commit('f-a fails', {
      'specs/f-a/contract.md': `${repo.git('show', 'HEAD:specs/f-a/contract.md').replace(/command: .*/, 'command: exit 3')}\n`,
    });
    expect((await runBaton(['run', 'f-a'], { cwd: repo.root })).code).toBe(1);
    const r = await runBaton(['run', '--wait-for-deps', 'f-b'], { cwd: repo.root });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/f-a \(failed\)/);
    expect(repo.git('branch', '--list', 'baton/f-b')).toBe('');
  });
});

describe('--resume and --wait-for-deps', () => {
  it('keeps the mode of the run it continues: b waits for a and is cut on top of it', async () => {
    const go = join(tmpdir(), `baton-go-${process.pid}-${Date.now()}`);
    const repo = twoFeatures();
    repo.commit('a waits for go', {
      'specs/f-a/contract.md': contractText({
        id: 'f-a',
        agent: {
          command: `if [ -f ${go} ]; then mkdir -p src/f-a && echo a > src/f-a/a.txt; else sleep 20; fi`,
        },
      }),
    });
    const first = await runBaton(['run', '--wait-for-deps'], {
      cwd: repo.root,
      interrupt: (fire) => {
        void until(() => events(repo).some((e) => e.type === 'feature.started'), 10_000).then(fire);
      },
    });
    expect(first.code).not.toBe(0);
    writeFileSync(go, '');
    try {
      const r = await runBaton(['run', '--resume'], { cwd: repo.root });
      expect(r.stdout).toMatch(/wait-for-deps/);
      expect(r.code).toBe(0);
      expect(repo.git('show', 'baton/f-b:src/f-a/a.txt')).toBe('a');
      const runs = events(repo).filter((e) => e.type === 'run.started');
      expect(runs.map((e) => (e.type === 'run.started' ? e.mode : ''))).toEqual([
        'wait-for-deps',
        'wait-for-deps',
      ]);
    } finally {
      rmSync(go, { force: true });
    }
  });

  it('refuses a resumed branch cut without its dependency, and --restart cuts it again on top of it', async () => {
    const repo = twoFeatures();
    expect((await runBaton(['run', 'f-a'], { cwd: repo.root })).code).toBe(0);
    // Contract-first, b is cut from the bare base and fails without a's file: its branch stays.
    expect((await runBaton(['run', 'f-b'], { cwd: repo.root })).code).toBe(1);
    const kept = await runBaton(['run', '--resume', '--wait-for-deps', 'f-b'], { cwd: repo.root });
    expect(kept.code).toBe(1);
    const ended = events(repo)
      .filter((e) => e.type === 'feature.ended' && e.feature_id === 'f-b')
      .at(-1);
    const reason = ended && 'reason' in ended ? String(ended.reason) : '';
    expect(reason).toContain('[run/resume-missing-dependency]');
    expect(reason).toContain('--restart f-b');
    const restarted = await runBaton(['run', '--resume', '--wait-for-deps', '--restart', 'f-b'], {
      cwd: repo.root,
    });
    expect(restarted.code).toBe(0);
    expect(repo.git('show', 'baton/f-b:src/f-a/a.txt')).toBe('a');
    const bExit = events(repo)
      .filter((e) => e.type === 'agent.exited' && e.feature_id === 'f-b')
      .at(-1);
    expect(bExit && 'files' in bExit ? bExit.files : []).toEqual(['src/f-b/b.txt']);
  });
});
