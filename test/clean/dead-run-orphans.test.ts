/**
 * `baton clean` after a run killed outright: the dead run's setup (or agent) still works in its
 * worktree. Removing the worktree under it would leave it running, writing into a folder that is gone;
 * clean refuses, names the processes and how to stop them, and `--force` stops them first.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { processesOfRun } from '../../src/guard/proc.js';
import { groupAlive } from '../../src/process/supervise.js';
import { BATON_BIN, runBaton } from '../rig/cli.js';
import { until } from '../rig/wait.js';
import { events, killedAfterEach, tempRepos } from '../runner/repo-rig.js';

const { repoWith } = tempRepos();
const pids = killedAfterEach();

describe('clean after a run killed during setup', () => {
  it('refuses a worktree a dead run’s setup still works in, naming it; --force stops it, then removes the worktree', async () => {
    const repo = repoWith([{ id: 'a', agent: { command: 'mkdir -p src/a && echo x > src/a/a.txt' } }]);
    repo.commit('config', {
      'baton.config.json': JSON.stringify({ setup: 'sleep 60' }),
      '.gitignore': '.baton/\n',
    });
    const run = spawn(process.execPath, [BATON_BIN, 'run'], { cwd: repo.root, stdio: 'ignore' });
    pids.push(run.pid as number);
    const runId = () => events(repo).find((e) => e.type === 'run.started')?.run_id ?? '';
    const setup = () => processesOfRun(runId()).find((p) => p.pid === p.pgid);
    expect(await until(() => setup() !== undefined, 40_000)).toBe(true);
    const group = setup()!.pgid;
    pids.push(-group);
    run.kill('SIGKILL');
    await until(() => run.exitCode !== null || run.signalCode !== null, 5000);
    const worktree = join(dirname(repo.root), 'repo.baton-worktrees', 'a');

    // The worktree is clean and its branch merged: only the setup still working there holds it.
    const refused = await runBaton(['clean', 'a'], { cwd: repo.root });
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(
      new RegExp(`a  a dead run's processes still work in it: group ${group} \\(\\S*sh -c sleep 60\\)`),
    );
    expect(refused.stdout).toContain(`kill -TERM -- -${group}`);
    expect(refused.stdout).toContain('baton clean --force a');
    expect(existsSync(worktree)).toBe(true);
    expect(groupAlive(group)).toBe(true);

    const forced = await runBaton(['clean', '--force', 'a'], { cwd: repo.root });
    expect(forced.code).toBe(0);
    expect(forced.stdout).toContain(`Stopped what a dead run left working in them: a: group ${group}`);
    expect(groupAlive(group)).toBe(false);
    expect(existsSync(worktree)).toBe(false);
    expect(repo.git('branch', '--list', 'baton/a')).toBe('');
  });
});
