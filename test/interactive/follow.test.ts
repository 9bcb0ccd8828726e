import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AgentAdapter, AgentTask } from '../../src/agents/adapter.js';
import { followInteractiveAgent, wrapperScript } from '../../src/interactive/launch.js';
import { describeExit } from '../../src/process/supervise.js';
import { attachClient, privateTmux, waitFor } from './tmux-rig.js';

const F = 'feature-001-a';
const undo: Array<() => void> = [];
afterEach(() => {
  for (const u of undo.splice(0).reverse()) u();
});

/** A private tmux server and a scratch folder: what a dead orchestrator left for its agent's window. */
function deadRunWorld(): { rig: ReturnType<typeof privateTmux>; dir: string; scratch: string } {
  const rig = privateTmux();
  undo.push(() => rig.kill());
  const dir = mkdtempSync(join(tmpdir(), 'baton-follow-'));
  undo.push(() => rmSync(dir, { recursive: true, force: true }));
  const scratch = join(dir, 'scratch');
  mkdirSync(scratch);
  return { rig, dir, scratch };
}

/** Opens the agent's window running `program`, then follows it as a resumed run would. */
function followWindow(
  w: ReturnType<typeof deadRunWorld>,
  program: string,
  logPath: string,
  startedAt: string,
  opts: { finishRetryMs?: number; beforeFollow?: (target: string) => void } = {},
): ReturnType<typeof followInteractiveAgent> {
  w.rig.tmux('new-session', '-d', '-s', 'baton-r1', '-n', F, '-x', '80', '-y', '24', program);
  const [windowId = '', paneId = '', pid = '0'] = w.rig
    .tmux('list-panes', '-a', '-F', '#{window_id} #{pane_id} #{pane_pid}')
    .stdout.trim()
    .split(' ');
  opts.beforeFollow?.(paneId);
  const task = {
    feature: { feature_id: F },
    logPath,
    scratchDir: w.scratch,
    env: { ...process.env, BATON_TMUX_SOCKET: w.rig.socket },
    config: {
      interactive: { enabled: true, auto_finish_s: 0, trust_worktrees: false, bell: false, notify: false },
    },
  } as unknown as AgentTask;
  return followInteractiveAgent(
    { name: 'claude' } as AgentAdapter,
    task,
    { windowId, paneId, pgid: Number(pid), startedAt },
    {
      logFile: join(w.dir, 'agent.log'),
      pollMs: 50,
      ...(opts.finishRetryMs !== undefined ? { finishRetryMs: opts.finishRetryMs } : {}),
    },
  );
}

