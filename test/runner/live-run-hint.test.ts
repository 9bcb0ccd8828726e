/**
 * `assertNoLiveRun` refuses a resume while a run the run lock names is alive. The pid it names comes
 * from files any process can write (the lock, the log): it offers `kill -INT` only for a holder proven
 * to be Baton, as every lock message does (`stopHolderHint`), never for some other live process.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { foldEvents } from '../../src/log/fold.js';
import { assertNoLiveRun } from '../../src/runner/resume.js';
import { tempRepos } from './repo-rig.js';

const { repoWith } = tempRepos();
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});

/** A live process that is not Baton, started before the lock and the run that name it. */
async function bystander(): Promise<number> {
  const child = spawn('sleep', ['60'], { stdio: 'ignore' });
  children.push(child);
  await new Promise((r) => child.once('spawn', r));
  await new Promise((r) => setTimeout(r, 50));
  return child.pid as number;
}

describe('assertNoLiveRun', () => {
  it('names a run lock holder not proven to be Baton without telling the user to kill it', async () => {
    const repo = repoWith([{ id: 'a', agent: { command: 'true' } }]);
    const pid = await bystander();
    const now = new Date().toISOString();
    mkdirSync(join(repo.root, '.baton'), { recursive: true });
    // A hand-written lock: no process start time, and the process's command line is not Baton's.
    writeFileSync(
      join(repo.root, '.baton', 'run.lock'),
      JSON.stringify({ pid, since: now, command: 'run', run_id: 'r-forged' }),
    );
    const state = foldEvents([
      {
        type: 'run.started',
        ts: now,
        run_id: 'r-forged',
        feature_ids: ['a'],
        concurrency: 1,
        base: 'main',
        base_commit: 'abc',
        mode: 'contract-first',
        pid,
      },
    ] as never);
    let err: unknown;
    try {
      assertNoLiveRun(state, repo.root);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UserError);
    const hint = (err as UserError).hint ?? '';
    expect((err as UserError).code).toBe('run/in-progress');
    expect(hint).not.toContain('kill');
    expect(hint).toContain(`ps -p ${pid}`);
    expect(hint).toContain('not proven to be Baton');
  });
});
