// @module-tag slow
/**
 * Any process can append to a repository's log, so a resume must never act on a run id copied from
 * another repository's log: the live agents of that repository's run carry its run id too, and only
 * their `BATON_LOG` (and their unit) says whose they are.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WORKTREE_BATCH_MARK } from '../../src/guard/daemons.js';
import type { FeatureStarted } from '../../src/log/events.js';
import { groupAlive } from '../../src/process/supervise.js';
import { BATON_BIN, runBaton } from '../rig/cli.js';
import type { TempRepo } from '../rig/repo.js';
import { until } from '../rig/wait.js';
import { events, killedAfterEach, tempRepos } from './repo-rig.js';

// Hooks run last registered first: the processes are killed before their repositories are removed.
const { repoWith } = tempRepos();
const pids = killedAfterEach();
const groups = killedAfterEach();

function alive(pid: number): boolean {
  try {
    return !/\) [ZX] /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Repository r5 running `alpha` (a live `baton run`, its agent sleeping), and the agent's group. */
async function liveRunElsewhere(): Promise<{ r5: TempRepo; pgid: number; orchestrator: number }> {
  const r5 = repoWith([{ id: 'alpha', agent: { command: 'sleep 300' } }]);
  const child = spawn(process.execPath, [BATON_BIN, 'run', '--no-verify'], { cwd: r5.root, stdio: 'ignore' });
  const orchestrator = child.pid as number;
  pids.push(orchestrator);
  const started = () => events(r5).find((e): e is FeatureStarted => e.type === 'feature.started');
  expect(await until(() => started()?.pgid !== undefined, 20_000)).toBe(true);
  const pgid = started()?.pgid as number;
  groups.push(-pgid);
  expect(groupAlive(pgid)).toBe(true);
  return { r5, pgid, orchestrator };
}

/** Repository r7 whose log holds r5's `run.started` and `feature.started` lines, copied (`grep … >> log`). */
function copiedLog(r5: TempRepo): TempRepo {
  const r7 = repoWith([
    { id: 'alpha', agent: { command: 'mkdir -p src/alpha && echo ok > src/alpha/x.txt' } },
  ]);
  mkdirSync(join(r7.root, '.baton'), { recursive: true });
  const lines = readFileSync(join(r5.root, '.baton', 'log.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => /"run\.started"|"feature\.started"/.test(l));
  appendFileSync(join(r7.root, '.baton', 'log.jsonl'), `${lines.join('\n')}\n`);
  return r7;
}

describe('a resume never stops what another repository runs', () => {
  it('leaves the live agent of another repository’s run alone when its log lines are copied here', async () => {
    const { r5, pgid, orchestrator } = await liveRunElsewhere();
    const r7 = copiedLog(r5);
    const r = await runBaton(['run', '--resume', '--no-verify', 'alpha'], { cwd: r7.root });
    expect(r.stdout).not.toContain('stopped what the dead run left running');
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(groupAlive(pgid)).toBe(true);
    expect(alive(orchestrator)).toBe(true);
    // r7 ran its own agent, in its own worktree.
    expect(r7.git('show', 'baton/alpha:src/alpha/x.txt')).toBe('ok');
  });

  it('leaves alone a worktree batch carrying the dead run’s id but another repository’s log', async () => {
    const { r5, orchestrator } = await liveRunElsewhere();
    const r7 = copiedLog(r5);
    const runId = events(r5).find((e) => e.type === 'run.started')?.run_id as string;
    const batch = (log: string) => {
      const child = spawn('sleep', ['300'], {
        stdio: 'ignore',
        env: { ...process.env, BATON_RUN_ID: runId, BATON_LOG: log, [WORKTREE_BATCH_MARK]: '1' },
      });
      pids.push(child.pid as number);
      return child.pid as number;
    };
    const theirs = batch(join(r5.root, '.baton', 'log.jsonl'));
    const ours = batch(join(r7.root, '.baton', 'log.jsonl'));
    const r = await runBaton(['run', '--resume', '--no-verify', 'alpha'], { cwd: r7.root });
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(await until(() => !alive(ours), 3000)).toBe(true);
    expect(alive(theirs)).toBe(true);
    expect(alive(orchestrator)).toBe(true);
  });
});
