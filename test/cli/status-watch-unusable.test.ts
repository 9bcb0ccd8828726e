import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, renameSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BATON_BIN } from '../rig/cli.js';
import { holdRunLock } from '../rig/dead-run.js';
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

describe('baton status --watch off a terminal', () => {
  it('prints a table again when a run it shows dies without a word (kill -9), as a one-shot status would', async () => {
    const repo = makeRepo();
    repos.push(repo);
    // The run's orchestrator: a real process, proven by the run lock as `baton run` holds it.
    const orchestrator = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
    const gone = new Promise((r) => orchestrator.on('exit', r));
    try {
      await new Promise((r) => setTimeout(r, 200));
      holdRunLock(repo.root, 'r1', orchestrator.pid);
      const now = new Date().toISOString();
      const start = { v: 1, ts: now, type: 'run.started', run_id: 'r1', feature_ids: ['feature-a'] };
      const begun = {
        ...start,
        concurrency: 1,
        base: 'HEAD',
        base_commit: '0'.repeat(40),
        mode: 'contract-first',
      };
      appendFileSync(
        join(repo.root, '.baton', 'log.jsonl'),
        `${JSON.stringify({ ...begun, pid: orchestrator.pid })}\n${JSON.stringify({ feature_id: 'feature-a', status: 'running', ts: now })}\n`,
      );
      const child = spawn(process.execPath, [BATON_BIN, 'status', '--watch', '--no-disk'], {
        cwd: repo.root,
      });
      let out = '';
      child.stdout.on('data', (d) => (out += String(d)));
      const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
      const until = async (what: () => boolean) => {
        for (let i = 0; i < 200 && !what() && child.exitCode === null; i++)
          await new Promise((r) => setTimeout(r, 50));
      };
      await until(() => /feature-a\s+running/.test(out));
      expect(out).toMatch(/feature-a\s+running/);
      // Nothing is appended: the orchestrator just dies.
      orchestrator.kill('SIGKILL');
      await gone;
      await until(() => /feature-a\s+interrupted/.test(out));
      expect(out).toMatch(/feature-a\s+interrupted/);
      child.kill('SIGINT');
      expect(await exited).toBe(0);
    } finally {
      orchestrator.kill('SIGKILL');
    }
  });
});
