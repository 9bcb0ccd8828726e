import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { BatonEvent } from '../../src/log/events.js';
import { foldEvents } from '../../src/log/fold.js';
import { readLog } from '../../src/log/read.js';
import { groupAlive } from '../../src/process/supervise.js';
import { BATON_BIN, runBaton, runBatonProcess } from '../rig/cli.js';
import { makeRepo } from '../rig/repo.js';
import { askingProject, privateTmux, type TmuxRig, waitFor } from './tmux-rig.js';

const FEATURE = 'feature-001-ask';
const undo: Array<() => void> = [];
afterEach(() => {
  for (const u of undo.splice(0).reverse()) u();
});

/** A script agent that asks a question through `baton hook`, waits on `read`, then writes the answer. */
const ASKING_AGENT = [
  'echo "Overwrite the greeting? (yes/no)"',
  `echo '{"message":"Overwrite the greeting?"}' | node ${BATON_BIN} hook notification --status needs-input`,
  'read answer',
  'mkdir -p src/ask && echo "$answer" > src/ask/answer.txt',
].join('\n');

function setup(rig: TmuxRig, config: Record<string, unknown> = {}) {
  const repo = makeRepo(
    askingProject(FEATURE, ASKING_AGENT, {
      'README.md': '# app\n',
      'baton.config.json': JSON.stringify(config),
    }),
  );
  undo.push(() => repo.cleanup());
  const home = join(repo.root, '..', 'home');
  const env = { BATON_TMUX_SOCKET: rig.socket, HOME: home };
  const logPath = join(repo.root, '.baton', 'log.jsonl');
  const events = () => readLog(logPath).events as BatonEvent[];
  const state = () => foldEvents(events());
  return { repo, env, events, state };
}

