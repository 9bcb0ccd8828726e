/**
 * `baton verify` after a run killed outright: the dead run's agent still works in its worktree, and
 * no lock says so any more. Verify used to check the half-written worktree and log the results;
 * now it refuses, naming the group and how to stop it, as `clean` does, and checks nothing.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { processesOfRun } from '../../src/guard/proc.js';
import { groupAlive } from '../../src/process/supervise.js';
import { BATON_BIN, runBaton } from '../rig/cli.js';
import { until } from '../rig/wait.js';
import { events, killedAfterEach, tempRepos } from '../runner/repo-rig.js';

const { repoWith } = tempRepos();
const pids = killedAfterEach();

describe('verify after a run killed while its agent works', () => {
  it('refuses the feature whose worktree the dead run’s agent still writes, and checks nothing', async () => {
    const repo = repoWith([
      {
        id: 'a',
        agent: { command: 'mkdir -p src/a && echo x > src/a/a.txt && sleep 60' },
        criteria: [{ id: 'exists', text: 'the file exists', files: { exist: ['src/a/a.txt'] } }],
      },
    ]);
    repo.commit('config', { 'baton.config.json': '{}', '.gitignore': '.baton/\n' });
    const run = spawn(process.execPath, [BATON_BIN, 'run'], {
      cwd: repo.root,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    run.stderr?.on('data', (d) => {
      err += d;
    });
    pids.push(run.pid as number);
    const runId = () => events(repo).find((e) => e.type === 'run.started')?.run_id ?? '';
    const agent = () => processesOfRun(runId()).find((p) => p.pid === p.pgid);
    const found = await until(() => agent() !== undefined, 15_000);
    expect(found, err).toBe(true);
    const group = agent()!.pgid;
    pids.push(-group);
    run.kill('SIGKILL');
    await until(() => run.exitCode !== null || run.signalCode !== null, 5000);

    const v = await runBaton(['verify', 'a'], { cwd: repo.root });
    expect(v.code).toBe(1);
    expect(v.stderr).toContain("a dead run's agent is still working in the worktree of a (a: group");
    expect(v.stderr).toContain('[verify/agent-still-running]');
    expect(v.stderr).toContain(`kill -TERM -- -${group}`);
    expect(v.stderr).toContain('baton run --resume');
    expect(events(repo).filter((e) => e.type === 'check.passed' || e.type === 'check.failed')).toEqual([]);
    expect(groupAlive(group)).toBe(true);
  }, 60_000);
});
