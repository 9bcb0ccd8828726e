import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BATON_BIN, runBatonProcess, runBatonWithFileLimit } from '../rig/cli.js';
import { contractFiles } from '../rig/contracts.js';
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

describe('a log line the disk takes only part of (a full disk; here a file-size limit)', () => {
  it('is cut off again: the log is as before, the error says so, and status skips nothing later', () => {
    const repo = makeRepo();
    repos.push(repo);
    const log = join(repo.root, '.baton', 'log.jsonl');
    mkdirSync(dirname(log), { recursive: true });
    // 20 lines of 50 bytes: 1000 bytes, so a 1 KiB limit takes 24 bytes of the next line, then EFBIG.
    const before = '{"feature_id":"feature-001-a","status":"running"}\n'.repeat(20);
    writeFileSync(log, before);
    const r = runBatonWithFileLimit(['hook', 'stop', '--feature', 'feature-001-a', '--log', log], {
      cwd: repo.root,
      kib: 1,
    });
    expect(r.stderr).toContain(
      `the log ${log} could not be written (EFBIG while appending to it) [log/write-failed]`,
    );
    expect(r.code).toBe(1);
    expect(readFileSync(log, 'utf8')).toBe(before);
    const status = runBatonProcess(['status'], { cwd: repo.root });
    expect(status.stderr).not.toContain('skipped');
  });
});

describe('a cache the disk will not take', () => {
  it('leaves no temporary file in .baton/cache', () => {
    const repo = makeRepo();
    repos.push(repo);
    repo.commit('contracts', contractFiles([{ id: 'a' }]));
    mkdirSync(join(repo.root, '.baton'), { recursive: true });
    writeFileSync(join(repo.root, '.baton', 'log.jsonl'), '{"feature_id":"a","status":"running"}\n');
    for (const command of ['lint', 'status']) runBatonWithFileLimit([command], { cwd: repo.root, kib: 0 });
    const cache = join(repo.root, '.baton', 'cache');
    const left = existsSync(cache) ? readdirSync(cache) : [];
    expect(left.filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
