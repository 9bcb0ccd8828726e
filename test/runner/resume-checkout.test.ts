/**
 * A run killed while its worktrees were being made leaves worktrees added (`--no-checkout`) but not
 * checked out, and its batch shell checking them out on its own: a resume must stop that shell and
 * check such a worktree out before its agent starts, or Baton commits "delete every tracked file".
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WORKTREE_BATCH_MARK } from '../../src/guard/daemons.js';
import { runBaton } from '../rig/cli.js';
import { contractFiles } from '../rig/contracts.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';
import { until } from '../rig/wait.js';
import { killedAfterEach, tempRepos } from './repo-rig.js';

const pids = killedAfterEach();
const { kept } = tempRepos();

const DEAD_RUN = 'r-dead';

function alive(pid: number): boolean {
  try {
    return !/\) [ZX] /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** A repository with tracked files beside one feature, and the log of a run that died before its agent started. */
function deadRunRepo(): TempRepo {
  const files: Record<string, string> = {};
  for (let i = 0; i < 20; i++) files[`lib/f${i}.txt`] = `${i}\n`;
  const repo = makeRepo({
    ...files,
    ...contractFiles([{ id: 'a', agent: { command: 'mkdir -p src/a && echo hi > src/a/a.txt' } }]),
  });
  kept(repo);
  const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
    encoding: 'utf8',
  });
  const started = {
    v: 1,
    ts: new Date().toISOString(),
    type: 'run.started',
    run_id: DEAD_RUN,
    feature_ids: ['a'],
    concurrency: 1,
    base: 'HEAD',
    base_commit: repo.git('rev-parse', 'HEAD'),
    mode: 'contract-first',
    pid: Number(gone.stdout),
  };
  repo.write({ '.baton/.gitignore': '*\n' });
  writeFileSync(join(repo.root, '.baton', 'log.jsonl'), `${JSON.stringify(started)}\n`);
  return repo;
}

/** What the dead run's batch had done for the feature: its branch, and the worktree added without its checkout. */
function halfMadeWorktree(repo: TempRepo, lock: boolean): string {
  const where = join(repo.root, '..', 'repo.baton-worktrees', 'a');
  repo.git('branch', 'baton/a');
  repo.git('worktree', 'add', '--quiet', '--no-checkout', where, 'baton/a');
  // A checkout killed midway: its lock, and one of its files half written.
  if (lock) {
    writeFileSync(join(repo.root, '.git', 'worktrees', 'a', 'index.lock'), '');
    mkdirSync(join(where, 'lib'));
    writeFileSync(join(where, 'lib', 'f0.txt'), '');
  }
  return where;
}

describe('resume after a run killed while making its worktrees', () => {
  it('checks out a worktree the dead run never checked out, then runs its agent: the commit holds only its work', async () => {
    for (const lock of [false, true]) {
      const repo = deadRunRepo();
      halfMadeWorktree(repo, lock);
      const r = await runBaton(['run', '--resume', '--no-verify'], { cwd: repo.root });
      expect(r.stdout).toContain('its checkout had not finished when the dead run stopped');
      expect(r.code).toBe(0);
      expect(repo.git('diff', '--name-only', 'main', 'baton/a')).toBe('src/a/a.txt');
      expect(repo.git('ls-tree', '-r', '--name-only', 'baton/a', 'lib').split('\n')).toHaveLength(20);
      expect(repo.git('show', 'baton/a:lib/f0.txt')).toBe('0');
    }
  });

  it('stops the dead run’s worktree batch (found by its environment), and only that run’s', async () => {
    const repo = deadRunRepo();
    const log = join(repo.root, '.baton', 'log.jsonl');
    const batch = (runId: string) => {
      const child = spawn('sleep', ['300'], {
        stdio: 'ignore',
        env: { ...process.env, BATON_RUN_ID: runId, BATON_LOG: log, [WORKTREE_BATCH_MARK]: '1' },
      });
      pids.push(child.pid as number);
      return child.pid as number;
    };
    const dead = batch(DEAD_RUN);
    const other = batch('r-other');
    const r = await runBaton(['run', '--resume', '--no-verify'], { cwd: repo.root });
    expect(r.code).toBe(0);
    expect(await until(() => !alive(dead), 3000)).toBe(true);
    expect(alive(other)).toBe(true);
  });
});