describe('baton run --interactive with the command agent, in real tmux', () => {
  it('shows needs-input with the agent message, takes the answer through `baton send`, then checks and completes', async () => {
    const rig = privateTmux();
    undo.push(() => rig.kill());
    const { repo, env, events, state } = setup(rig);
    let live = '';
    let seenLiveAt: number | undefined;
    const run = runBaton(['run', '--interactive'], {
      cwd: repo.root,
      env,
      onStdout: (all) => {
        live = all;
        if (seenLiveAt === undefined && all.includes('hook notification → needs-input'))
          seenLiveAt = Date.now();
      },
    });
    const why = () => `\nlive output:\n${live}\n${rig.screens()}`;
    const asked = await waitFor(() => state().features[FEATURE]?.status === 'needs-input', 40_000);
    expect(asked, `the feature never showed needs-input${why()}`).toBe(true);
    const f = state().features[FEATURE];
    expect(f?.last_event?.detail).toBe('Overwrite the greeting?');
    // The live table hears of it too, within a second of the hook writing it.
    const hookTs = Date.parse(events().find((e) => e.type === 'hook')?.ts ?? '');
    await waitFor(() => seenLiveAt !== undefined, 2000);
    expect(seenLiveAt, `the live output never showed the hook${why()}`).toBeDefined();
    expect((seenLiveAt ?? 0) - hookTs).toBeLessThan(1000);
    // The window runs in the worktree, under Baton's session for this run.
    expect(rig.tmux('list-windows', '-a', '-F', '#{session_name} #{window_name}').stdout).toMatch(
      new RegExp(`^baton-.+ ${FEATURE}$`, 'm'),
    );

    // `baton attach` with no id goes to the first feature that needs input (outside tmux: attach-session).
    const attach = await runBaton(['attach', '--print'], { cwd: repo.root, env: { ...env, TMUX: '' } });
    // The target is the agent's own pane, proven by its environment (not a window name anyone can give).
    expect(attach.stdout).toMatch(new RegExp(`^tmux -L ${rig.socket} attach-session -t %\\d+\\n$`));
    const inside = await runBaton(['attach', FEATURE, '--print'], {
      cwd: repo.root,
      env: { ...env, TMUX: '/tmp/x,1,0' },
    });
    expect(inside.stdout).toMatch(/switch-client -t %\d+\n$/);
    // Without --print, an attach that cannot happen says why in one line and records nothing.
    const noTerminal = runBatonProcess(['attach', FEATURE], { cwd: repo.root, env: { ...env, TMUX: '' } });
    expect(noTerminal.code).toBe(1);
    expect(noTerminal.stderr).toContain(
      'baton: baton attach needs a terminal on its standard input [interactive/no-terminal]',
    );
    expect(noTerminal.stderr).toContain(`attach yourself: tmux -L ${rig.socket} attach-session -t %`);
    const otherServer = await runBaton(['attach', FEATURE], {
      cwd: repo.root,
      env: { ...env, TMUX: '/tmp/x,1,0' },
    });
    expect(otherServer.code).toBe(1);
    expect(otherServer.stderr).toContain('this terminal is inside another tmux server (/tmp/x)');
    expect(events().filter((e) => e.type === 'user.intervention')).toEqual([]);

    const sent = await runBaton(['send', FEATURE, 'yes'], { cwd: repo.root, env });
    expect(sent.stderr).toBe('');
    expect(sent.code).toBe(0);
    const r = await run;
    expect(r.code, `run failed: ${r.stderr}${why()}`).toBe(0);
    const after = state().features[FEATURE];
    expect(after?.status).toBe('complete');
    expect(after?.checks.answered?.outcome).toBe('passed');
    expect(repo.git('show', `baton/${FEATURE}:src/ask/answer.txt`)).toBe('yes');
    const intervention = events().find((e) => e.type === 'user.intervention');
    expect(intervention).toMatchObject({ feature_id: FEATURE, action: 'send', text: 'yes' });
    // The window is gone once the feature is done.
    expect(rig.tmux('list-windows', '-a').stdout).not.toContain(FEATURE);
  }, 90_000);

  it('refuses --interactive without tmux, saying how to install it, and headless runs are unchanged', async () => {
    const rig = privateTmux();
    undo.push(() => rig.kill());
    const { repo, env } = setup(rig);
    const noTmux = join(repo.root, '..', 'bin-without-tmux');
    const r = await runBaton(['run', '--interactive'], { cwd: repo.root, env: { ...env, PATH: noTmux } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('tmux is not installed');
    expect(r.stderr).toContain('apt-get install tmux');
    expect(repo.git('branch', '--list', 'baton/*')).toBe('');
    // Headless, the same agent reads end-of-file, writes an empty answer and its check fails: no tmux involved.
    const headless = await runBaton(['run'], {
      cwd: repo.root,
      env: { ...env, PATH: noTmux.concat(':', process.env.PATH ?? '') },
    });
    expect(headless.stderr).not.toContain('tmux');
    expect(repo.git('show', `baton/${FEATURE}:src/ask/answer.txt`)).toBe('');
  }, 90_000);

  it('rings the bell when asked to, and Ctrl-C on the run ends the window’s process group, keeping the worktree', async () => {
    const rig = privateTmux();
    undo.push(() => rig.kill());
    const { repo, env, state } = setup(rig, { interactive: { bell: true } });
    let interrupt: (() => void) | undefined;
    const run = runBaton(['run', '--interactive'], {
      cwd: repo.root,
      env,
      interrupt: (fire) => {
        interrupt = fire;
      },
    });
    const asked = await waitFor(() => state().features[FEATURE]?.status === 'needs-input', 40_000);
    expect(asked, rig.screens()).toBe(true);
    const pgid = state().features[FEATURE]?.pgid ?? 0;
    expect(groupAlive(pgid)).toBe(true);
    interrupt?.();
    const r = await run;
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('\x07');
    expect(groupAlive(pgid)).toBe(false);
    expect(state().features[FEATURE]?.status).toBe('interrupted');
    expect(rig.tmux('list-windows', '-a').stdout).not.toContain(FEATURE);
    expect(repo.git('branch', '--list', `baton/${FEATURE}`)).toContain(FEATURE);
  }, 90_000);
});
