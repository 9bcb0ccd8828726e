import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AgentAdapter, AgentTask } from '../../src/agents/adapter.js';
import { followInteractiveAgent } from '../../src/interactive/launch.js';
import { privateTmux } from './tmux-rig.js';

const F = 'feature-001-a';
const undo: Array<() => void> = [];
afterEach(() => {
  for (const u of undo.splice(0).reverse()) u();
});

describe('following a window a dead orchestrator opened (followInteractiveAgent)', () => {
  it('ends a session whose Stop hook fired while no orchestrator watched: types the exit command at once and reads the exit code', async () => {
    const rig = privateTmux();
    undo.push(() => rig.kill());
    const dir = mkdtempSync(join(tmpdir(), 'baton-follow-'));
    undo.push(() => rmSync(dir, { recursive: true, force: true }));
    const scratch = join(dir, 'scratch');
    mkdirSync(scratch);
    const typed = join(dir, 'typed.txt');
    // The agent stays open at its prompt after its turn (as Claude Code does) until it reads a line.
    const program = `read line; printf %s "$line" > ${typed}; echo 0 > ${join(scratch, 'interactive-exit')}`;
    rig.tmux('new-session', '-d', '-s', 'baton-r1', '-n', F, '-x', '80', '-y', '24', program);
    const [windowId = '', paneId = '', pid = '0'] = rig
      .tmux('list-panes', '-a', '-F', '#{window_id} #{pane_id} #{pane_pid}')
      .stdout.trim()
      .split(' ');
    const logPath = join(dir, 'log.jsonl');
    const line = (e: Record<string, unknown>) => `${JSON.stringify({ v: 1, run_id: 'r1', ...e })}\n`;
    writeFileSync(
      logPath,
      line({ ts: '2026-01-01T00:00:00.000Z', type: 'hook', feature_id: F, event: 'stop' }) +
        line({
          ts: '2026-01-01T00:00:01.000Z',
          type: 'feature.started',
          feature_id: F,
          status: 'running',
          agent: 'claude',
          branch: `baton/${F}`,
          worktree: dir,
          log_file: join(dir, 'agent.log'),
          port: 41000,
        }) +
        // The agent needed the conductor, was answered, and finished its turn: then the orchestrator died.
        line({
          ts: '2026-01-01T00:00:02.000Z',
          type: 'hook',
          feature_id: F,
          event: 'notification',
          status: 'needs-input',
        }) +
        line({
          ts: '2026-01-01T00:00:03.000Z',
          type: 'user.intervention',
          feature_id: F,
          action: 'send',
          text: '1',
        }) +
        line({ ts: '2026-01-01T00:00:04.000Z', type: 'hook', feature_id: F, event: 'stop' }),
    );
    const task = {
      feature: { feature_id: F },
      logPath,
      scratchDir: scratch,
      env: { ...process.env, BATON_TMUX_SOCKET: rig.socket },
      config: {
        interactive: { enabled: true, auto_finish_s: 0, trust_worktrees: false, bell: false, notify: false },
      },
    } as unknown as AgentTask;
    const adapter = { name: 'claude' } as AgentAdapter;
    const child = followInteractiveAgent(
      adapter,
      task,
      { windowId, paneId, pgid: Number(pid), startedAt: '2026-01-01T00:00:01.000Z' },
      { logFile: join(dir, 'agent.log'), pollMs: 50 },
    );
    const exit = await Promise.race([
      child.exited,
      new Promise<undefined>((r) => setTimeout(() => r(undefined), 10_000)),
    ]);
    expect(exit, rig.screens()).toBeDefined();
    expect(readFileSync(typed, 'utf8')).toBe('/exit');
    expect(exit).toMatchObject({ exitCode: 0, timedOut: false });
    // Timed from the feature's first start, not from the re-attaching.
    expect(exit?.durationMs).toBeGreaterThan(Date.now() - Date.parse('2026-01-01T00:00:02.000Z'));
    expect(rig.tmux('list-windows', '-a').stdout).not.toContain(F);
  });

  it('takes a FIFO the agent put in place of its exit file as no exit code: never waits on it, stops the window', async () => {
    const rig = privateTmux();
    undo.push(() => rig.kill());
    const dir = mkdtempSync(join(tmpdir(), 'baton-follow-'));
    undo.push(() => rmSync(dir, { recursive: true, force: true }));
    const scratch = join(dir, 'scratch');
    mkdirSync(scratch);
    // No writer ever opens it: a read of it would block the orchestrator's whole event loop for good.
    const program = `mkfifo ${join(scratch, 'interactive-exit')}; sleep 30`;
    rig.tmux('new-session', '-d', '-s', 'baton-r1', '-n', F, '-x', '80', '-y', '24', program);
    const [windowId = '', paneId = '', pid = '0'] = rig
      .tmux('list-panes', '-a', '-F', '#{window_id} #{pane_id} #{pane_pid}')
      .stdout.trim()
      .split(' ');
    const logPath = join(dir, 'log.jsonl');
    writeFileSync(logPath, '');
    const task = {
      feature: { feature_id: F },
      logPath,
      scratchDir: scratch,
      env: { ...process.env, BATON_TMUX_SOCKET: rig.socket },
      config: {
        interactive: { enabled: true, auto_finish_s: 0, trust_worktrees: false, bell: false, notify: false },
      },
    } as unknown as AgentTask;
    const child = followInteractiveAgent(
      { name: 'claude' } as AgentAdapter,
      task,
      { windowId, paneId, pgid: Number(pid), startedAt: new Date().toISOString() },
      { logFile: join(dir, 'agent.log'), pollMs: 50 },
    );
    const exit = await Promise.race([
      child.exited,
      new Promise<undefined>((r) => setTimeout(() => r(undefined), 10_000)),
    ]);
    expect(exit, rig.screens()).toBeDefined();
    expect(exit).toMatchObject({ exitCode: null, timedOut: false });
    expect(rig.tmux('list-windows', '-a').stdout).not.toContain(F);
  });
});
