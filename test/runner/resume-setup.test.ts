/**
 * A run killed while its features' `setup` ran (or while an agent had started and its `feature.started`
 * was not yet written) leaves processes carrying the run's environment in the worktrees: a resume must
 * stop them before it starts its own there, and `baton status` must not say the run never started them.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scanOrphans } from '../../src/guard/orphans.js';
import { processesOfRun } from '../../src/guard/proc.js';
import { foldEvents } from '../../src/log/fold.js';
import { BATON_BIN, runBaton } from '../rig/cli.js';
import { deadRunLines } from '../rig/dead-run.js';
import { until } from '../rig/wait.js';
import { events, killedAfterEach, tempRepos } from './repo-rig.js';

const { repoWith } = tempRepos();
const pids = killedAfterEach();

const writes = (id: string) => ({ id, agent: { command: `mkdir -p src/${id} && echo x > src/${id}/a.txt` } });

describe('a resume after a run killed during setup', () => {
  it('stops the dead run’s setup commands before it runs setup again, and status says they were being set up', async () => {
    const repo = repoWith([writes('s1'), writes('s2')]);
    // Setup waits for a gate the test opens before the resume: the dead run's setup would sleep on.
    const gate = join(dirname(repo.root), 'gate');
    repo.commit('config', {
      'baton.config.json': JSON.stringify({ setup: `[ -f ${gate} ] || sleep 60` }),
      '.gitignore': '.baton/\n',
    });
    const run = spawn(process.execPath, [BATON_BIN, 'run'], { cwd: repo.root, stdio: 'ignore' });
    pids.push(run.pid as number);
    const runId = () => events(repo).find((e) => e.type === 'run.started')?.run_id ?? '';
    const setups = () => processesOfRun(runId()).filter((p) => p.pid === p.pgid);
    expect(
      await until(
        () => events(repo).filter((e) => e.type === 'setup.started').length === 2 && setups().length === 2,
        15_000,
      ),
    ).toBe(true);
    const dead = runId();
    const deadSetups = setups();
    for (const p of deadSetups) pids.push(-p.pgid);
    run.kill('SIGKILL');
    await until(() => run.exitCode !== null || run.signalCode !== null, 5000);

    const status = JSON.parse((await runBaton(['status', '--json', '--no-disk'], { cwd: repo.root })).stdout);
    for (const f of status.features as Array<{ status: string; reason: string }>) {
      expect(f.status).toBe('interrupted');
      expect(f.reason).toContain('was setting up this feature');
      expect(f.reason).not.toContain('never started');
    }

    writeFileSync(gate, '');
    const resumed = await runBaton(['run', '--resume'], { cwd: repo.root });
    expect(resumed.code).toBe(0);
    // The dead run's setups are gone (the resume's ran through the open gate).
    expect(processesOfRun(dead)).toEqual([]);
    const started = events(repo).find((e) => e.type === 'run.started' && e.resume);
    expect(started && 'stopped_orphans' in started ? started.stopped_orphans : []).toEqual(
      expect.arrayContaining([
        { feature_id: 's1', pgid: expect.any(Number) },
        { feature_id: 's2', pgid: expect.any(Number) },
      ]),
    );
  });

  it('finds an agent of a feature the dead run listed but never logged as started, by its environment', () => {
    const repo = repoWith([writes('a')]);
    const log = join(repo.root, '.baton', 'log.jsonl');
    // The run's start, and nothing more of `a`: the agent was spawned, its feature.started never written.
    const [runStarted] = deadRunLines('a');
    const agent = spawn('sleep', ['60'], {
      detached: true,
      stdio: 'ignore',
      env: { ...process.env, BATON_RUN_ID: 'r-dead', BATON_FEATURE_ID: 'a', BATON_LOG: log },
    });
    pids.push(-(agent.pid as number));
    const state = foldEvents([runStarted] as never);
    expect(state.features.a?.status).toBe('pending');
    expect(scanOrphans(state, log).orphans).toEqual([
      expect.objectContaining({ feature_id: 'a', pgid: agent.pid }),
    ]);
  });
});
