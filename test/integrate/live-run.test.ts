// `baton integrate --predict-only` while a run is still working (it takes no lock): nothing can be
// merged yet, and it says a run is in progress, as other commands do, rather than "not passed" with a
// hint to merge unfinished work. A real `baton run` in the background, its agents waiting for a file.
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BATON_BIN, runBaton } from '../rig/cli.js';
import { contractFiles } from '../rig/contracts.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';
import { until } from '../rig/wait.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

describe('integrate during a live run', () => {
  it('--predict-only says the run is in progress and which features it has not finished', async () => {
    const repo: TempRepo = makeRepo({ '.gitignore': '.baton/\n' });
    cleanups.push(() => repo.cleanup());
    const go = join(repo.root, '..', 'go');
    const waits = (id: string) => ({
      command: `while [ ! -f '${go}' ]; do sleep 0.1; done; mkdir -p src/${id} && echo ${id} > src/${id}/x.txt`,
    });
    repo.commit('contracts', contractFiles(['a', 'b'].map((id) => ({ id, agent: waits(id) }))));
    const run = spawn(process.execPath, [BATON_BIN, 'run', '-j', '2'], {
      cwd: repo.root,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: 'ignore',
    });
    const ended = new Promise((res) => run.once('exit', res));
    // A failed assertion must not leave the agents waiting for ever: they get their file first.
    cleanups.push(() => {
      writeFileSync(go, '');
      run.kill('SIGKILL');
    });
    const worktrees = ['a', 'b'].map((id) => join(repo.root, '..', 'repo.baton-worktrees', id));
    expect(await until(() => worktrees.every((w) => existsSync(w)), 30_000)).toBe(true);

    const r = await runBaton(['integrate', '--predict-only'], { cwd: repo.root });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      new RegExp(
        `no selected feature can be merged yet: run \\S+ is in progress \\(baton pid ${run.pid}\\) and has not finished a, b; not merged: a \\(\\w+: .*\\) \\[integrate/run-in-progress\\]`,
      ),
    );
    expect(r.stderr).toContain('hint: Wait for the run to end');
    expect(r.stderr).not.toContain('--include');

    writeFileSync(go, '');
    await ended;
    const after = await runBaton(['integrate', '--predict-only'], { cwd: repo.root });
    expect(after.code, after.stdout + after.stderr).toBe(0);
  });
});
