import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createProgressRenderer } from '../../src/cli/progress.js';
import { palette } from '../../src/cli/style.js';
import { stampEvent } from '../../src/log/append.js';
import { runBaton } from '../rig/cli.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

describe('baton status', () => {
  it('--watch redraws when events are appended and stops on interrupt', async () => {
    const repo = makeRepo();
    repos.push(repo);
    const log = join(repo.root, '.baton', 'log.jsonl');
    mkdirSync(join(repo.root, '.baton'), { recursive: true });
    appendFileSync(log, '{"feature_id":"feature-001-a","status":"running"}\n');
    let stop: () => void = () => {};
    let outputSoFar = '';
    const watching = runBaton(['status', '--watch'], {
      cwd: repo.root,
      interrupt: (fire) => {
        stop = fire;
      },
      onStdout: (text) => {
        outputSoFar = text;
      },
    });
    const until = async (re: RegExp) => {
      for (let i = 0; i < 200 && !re.test(outputSoFar); i++) await new Promise((r) => setTimeout(r, 50));
    };
    await until(/running/);
    appendFileSync(log, '{"feature_id":"feature-001-a","status":"complete"}\n');
    await until(/complete/);
    stop();
    const result = await watching;
    expect(result.code).toBe(0);
    const tables = outputSoFar.split('no run yet').filter(Boolean);
    expect(tables.length).toBeGreaterThanOrEqual(2);
    expect(tables[0]).toMatch(/feature-001-a\s+running/);
    expect(tables.at(-1)).toMatch(/feature-001-a\s+complete/);
  });

  it('reports a torn line with its number on stderr and still shows the rest', async () => {
    const repo = makeRepo();
    repos.push(repo);
    mkdirSync(join(repo.root, '.baton'), { recursive: true });
    appendFileSync(
      join(repo.root, '.baton', 'log.jsonl'),
      '{"feature_id":"a","status":"complete"}\n{"feature_id":"b","sta\n{"feature_id":"c","status":"failed"}\n',
    );
    const r = await runBaton(['status'], { cwd: repo.root });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/log\.jsonl:2: skipped/);
    expect(r.stdout).toMatch(/a\s+complete/);
    expect(r.stdout).toMatch(/c\s+failed/);
  });
});

describe('live progress', () => {
  it('redraws a table in place on a TTY and writes one line per event elsewhere', () => {
    let tty = '';
    const live = createProgressRenderer({ write: (s) => (tty += s), isTTY: true }, palette(false), ['f1']);
    live.onEvent(
      stampEvent({
        type: 'feature.started',
        feature_id: 'f1',
        status: 'running',
        agent: 'demo',
        branch: 'baton/f1',
        worktree: '/w',
        log_file: '/l',
        port: 1,
      }),
    );
    live.onEvent(stampEvent({ type: 'feature.ended', feature_id: 'f1', status: 'complete' }));
    live.close();
    expect(tty).toContain('\x1b[1A\x1b[2K'); // cursor up over the previous table, erasing it (log-update)
    expect(tty).toMatch(/f1\s+complete/);
    let plain = '';
    const lines = createProgressRenderer({ write: (s) => (plain += s), isTTY: false }, palette(false), [
      'f1',
    ]);
    lines.onEvent(
      stampEvent({
        type: 'feature.ended',
        feature_id: 'f1',
        status: 'failed',
        reason: 'the agent failed: exit 1',
      }),
    );
    expect(plain).toBe('f1: failed — the agent failed: exit 1\n');
  });
});
