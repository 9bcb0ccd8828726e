/**
 * Ctrl-C while the worktrees are being checked out: the checkouts end, but no agent starts after it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readLog } from '../../src/log/read.js';
import { runBaton } from '../rig/cli.js';
import { contractFiles } from '../rig/contracts.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';
import { until } from '../rig/wait.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

describe('Ctrl-C while worktrees are made', () => {
  it('starts no agent after it: each feature ends interrupted before its agent started', async () => {
    const ids = ['a', 'b'];
    // Checkouts that take a second: a smudge filter on one file sleeps first.
    const repo = makeRepo({ '.gitattributes': 'slow.txt filter=slow\n', 'slow.txt': 'slow\n' });
    repos.push(repo);
    repo.git('config', 'filter.slow.smudge', 'sleep 1; cat');
    repo.git('config', 'filter.slow.clean', 'cat');
    const ran = join(repo.root, '..', 'agent-ran');
    repo.write(contractFiles(ids.map((id) => ({ id, agent: { command: `touch ${ran}` } }))));
    repo.git('add', '-A');
    repo.git('commit', '-qm', 'contracts');
    const where = join(repo.root, '..', 'repo.baton-worktrees', 'a', '.git');
    const r = await runBaton(['run', '--no-verify'], {
      cwd: repo.root,
      interrupt: (fire) => {
        void until(() => existsSync(where), 10_000).then(() => fire());
      },
    });
    expect(r.code).toBe(1);
    const events = readLog(join(repo.root, '.baton', 'log.jsonl')).events;
    expect(events.filter((e) => e.type === 'feature.started')).toEqual([]);
    expect(existsSync(ran)).toBe(false);
    const ended = events.filter((e) => e.type === 'feature.ended');
    expect(ended.map((e) => (e.type === 'feature.ended' ? [e.status, e.reason] : []))).toEqual(
      ids.map(() => ['interrupted', 'stopped by Ctrl-C before its agent started; the worktree is kept']),
    );
    expect(readFileSync(join(repo.root, '..', 'repo.baton-worktrees', 'b', 'slow.txt'), 'utf8')).toBe(
      'slow\n',
    );
  });
});
