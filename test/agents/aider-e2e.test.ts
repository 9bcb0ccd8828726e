// @module-tag slow
import { existsSync, linkSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AgentExited, BatonEvent } from '../../src/log/events.js';
import { fixture, runBaton, runBatonProcess } from '../rig/cli.js';
import {
  agentLogOf,
  deferAfterEach,
  FEATURE,
  isolatedEnv,
  logEvents,
  OWNED_FILE,
  projectFor,
} from './agent-rig.js';

const defer = deferAfterEach();

const exitOf = (events: BatonEvent[]) =>
  events.find((e): e is AgentExited => e.type === 'agent.exited' && e.feature_id === FEATURE);

describe('aider adapter, with an executable that behaves as Aider’s docs say', () => {
  it('runs the task from the task file, ends complete at exit, reads the cost, and commits none of Aider’s files', async () => {
    const repo = projectFor('aider', { '.gitignore': 'node_modules/\n' });
    defer(() => repo.cleanup());
    const mainHead = repo.git('rev-parse', 'HEAD');
    const env = isolatedEnv(repo.home, {
      PATH: `${fixture('agents')}:${process.env.PATH ?? ''}`,
      FAKE_AIDER_EDITS: JSON.stringify({ [OWNED_FILE]: 'hello from aider\n' }),
    });

    const r = await runBaton(['run'], { cwd: repo.root, env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);

    const events = logEvents(repo.root);
    expect(events.filter((e) => e.type === 'feature.ended')).toEqual([
      expect.objectContaining({ feature_id: FEATURE, status: 'complete' }),
    ]);
    expect(exitOf(events)?.usage).toEqual({
      cost_usd: 0.02,
      input_tokens: 3400,
      output_tokens: 150,
      turns: 1,
    });
    // Aider committed its edit itself; the branch holds that file and nothing else.
    expect(repo.git('show', `baton/${FEATURE}:${OWNED_FILE}`)).toBe('hello from aider');
    expect(repo.git('diff', '--name-only', 'main', `baton/${FEATURE}`)).toBe(OWNED_FILE);
    // Its history went to the scratch folder, its cache stayed out of git, .gitignore is untouched.
    const worktree = join(repo.root, '..', 'repo.baton-worktrees', FEATURE);
    expect(existsSync(join(worktree, '.aider.chat.history.md'))).toBe(false);
    expect(existsSync(join(worktree, '.aider.tags.cache.v4', 'cache.db'))).toBe(true);
    expect(readFileSync(join(worktree, '.gitignore'), 'utf8')).toBe('node_modules/\n');
    const runDir = join(repo.root, '.baton', 'runs');
    const [run] = readdirSync(runDir);
    expect(
      readFileSync(join(runDir, run ?? '', FEATURE, 'scratch', 'aider.chat.history.md'), 'utf8'),
    ).toContain('#### # Task: Say hello');
    expect(repo.git('rev-parse', 'HEAD')).toBe(mainHead);
    expect(repo.git('status', '--porcelain')).toBe('');
  });

  it('runs Aider again when it gave up on a rate limit, though it exits 0, then completes', async () => {
    const repo = projectFor('aider', {
      'baton.config.json': JSON.stringify({ retry: { attempts: 2, initial_delay_s: 0, factor: 2 } }),
    });
    defer(() => repo.cleanup());
    const env = isolatedEnv(repo.home, {
      PATH: `${fixture('agents')}:${process.env.PATH ?? ''}`,
      FAKE_AIDER_EDITS: JSON.stringify({ [OWNED_FILE]: 'hello after a pause\n' }),
      FAKE_AIDER_RATE_LIMITED: '1',
    });

    const r = await runBaton(['run'], { cwd: repo.root, env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('agent rate-limited (exit 0); retry 1 of 2');
    const events = logEvents(repo.root);
    expect(events.filter((e) => e.type === 'agent.retrying')).toEqual([
      expect.objectContaining({ reason: 'rate-limited', exit_code: 0, retry: 1, of: 2 }),
    ]);
    expect(events.filter((e) => e.type === 'feature.ended')).toEqual([
      expect.objectContaining({ feature_id: FEATURE, status: 'complete' }),
    ]);
    expect(repo.git('show', `baton/${FEATURE}:${OWNED_FILE}`)).toBe('hello after a pause');
  });

  it('never lets Aider fetch a URL of the task (as an http criterion’s check line holds) or install Playwright', async () => {
    const repo = projectFor('aider');
    defer(() => repo.cleanup());
    const env = isolatedEnv(repo.home, {
      PATH: `${fixture('agents')}:${process.env.PATH ?? ''}`,
      FAKE_AIDER_EDITS: JSON.stringify({ [OWNED_FILE]: 'hello\n' }),
    });
    // The task names a URL, as an http criterion's `check: HTTP GET <url>` line does.
    const contract = join(repo.root, 'specs', FEATURE, 'contract.md');
    writeFileSync(
      contract,
      `${readFileSync(contract, 'utf8')}\nSee http://127.0.0.1:9/health for the check.\n`,
    );
    repo.git('commit', '-qam', 'a url in the spec');

    const r = await runBaton(['run'], { cwd: repo.root, env });
    expect(r.code).toBe(0);
    expect(exitOf(logEvents(repo.root))?.exit_code).toBe(0);
    expect(agentLogOf(repo.root)).not.toContain('Add URL to the chat?');
  });

  it('stops before creating any worktree when Aider is not installed, naming it and how to install it', async () => {
    const repo = projectFor('aider');
    defer(() => repo.cleanup());
    const r = await runBaton(['run'], {
      cwd: repo.root,
      env: isolatedEnv(repo.home, { PATH: '/usr/bin:/bin' }),
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('agent "aider" (Aider) is not installed');
    expect(r.stderr).toContain('aider-install');
    expect(repo.git('branch', '--list', 'baton/*')).toBe('');
  });

  it('adds .aider* through no link an earlier agent left at info/exclude (symbolic or hard): warns, writes nothing there', async () => {
    for (const how of ['symlink', 'hardlink'] as const) {
      const repo = projectFor('aider', { '.gitignore': 'node_modules/\n' });
      defer(() => repo.cleanup());
      const rc = join(repo.home, `rc-${how}`);
      writeFileSync(rc, 'export PATH=/usr/bin\n');
      const exclude = join(repo.root, '.git', 'info', 'exclude');
      rmSync(exclude, { force: true });
      if (how === 'symlink') symlinkSync(rc, exclude);
      else linkSync(rc, exclude);
      const env = isolatedEnv(repo.home, {
        PATH: `${fixture('agents')}:${process.env.PATH ?? ''}`,
        FAKE_AIDER_EDITS: JSON.stringify({ [OWNED_FILE]: 'hello from aider\n' }),
      });
      // A real process: the warning goes to its stderr.
      const r = runBatonProcess(['run'], { cwd: repo.root, env });
      expect(readFileSync(rc, 'utf8')).toBe('export PATH=/usr/bin\n');
      expect(r.stderr).toContain('Baton added nothing to it');
      expect(r.stderr).toContain(how === 'symlink' ? 'a symbolic link' : '2 hard links');
    }
  });
});