describe('following a window a dead orchestrator opened (followInteractiveAgent)', () => {
  it('ends a session whose Stop hook fired while no orchestrator watched: types the exit command at once and reads the exit code', async () => {
    const world = deadRunWorld();
    const { rig, dir, scratch } = world;
    const typed = join(dir, 'typed.txt');
    // The agent stays open at its prompt after its turn (as Claude Code does) until it reads a line.
    const program = `read line; printf %s "$line" > ${typed}; echo 0 > ${join(scratch, 'interactive-exit')}`;
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
    const child = followWindow(world, program, logPath, '2026-01-01T00:00:01.000Z');
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

  it.each([
    [
      'in a pane left in copy-mode (the conductor scrolled back, then detached)',
      'read line',
      (rig: ReturnType<typeof privateTmux>) => (pane: string) => rig.tmux('copy-mode', '-t', pane),
    ],
    ['again when the session stays open after the first try (lost)', 'read lost; read line', () => () => {}],
  ])('types the exit command of a finished session %s', async (_, reads, change) => {
    await expectFinished(reads, change, []);
  });

  it('types the exit command of a finished session the conductor attached to afterwards, typing nothing', async () => {
    await expectFinished('read line', () => () => {}, [{ type: 'user.intervention', action: 'attach' }]);
  });

  it('types nothing, and leaves copy-mode alone, while a client is attached to the window; finishes once it detaches', async () => {
    const world = deadRunWorld();
    const { rig, dir, scratch } = world;
    const typed = join(dir, 'typed.txt');
    const program = `read line; printf %s "$line" > ${typed}; echo 0 > ${join(scratch, 'interactive-exit')}`;
    const logPath = join(dir, 'log.jsonl');
    const stop = {
      v: 1,
      run_id: 'r1',
      ts: new Date().toISOString(),
      type: 'hook',
      feature_id: F,
      event: 'stop',
    };
    writeFileSync(logPath, `${JSON.stringify(stop)}\n`);
    let client: { detach(): void } | undefined;
    let pane = '';
    const child = followWindow(world, program, logPath, new Date().toISOString(), {
      finishRetryMs: 500,
      beforeFollow: (target) => {
        pane = target;
        // The conductor attached, scrolled back, and is writing a follow-up.
        rig.tmux('copy-mode', '-t', target);
        client = attachClient(rig, 'baton-r1');
      },
    });
    undo.push(() => client?.detach());
    // The watcher looks every 50 ms: many looks go by, and none may type or leave the mode.
    const ended = await waitFor(() => existsSync(typed), 1500);
    expect(ended, rig.screens()).toBe(false);
    expect(rig.tmux('display-message', '-p', '-t', pane, '#{pane_in_mode}').stdout.trim()).toBe('1');
    client?.detach();
    const exit = await Promise.race([
      child.exited,
      new Promise<undefined>((r) => setTimeout(() => r(undefined), 10_000)),
    ]);
    expect(exit, `the session never ended\n${rig.screens()}`).toBeDefined();
    expect(readFileSync(typed, 'utf8')).toBe('/exit');
  });

  /** Follows an agent whose Stop hook fired (then the `after` events), and expects it ended by the exit command. */
  async function expectFinished(
    reads: string,
    change: (rig: ReturnType<typeof privateTmux>) => (pane: string) => unknown,
    after: Array<Record<string, unknown>>,
  ): Promise<void> {
    const world = deadRunWorld();
    const { rig, dir, scratch } = world;
    const typed = join(dir, 'typed.txt');
    const program = `${reads}; printf %s "$line" > ${typed}; echo 0 > ${join(scratch, 'interactive-exit')}`;
    const logPath = join(dir, 'log.jsonl');
    const stop = {
      v: 1,
      run_id: 'r1',
      ts: new Date().toISOString(),
      type: 'hook',
      feature_id: F,
      event: 'stop',
    };
    const later = after.map((e) => ({ ...stop, event: undefined, ...e }));
    writeFileSync(logPath, [stop, ...later].map((e) => `${JSON.stringify(e)}\n`).join(''));
    const child = followWindow(world, program, logPath, new Date().toISOString(), {
      finishRetryMs: 500,
      beforeFollow: change(rig),
    });
    const exit = await Promise.race([
      child.exited,
      new Promise<undefined>((r) => setTimeout(() => r(undefined), 10_000)),
    ]);
    expect(exit, `the session never ended\n${rig.screens()}`).toBeDefined();
    expect(readFileSync(typed, 'utf8')).toBe('/exit');
    expect(exit).toMatchObject({ exitCode: 0 });
  }

  it('takes a FIFO the agent put in place of its exit file as no exit code: never waits on it, stops the window', async () => {
    const world = deadRunWorld();
    const { rig, dir, scratch } = world;
    // No writer ever opens it: a read of it would block the orchestrator's whole event loop for good.
    const program = `mkfifo ${join(scratch, 'interactive-exit')}; sleep 30`;
    const logPath = join(dir, 'log.jsonl');
    writeFileSync(logPath, '');
    const child = followWindow(world, program, logPath, new Date().toISOString());
    const exit = await Promise.race([
      child.exited,
      new Promise<undefined>((r) => setTimeout(() => r(undefined), 10_000)),
    ]);
    expect(exit, rig.screens()).toBeDefined();
    expect(exit).toMatchObject({ exitCode: null, timedOut: false });
    expect(rig.tmux('list-windows', '-a').stdout).not.toContain(F);
  });

  it('reads the exit code of an exit file that exists a moment before its code is in it', async () => {
    const world = deadRunWorld();
    const { rig, dir, scratch } = world;
    // As `echo $? > file` does: the file is made empty first. A read at once found no code, and the
    // agent's clean exit was told as "ended without an exit code".
    const exitFile = join(scratch, 'interactive-exit');
    const program = `: > ${exitFile}; sleep 0.1; echo 3 > ${exitFile}; sleep 30`;
    const logPath = join(dir, 'log.jsonl');
    writeFileSync(logPath, '');
    const child = followWindow(world, program, logPath, new Date().toISOString());
    const exit = await Promise.race([
      child.exited,
      new Promise<undefined>((r) => setTimeout(() => r(undefined), 10_000)),
    ]);
    expect(exit, rig.screens()).toMatchObject({ exitCode: 3, timedOut: false });
  });

  it('writes the exit code beside its file and renames it, so the file never exists empty', () => {
    const { dir } = deadRunWorld();
    const exitFile = join(dir, 'interactive exit');
    const envFile = join(dir, 'env');
    writeFileSync(envFile, '');
    const script = wrapperScript('(exit 5)', envFile, exitFile);
    expect(script).toContain('mv -f');
    expect(spawnSync('sh', ['-c', script]).status).toBe(0);
    expect(readFileSync(exitFile, 'utf8')).toBe('5\n');
    expect(existsSync(`${exitFile}.part`)).toBe(false);
  });

  it('leaves alone the program the user put in the agent’s pane (respawn-pane), and names no signal it did not send', async () => {
    const world = deadRunWorld();
    const { rig, dir } = world;
    const logPath = join(dir, 'log.jsonl');
    writeFileSync(logPath, '');
    const child = followWindow(world, 'sleep 30', logPath, new Date().toISOString());
    // The user's editor in place of the agent: tmux ends the agent (SIGHUP) and starts theirs.
    expect(rig.tmux('respawn-pane', '-k', '-t', `=baton-r1:=${F}`, 'sleep 31').status).toBe(0);
    const exit = await Promise.race([
      child.exited,
      new Promise<undefined>((r) => setTimeout(() => r(undefined), 10_000)),
    ]);
    expect(exit, rig.screens()).toMatchObject({ exitCode: null, signal: null, timedOut: false });
    expect(describeExit(exit ?? { exitCode: 0, signal: null, timedOut: false })).toBe(
      'ended without an exit code (by a signal, or its window was closed)',
    );
    expect(rig.tmux('list-panes', '-a', '-F', '#{window_name} #{pane_current_command}').stdout).toContain(
      `${F} sleep`,
    );
  });
});
