import { appendFileSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runBaton } from '../rig/cli.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

function repoWithLog(text: string): { root: string; log: string } {
  const repo = makeRepo();
  repos.push(repo);
  mkdirSync(join(repo.root, '.baton'), { recursive: true });
  const log = join(repo.root, '.baton', 'log.jsonl');
  appendFileSync(log, text);
  return { root: repo.root, log };
}

const TS = '"v":1,"ts":"2026-01-01T00:00:00Z"';

describe('baton status on a log any process can append to', () => {
  it('names a deeply nested line as bad and shows the rest (it crashed with a stack overflow)', async () => {
    const deep = `${'['.repeat(20000)}${']'.repeat(20000)}`;
    const { root } = repoWithLog(
      `{"feature_id":"feature-001-a","status":"running"}\n` +
        `{${TS},"type":"agent.exited","feature_id":"feature-001-a","exit_code":0,"signal":null,"duration_ms":1,"files":[],"usage":{"x":${deep}}}\n`,
    );
    for (const args of [['status'], ['status', '--json'], ['status']]) {
      const r = await runBaton(args, { cwd: root });
      expect(r.stderr).not.toMatch(/internal error|Maximum call stack/);
      expect(r.code).toBe(0);
      expect(r.stderr).toMatch(/log\.jsonl:2: skipped: nested deeper than 32 levels/);
      expect(r.stdout).toMatch(/feature-001-a/);
    }
  });

  it('keeps only the fields usage has (an extra nested field never enters the state or its cache)', async () => {
    const { root } = repoWithLog(
      `{${TS},"type":"agent.exited","feature_id":"feature-001-a","exit_code":0,"signal":null,"duration_ms":1,"files":[],` +
        `"usage":{"turns":3,"junk":{"a":[1,2,3]},"permission_denials":[{"tool":"Bash","more":"x"}]}}\n`,
    );
    const r = await runBaton(['status', '--json'], { cwd: root });
    expect(r.code).toBe(0);
    const cache = readFileSync(join(root, '.baton', 'cache', 'status-fold.json'), 'utf8');
    expect(cache).toContain('"turns":3');
    expect(cache).not.toContain('junk');
    expect(cache).not.toContain('"more"');
  });

  it('counts 300,000 junk lines, names the first ten, and keeps no more in its cache', async () => {
    const { root } = repoWithLog(
      `{"feature_id":"feature-001-a","status":"running"}\n${'x\n'.repeat(300_000)}`,
    );
    for (const pass of ['cold', 'from the snapshot']) {
      const r = await runBaton(['status'], { cwd: root });
      expect(r.stderr, pass).not.toMatch(/internal error/);
      expect(r.code, pass).toBe(0);
      expect(r.stderr.match(/skipped: not valid JSON/g), pass).toHaveLength(10);
      expect(r.stderr, pass).toContain('299990 more bad lines skipped');
      expect(r.stdout, pass).toMatch(/feature-001-a\s+running/);
    }
    expect(statSync(join(root, '.baton', 'cache', 'status-fold.json')).size).toBeLessThan(20_000);
  });

  it('report counts junk lines the same way', async () => {
    const { root } = repoWithLog('x\n'.repeat(300_000));
    const r = await runBaton(['report'], { cwd: root });
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.stderr).toContain('299990 more bad lines skipped');
    expect(r.stderr).toMatch(/nothing to report/);
  });
});
