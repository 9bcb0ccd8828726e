/**
 * A run killed during Baton's `git add --all` leaves the reused worktree's `index.lock`: a resume must
 * remove it before the agent starts (or the agent's whole session is lost to "File exists" when its
 * work is recorded), but only when no live process uses it.
 */
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBaton } from '../rig/cli.js';
import type { TempRepo } from '../rig/repo.js';
import { until } from '../rig/wait.js';
import { events, killedAfterEach, tempRepos } from './repo-rig.js';

const { repoWith } = tempRepos();
const pids = killedAfterEach();

/** The lock file of the feature's worktree, as git names its folder. */
function indexLock(repo: TempRepo, id: string): string {
  const wt = join(dirname(repo.root), 'repo.baton-worktrees', id);
  const gitDir = repo.git('-C', wt, 'rev-parse', '--absolute-git-dir');
  return join(gitDir, 'index.lock');
}

describe('a resumed worktree with an index.lock left by a killed git', () => {
  it('removes a stale lock before the agent starts, and refuses one a live process holds open', async () => {
    // The agents fail until the gate is there: their worktrees and branches are kept for the resume.
    const agent = (id: string, gate: string) => ({
      command: `mkdir -p src/${id} && echo x > src/${id}/a.txt && test -f ${gate}`,
    });
    const repo = repoWith([]);
    const gate = join(dirname(repo.root), 'gate');
    repo.commit('contracts', {
      ...Object.fromEntries(
        ['stale', 'held'].map((id) => [
          `specs/${id}/contract.md`,
          `---\nfeature_id: ${id}\ntitle: ${id}\nowns: ["src/${id}/**"]\nagent: { command: "${agent(id, gate).command}" }\n---\n`,
        ]),
      ),
      '.gitignore': '.baton/\n',
    });
    expect((await runBaton(['run'], { cwd: repo.root })).code).toBe(1);
    const stale = indexLock(repo, 'stale');
    const held = indexLock(repo, 'held');
    // What `kill -9` during `git add --all` leaves: the lock file, and no git.
    writeFileSync(stale, '');
    // A live process with the lock open, as git has it while it writes the index.
    const holder = spawn('/bin/sh', ['-c', `exec 3>>"${held}"; exec sleep 60`], {
      detached: true,
      stdio: 'ignore',
    });
    pids.push(-(holder.pid as number));
    expect(await until(() => existsSync(held), 5000)).toBe(true);
    await new Promise((r) => setTimeout(r, 100));
    writeFileSync(gate, '');

    const resumed = await runBaton(['run', '--resume'], { cwd: repo.root });
    expect(resumed.code).toBe(1);
    const all = events(repo);
    const second = all.findLastIndex((e) => e.type === 'run.started');
    const after = all.slice(second);
    const ended = (id: string) =>
      after.find((e) => e.type === 'feature.ended' && e.feature_id === id) as {
        status: string;
        reason?: string;
      };
    expect(ended('stale').status).toBe('complete');
    expect(existsSync(stale)).toBe(false);
    expect(after.find((e) => e.type === 'worktree.created' && e.feature_id === 'stale')).toMatchObject({
      index_lock_removed: true,
    });
    expect(resumed.stdout).toContain("removed git's stale index.lock");

    expect(ended('held').status).toBe('failed');
    expect(ended('held').reason).toContain(`is in use by a live process (pid ${holder.pid}`);
    expect(ended('held').reason).toContain('baton run --resume held');
    expect(after.some((e) => e.type === 'feature.started' && e.feature_id === 'held')).toBe(false);
    expect(existsSync(held)).toBe(true);
  });
});
