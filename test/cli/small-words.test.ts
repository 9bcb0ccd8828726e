import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { describeEvent } from '../../src/cli/progress.js';
import { stampEvent } from '../../src/log/append.js';
import { featurePaths } from '../../src/runner/context.js';
import { decideOutcome } from '../../src/runner/outcome.js';
import { palette } from '../../src/terminal/style.js';
import { runBaton } from '../rig/cli.js';
import { contractFiles } from '../rig/contracts.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

describe('small words', () => {
  it.each([
    [1, 'run r: 1 feature, 1 at a time'],
    [2, 'run r: 2 features, 1 at a time'],
  ])('a run of %i says %j', (n, words) => {
    const event = stampEvent({
      type: 'run.started',
      run_id: 'r',
      feature_ids: Array.from({ length: n }, (_, i) => `f${i}`),
      concurrency: 1,
      base: 'main',
      base_commit: '0'.repeat(40),
      mode: 'contract-first',
      pid: 1,
    });
    expect(describeEvent(event, palette(false))).toContain(words);
  });

  it('a sent text with a control character shows it escaped once (\\x1b), not with doubled backslashes', () => {
    const event = stampEvent({
      type: 'user.intervention',
      feature_id: 'ib',
      action: 'send',
      text: 'hello\x1b]0;title\x07',
    });
    expect(describeEvent(event, palette(false))).toBe('ib: you sent "hello\\x1b]0;title\\x07"');
  });

  it.each([
    [{ exit_code: 3, signal: null }, 'f: agent exited 3 after 1.3 s'],
    [{ exit_code: null, signal: 'SIGTERM' }, 'f: agent exited SIGTERM after 1.3 s'],
    [
      {
        exit_code: null,
        signal: null,
        reason: 'ended without an exit code (by a signal, or its window was closed)',
      },
      'f: agent ended without an exit code (by a signal, or its window was closed) after 1.3 s',
    ],
    [{ exit_code: null, signal: null, reason: 'gone\x1b[2J' }, 'f: agent gone\\x1b[2J after 1.3 s'],
    [{ exit_code: null, signal: null }, 'f: agent ended without an exit code after 1.3 s'],
  ])('an agent that ended with %j says so in words, never "null"', (how, words) => {
    const event = stampEvent({ type: 'agent.exited', feature_id: 'f', duration_ms: 1300, files: [], ...how });
    const line = describeEvent(event, palette(false));
    expect(line).toContain(words);
    expect(line).not.toContain('null');
  });

  it.each([
    ['SIGINT', 'stopped by Ctrl-C; the worktree and its changes are kept'],
    ['SIGTERM', 'stopped by SIGTERM; the worktree and its changes are kept'],
    ['SIGHUP', 'stopped: the terminal was closed (SIGHUP); the worktree and its changes are kept'],
    [undefined, 'stopped; the worktree and its changes are kept'],
  ])('a run stopped by %s says %j', (signal, reason) => {
    const facts = { interrupted: true, timedOut: false, exitCode: null, changedFiles: 0 };
    expect(decideOutcome({ ...facts, ...(signal ? { interruptedBy: signal } : {}) })).toEqual({
      status: 'interrupted',
      reason,
    });
  });

  it('--dry-run names no task file under a run id that will never exist, and creates no run', async () => {
    const r = makeRepo(contractFiles([{ id: 'feature-001-a', agent: { command: 'true' } }]));
    repos.push(r);
    const out = await runBaton(['run', '--dry-run'], { cwd: r.root });
    expect(out.code).toBe(0);
    expect(out.stdout).toContain('RUN_ID stands for the id a real run gets');
    expect(out.stdout).not.toMatch(/runs\/(?!RUN_ID)[^/\s]+\/feature-001-a/);
    const runs = join(r.root, '.baton', 'runs');
    expect(existsSync(runs) ? readdirSync(runs) : []).toEqual([]);
  });

  it('--dry-run with an agent CLI shows the task and settings paths a real run uses, and leaves no folder', async () => {
    const r = makeRepo(contractFiles([{ id: 'feature-001-a', agent: 'claude' }]));
    repos.push(r);
    // Only detected, never launched: a dry run starts no agent.
    const bin = join(r.root, '..', 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'claude'), '#!/bin/sh\necho "2.0.0 (Claude Code)"\n', { mode: 0o755 });
    const env = { PATH: `${bin}${delimiter}${process.env.PATH ?? ''}` };
    const out = await runBaton(['run', '--dry-run'], { cwd: r.root, env });
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    const state = join(r.root, '.baton');
    const real = featurePaths(join(`${r.root}.baton-worktrees`), state, 'RUN_ID', 'feature-001-a');
    expect(out.stdout).toContain(`CLAUDE_CONFIG_DIR=${join(real.scratchDir, 'claude-config')} `);
    expect(out.stdout).toContain(`--settings ${join(real.scratchDir, 'claude-settings.json')} `);
    expect(out.stdout).toContain(`< ${real.taskFile}`);
    expect(out.stdout).toContain(`in ${real.worktree}\n`);
    // Every path shown is under the placeholder run id, and none of them was made.
    expect(out.stdout.match(/\/\.baton\/[^\s'"]*/g)?.every((p) => p.startsWith('/.baton/runs/RUN_ID/'))).toBe(
      true,
    );
    expect(readdirSync(state).filter((f) => !['cache', '.gitignore'].includes(f))).toEqual([]);
  });

  it('stop with an unknown id is an error listing the known ids, as every command says it', async () => {
    const agent = { command: 'mkdir -p src/feature-001-a && echo hi > src/feature-001-a/x.txt' };
    const r = makeRepo(contractFiles([{ id: 'feature-001-a', agent }]));
    repos.push(r);
    expect((await runBaton(['run'], { cwd: r.root })).code).toBe(0);
    const out = await runBaton(['stop', 'zz'], { cwd: r.root });
    expect(out.code).toBe(1);
    expect(out.stderr).toContain('unknown feature: zz; known ids: feature-001-a [features/unknown]');
    expect(out.stdout).toBe('');
  });

  it('verify <id> --json on a cleaned feature prints the error as JSON', async () => {
    const agent = { command: 'mkdir -p src/feature-001-a && echo hi > src/feature-001-a/x.txt' };
    const r = makeRepo(
      contractFiles([{ id: 'feature-001-a', agent, criteria: [{ text: 'ok', run: 'true' }] }]),
    );
    repos.push(r);
    expect((await runBaton(['run'], { cwd: r.root })).code).toBe(0);
    expect((await runBaton(['clean', '--force', 'feature-001-a'], { cwd: r.root })).code).toBe(0);
    const out = await runBaton(['verify', 'feature-001-a', '--json'], { cwd: r.root });
    expect(out.code).toBe(1);
    expect(JSON.parse(out.stdout).error).toMatchObject({
      code: 'verify/no-worktree',
      message: expect.stringContaining('feature feature-001-a has no worktree to verify'),
    });
  });

  it('verify <id> --json on a feature without a worktree prints the error as JSON', async () => {
    const r = makeRepo(contractFiles([{ id: 'feature-001-a', criteria: [{ text: 'ok', run: 'true' }] }]));
    repos.push(r);
    const out = await runBaton(['verify', 'feature-001-a', '--json'], { cwd: r.root });
    expect(out.code).toBe(1);
    const json = JSON.parse(out.stdout);
    expect(json.ok).toBe(false);
    expect(json.error.message).toContain('feature feature-001-a has no worktree to verify');
    expect(json.error.hint).toContain('baton run feature-001-a');
    expect(json.error.code).toMatch(/^verify\//);
  });
});
