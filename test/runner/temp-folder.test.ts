/**
 * A temporary folder (TMPDIR) that does not exist: `baton run` adds every worktree through scratch
 * files there, so it refuses up front naming TMPDIR, rather than failing every feature with a raw
 * `mkdtemp` error, and `baton doctor` fails the same check.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BATON_BIN, runBaton } from '../rig/cli.js';
import { contractFiles } from '../rig/contracts.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

/** Runs `fn` with TMPDIR naming a folder that does not exist (`os.tmpdir()` reads it on each call). */
async function withMissingTmpdir<T>(root: string, fn: (missing: string) => Promise<T>): Promise<T> {
  const before = process.env.TMPDIR;
  const missing = join(root, '..', 'no-such-tmp');
  process.env.TMPDIR = missing;
  try {
    return await fn(missing);
  } finally {
    if (before === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = before;
  }
}

describe('a TMPDIR that does not exist', () => {
  it('run refuses before anything is made, naming TMPDIR, with a hint; doctor fails the same check', async () => {
    const repo = makeRepo({
      'README.md': '# app\n',
      '.gitignore': '.baton/\n',
      ...contractFiles([{ id: 'f1', agent: { command: 'mkdir -p src/f1 && echo hi > src/f1/x.txt' } }]),
    });
    repos.push(repo);
    const [run, doctor] = await withMissingTmpdir(repo.root, async (missing) => {
      const said = `the temporary folder (TMPDIR) cannot be used: ${missing} does not exist [env/tmpdir]`;
      const run = await runBaton(['run'], { cwd: repo.root });
      const doctor = await runBaton(['doctor'], { cwd: repo.root });
      return [
        { ...run, said },
        { ...doctor, missing },
      ] as const;
    });
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(run.stderr).toContain(`baton: ${run.said}`);
    expect(run.stderr).toContain('hint: Set TMPDIR to a folder that exists and you can write in');
    expect(repo.git('branch', '--list', 'baton/*')).toBe('');
    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toMatch(/✗ temp folder +TMPDIR cannot be used: .*no-such-tmp does not exist/);
  });
});

describe('a relative TMPDIR', () => {
  it('is taken from the folder Baton starts in: the run adds its worktrees and completes', () => {
    const repo = makeRepo({
      'README.md': '# app\n',
      '.gitignore': '.baton/\nreltmp/\n',
      ...contractFiles([{ id: 'f1', agent: { command: 'mkdir -p src/f1 && echo hi > src/f1/x.txt' } }]),
    });
    repos.push(repo);
    mkdirSync(join(repo.root, 'reltmp'));
    // A real process started in the repository: a relative TMPDIR means something only from a cwd.
    const run = spawnSync(process.execPath, [BATON_BIN, 'run'], {
      cwd: repo.root,
      env: { ...process.env, TMPDIR: 'reltmp' },
      encoding: 'utf8',
    });
    expect(run.status, run.stdout + run.stderr).toBe(0);
    expect(repo.git('show', 'baton/f1:src/f1/x.txt')).toBe('hi');
  });
});
