import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BATON_BIN, runBatonProcess } from '../rig/cli.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

describe('a log that cannot be written', () => {
  it('whose folder is a file: a user error naming the path and the code, not a bug in Baton', () => {
    const repo = makeRepo();
    repos.push(repo);
    const afile = join(repo.root, 'afile');
    writeFileSync(afile, '');
    const log = join(afile, 'log.jsonl');
    const r = runBatonProcess(['hook', 'stop', '--feature', 'feature-001-a', '--log', log], {
      cwd: repo.root,
    });
    expect(r.stderr).not.toMatch(/internal error|bug in Baton/);
    expect(r.stderr).toContain(`the log ${log} could not be written (EEXIST`);
    expect(r.stderr).toContain('[log/write-failed]');
    expect(r.code).toBe(1);
  });
});

describe('a log under a folder mkdir cannot make (/proc)', () => {
  it('is a user error at once, not a process spinning for ever in a recursive mkdir', () => {
    const repo = makeRepo();
    repos.push(repo);
    const log = '/proc/baton-no-such/log.jsonl';
    const r = spawnSync(
      process.execPath,
      [BATON_BIN, 'hook', 'stop', '--feature', 'feature-001-a', '--log', log],
      {
        cwd: repo.root,
        encoding: 'utf8',
        input: '',
        timeout: 20_000,
        env: { ...process.env, NO_COLOR: '1' },
      },
    );
    expect(r.signal).toBeNull();
    expect(r.stderr).toContain(`the log ${log} could not be written (ENOENT`);
    expect(r.stderr).toContain('[log/write-failed]');
    expect(r.status).toBe(1);
  });
});
