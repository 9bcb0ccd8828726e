import { chmodSync, copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AgentReport } from '../../src/agents/inventory.js';
import { fixture, runBaton } from '../rig/cli.js';
import { deferAfterEach, FEATURE, isolatedEnv, logEvents, OWNED_FILE, projectFor } from './agent-rig.js';

const defer = deferAfterEach();

/** A project run by Aider (the fixture that behaves as Aider does), with `config` as its baton.config.json. */
function aiderProject(config: Record<string, unknown> = {}) {
  const repo = projectFor('aider', { 'baton.config.json': JSON.stringify(config) });
  defer(() => repo.cleanup());
  return repo;
}

/** Puts a copy of the Aider fixture at `file`. */
function placeAider(file: string): void {
  mkdirSync(join(file, '..'), { recursive: true });
  copyFileSync(fixture('agents', 'aider'), file);
  chmodSync(file, 0o755);
}

/** A program named aider that must not be the one run: it fails the feature. */
function placeImpostor(dir: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'aider'), '#!/bin/sh\necho "not this aider" >&2\nexit 3\n');
  chmodSync(join(dir, 'aider'), 0o755);
}

const edits = { FAKE_AIDER_EDITS: JSON.stringify({ [OWNED_FILE]: 'hello from aider\n' }) };

async function runsComplete(root: string, env: NodeJS.ProcessEnv): Promise<void> {
  const r = await runBaton(['run'], { cwd: root, env });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(logEvents(root).filter((e) => e.type === 'feature.ended')).toEqual([
    expect.objectContaining({ feature_id: FEATURE, status: 'complete' }),
  ]);
}

describe('the agent Baton runs is the one it detected', () => {
  it('a relative agents.<name>.command is taken from the repository root, though the agent runs in its worktree', async () => {
    const repo = aiderProject({ agents: { aider: { command: '../bin/aider' } } });
    placeAider(join(repo.root, '..', 'bin', 'aider'));
    await runsComplete(repo.root, isolatedEnv(repo.home, { PATH: '/usr/bin:/bin', ...edits }));
  });

  it('a relative PATH entry is taken from the repository root for the run as for the detection', async () => {
    const repo = aiderProject();
    // tools/ is the user's own, untracked and ignored: the worktree does not have it.
    placeAider(join(repo.root, 'tools', 'aider'));
    writeFileSync(join(repo.root, '.git', 'info', 'exclude'), 'tools/\n');
    const further = join(repo.root, '..', 'further');
    placeImpostor(further);
    await runsComplete(
      repo.root,
      isolatedEnv(repo.home, { PATH: `tools:${further}:/usr/bin:/bin`, ...edits }),
    );
  });

  it('a configured ~/ path is expanded, and one that is not there is named in the hint', async () => {
    const repo = aiderProject({ agents: { aider: { command: '~/bin/aider' } } });
    const env = isolatedEnv(repo.home, { PATH: '/usr/bin:/bin', ...edits });
    const missing = await runBaton(['run'], { cwd: repo.root, env });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(
      `agents.aider.command in the config is ~/bin/aider: no executable file at ${join(repo.home, 'bin', 'aider')}`,
    );
    expect(missing.stderr).not.toContain('pip install');
    placeAider(join(repo.home, 'bin', 'aider'));
    await runsComplete(repo.root, env);
  });

  it('the --version probe gives the program no stdin to wait on', async () => {
    const repo = projectFor('aider');
    defer(() => repo.cleanup());
    mkdirSync(join(repo.home, 'bin'));
    // A wrapper that logs its stdin, as `tee log | claude "$@"` does: it ends when stdin does.
    writeFileSync(
      join(repo.home, 'bin', 'claude'),
      '#!/bin/sh\ncat > /dev/null\necho "2.1.197 (Claude Code)"\n',
    );
    chmodSync(join(repo.home, 'bin', 'claude'), 0o755);
    const started = Date.now();
    const r = await runBaton(['agents', '--json'], {
      cwd: repo.root,
      env: isolatedEnv(repo.home, { PATH: `${join(repo.home, 'bin')}:/usr/bin:/bin` }),
    });
    expect(r.code).toBe(0);
    const claude = (JSON.parse(r.stdout) as { agents: AgentReport[] }).agents.find(
      (a) => a.name === 'claude',
    );
    expect(claude).toMatchObject({
      installed: true,
      version: '2.1.197',
      path: join(repo.home, 'bin', 'claude'),
    });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('baton worker looks for each agent with its folder’s agents.<name>.command', async () => {
    const repo = projectFor('aider');
    defer(() => repo.cleanup());
    placeAider(join(repo.home, 'bin', 'my-aider'));
    const { startWorker } = await import('../../src/queue/worker.js');
    const start = (agents: Record<string, { command: string }>) =>
      startWorker({
        queue: 'redis://127.0.0.1:1',
        hub: repo.root,
        concurrency: 1,
        agents: ['aider'],
        dir: join(repo.home, 'worker'),
        cwd: repo.home,
        env: isolatedEnv(repo.home, { PATH: '/usr/bin:/bin' }),
        agentConfig: { root: repo.root, agents },
        batonCommand: [process.execPath, 'baton'],
        log: () => undefined,
      }).then(
        () => 'started',
        (err: { code?: string }) => err.code,
      );
    expect(await start({})).toBe('worker/agent-missing');
    // Found through the config, it gets past the agents to the queue, which is not there.
    expect(await start({ aider: { command: '~/bin/my-aider' } })).not.toBe('worker/agent-missing');
  });
});
