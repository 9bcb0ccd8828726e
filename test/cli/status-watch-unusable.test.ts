import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, renameSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BATON_BIN } from '../rig/cli.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

describe('baton status --watch on a log that becomes unusable', () => {
  it('says so in one line, keeps watching, and reads the log again once it is usable', async () => {
    const repo = makeRepo();
    repos.push(repo);
    const log = join(repo.root, '.baton', 'log.jsonl');
    mkdirSync(join(repo.root, '.baton'), { recursive: true });
    appendFileSync(log, '{"feature_id":"feature-a","status":"running"}\n');
    const child = spawn(process.execPath, [BATON_BIN, 'status', '--watch'], { cwd: repo.root });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += String(d)));
    child.stderr.on('data', (d) => (err += String(d)));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const until = async (what: () => boolean) => {
      for (let i = 0; i < 100 && !what() && child.exitCode === null; i++)
        await new Promise((r) => setTimeout(r, 50));
    };
    await until(() => /feature-a\s+running/.test(out));
    // A directory in the log's place, as in the reviewer's report.
    renameSync(log, `${log}.aside`);
    mkdirSync(log);
    await until(() => /log\/unusable/.test(err));
    expect(child.exitCode).toBeNull();
    expect(err).toMatch(/cannot be used: it is a directory \[log\/unusable\]; still watching/);
    expect(err).not.toMatch(/\n\s+at /);
    rmdirSync(log);
    renameSync(`${log}.aside`, log);
    appendFileSync(log, '{"feature_id":"feature-a","status":"complete"}\n');
    await until(() => /feature-a\s+complete/.test(out));
    expect(child.exitCode).toBeNull();
    expect(out).toMatch(/feature-a\s+complete/);
    expect(err).toMatch(/usable again/);
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  });
});
