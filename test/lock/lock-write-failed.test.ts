// A full disk or a `.baton/` Baton cannot write: one user error naming the lock, never "a bug in
// Baton", and no empty lock left behind. The disk is stood in for by a file-size limit (EFBIG after
// the lock file was created, as ENOSPC comes on a full disk), which needs no root and no mount.
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runBatonProcess, runBatonWithFileLimit } from '../rig/cli.js';
import { contractFiles } from '../rig/contracts.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

function repoWithFeature(): TempRepo {
  const repo = makeRepo({ '.gitignore': '.baton/\n' });
  repos.push(repo);
  repo.commit(
    'contracts',
    contractFiles([{ id: 'a', agent: { command: 'mkdir -p src/a && echo one > src/a/x.txt' } }]),
  );
  return repo;
}

describe('a lock the disk will not take', () => {
  it.each([
    ['run', 'run'],
    ['verify', 'verify'],
    ['integrate', 'integrate'],
  ])('baton %s: one lock/write-failed line with its hint, and no 0-byte lock left', (command, kind) => {
    const repo = repoWithFeature();
    const r = runBatonWithFileLimit([command], { cwd: repo.root, kib: 0 });
    const lock = join(repo.root, '.baton', `${kind}.lock`);
    expect(r.stderr).not.toMatch(/internal error|bug in Baton|\n\s+at /);
    expect(r.stderr).toContain(
      `baton: the lock ${lock} could not be written (EFBIG while writing it) [lock/write-failed]\n` +
        'hint: A file-size limit (ulimit -f) stops the write: raise it and run the command again.\n',
    );
    expect(r.code).toBe(1);
    expect(existsSync(lock)).toBe(false);
  });

  it('baton run --resume after a run: the same line, and the next Baton is not refused by a lock', () => {
    const repo = repoWithFeature();
    expect(runBatonProcess(['run'], { cwd: repo.root }).code).toBe(0);
    const r = runBatonWithFileLimit(['run', '--resume'], { cwd: repo.root, kib: 0 });
    expect(r.stderr).toContain('(EFBIG while writing it) [lock/write-failed]');
    expect(readdirSync(join(repo.root, '.baton')).filter((f) => f.includes('lock'))).toEqual([]);
  });

  it('a file where .baton/ should be: the lock names the folder and says to move the file aside', () => {
    const repo = repoWithFeature();
    rmSync(join(repo.root, '.baton'), { recursive: true, force: true });
    writeFileSync(join(repo.root, '.baton'), '');
    const r = runBatonProcess(['run'], { cwd: repo.root });
    const folder = join(repo.root, '.baton');
    expect(r.stderr).not.toMatch(/internal error|bug in Baton/);
    expect(r.stderr).toContain(
      `baton: the lock ${folder}/run.lock could not be written (EEXIST while creating its folder ${folder}) [lock/write-failed]\n` +
        `hint: A file stands where the folder ${folder} should be: move it aside.\n`,
    );
    expect(r.code).toBe(1);
  });
});
