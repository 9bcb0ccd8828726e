/**
 * Doctor asks `sh` whether each command agent's program can start. Only `command -v`'s own "no" is
 * "not found": an `sh` that could not be started at all (EMFILE under a low `ulimit -n`, here a folder
 * that is gone) leaves the question open, a warning with the real cause, never a false failure.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkCommandAgents } from '../../src/doctor/command-agents.js';
import { BATON_BIN } from '../rig/cli.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

const source = { base: undefined, copy: [] };

describe('checkCommandAgents', () => {
  it('says sh could not be asked, with the cause, when sh itself cannot start: never "not found"', async () => {
    const repo = makeRepo();
    repos.push(repo);
    const gone = join(repo.root, 'no-such-folder');
    const [checked] = await checkCommandAgents(
      new Map([["sh -c 'echo hi'", ['f1']]]),
      process.env,
      gone,
      source,
    );
    expect(checked?.status).toBe('warn');
    expect(checked?.detail).toMatch(/could not ask sh whether sh can start: spawn sh ENOENT — used by f1$/);
    expect(checked?.detail).not.toContain('was not found');
  });

  it('still fails a program sh does not find, asking once for the commands that share it', async () => {
    const repo = makeRepo();
    repos.push(repo);
    const used = new Map([
      ['no-such-agent-xyz --a', ['f1']],
      ['no-such-agent-xyz --b', ['f2']],
      ['sh -c true', ['f3']],
    ]);
    const checks = await checkCommandAgents(used, process.env, repo.root, source);
    expect(checks.map((c) => c.status)).toEqual(['fail', 'fail', 'ok']);
    expect(checks[0]?.detail).toContain('no-such-agent-xyz was not found on PATH');
  });
});

describe('baton doctor out of open files (ulimit -n 22)', () => {
  it('names EMFILE and the fix for git, never "git was not found on PATH"', () => {
    const repo = makeRepo();
    repos.push(repo);
    const r = spawnSync(
      'bash',
      ['-c', 'ulimit -n 22 && exec "$@"', 'sh', process.execPath, BATON_BIN, 'doctor'],
      {
        cwd: repo.root,
        encoding: 'utf8',
        env: { ...process.env, NO_COLOR: '1' },
      },
    );
    const said = r.stdout + r.stderr;
    expect(said).not.toContain('was not found');
    expect(said).toContain('could not start git: too many open files (EMFILE) [process/out-of-resources]');
    expect(said).toContain('ulimit -n');
  });
});
