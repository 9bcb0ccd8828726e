/**
 * An agent that leaves a FIFO `.gitignore` in its worktree: git reads every `.gitignore` of the work
 * tree, so Baton's own `git add --all` would wait on it for ever. Baton's commit runs under a deadline
 * (`BATON_GIT_DEADLINE_SECONDS`, set short here): past it git is killed and the feature fails naming
 * the likely cause, and the run ends.
 */

import { spawnSync } from 'node:child_process';
import { closeSync, constants, openSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BATON_BIN } from '../rig/cli.js';
import type { TempRepo } from '../rig/repo.js';
import { events, hostileRepo } from './rig.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) {
    const fifo = join(`${r.root}.baton-worktrees`, 'f1', 'shared', 'd', '.gitignore');
    // A git still waiting on the FIFO (a Baton without the fix) is let go: a writer opens and closes it.
    try {
      closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
    } catch {}
    rmSync(fifo, { force: true });
    const planted = join(r.root, 'evil', '.gitignore');
    try {
      closeSync(openSync(planted, constants.O_WRONLY | constants.O_NONBLOCK));
    } catch {}
    rmSync(planted, { force: true });
    r.cleanup();
  }
});

describe('adversarial: a FIFO .gitignore in the agent’s worktree', () => {
  it('Baton’s commit is stopped at its deadline: the run ends, the feature fails saying why', () => {
    const repo = hostileRepo({ f1: 'mkdir -p shared/d && echo x > shared/a && mkfifo shared/d/.gitignore' });
    repos.push(repo);
    // A real process, killed if it hangs (a bound, not an assertion on time).
    const r = spawnSync(process.execPath, [BATON_BIN, 'run', 'f1', '--no-verify'], {
      cwd: repo.root,
      env: { ...process.env, NO_COLOR: '1', BATON_GIT_DEADLINE_SECONDS: '2' },
      encoding: 'utf8',
      timeout: 90_000,
      killSignal: 'SIGKILL',
    });
    expect(r.signal, `baton run hung: ${r.stdout}${r.stderr}`).toBeNull();
    expect(r.status, r.stdout + r.stderr).toBe(1);
    const ended = events(repo).find((e) => e.type === 'feature.ended');
    expect(ended).toMatchObject({ feature_id: 'f1', status: 'failed' });
    expect(JSON.stringify(ended)).toContain('a FIFO or another file git cannot read');
    expect(r.stdout).toContain('a FIFO or another file git cannot read');
  });

  it('the escape look at the main checkout is stopped at its deadline: the run ends, the feature fails', () => {
    // The agent plants the FIFO in the main checkout (the folder of the common git dir).
    const repo = hostileRepo({
      f1: 'd="$(git rev-parse --git-common-dir)/.." && mkdir -p "$d/evil" && mkfifo "$d/evil/.gitignore" && mkdir -p src/f1 && echo a > src/f1/x',
    });
    repos.push(repo);
    const r = spawnSync(process.execPath, [BATON_BIN, 'run', 'f1', '--no-verify'], {
      cwd: repo.root,
      env: { ...process.env, NO_COLOR: '1', BATON_GIT_DEADLINE_SECONDS: '2' },
      encoding: 'utf8',
      timeout: 90_000,
      killSignal: 'SIGKILL',
    });
    expect(r.signal, `baton run hung: ${r.stdout}${r.stderr}`).toBeNull();
    expect(r.status, r.stdout + r.stderr).toBe(1);
    const ended = events(repo).find((e) => e.type === 'feature.ended');
    expect(ended).toMatchObject({ feature_id: 'f1', status: 'failed' });
    expect(JSON.stringify(ended)).toContain("Baton's look at the main checkout (git status)");
  });
});
