import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BATON_BIN } from '../rig/cli.js';
import { contractFiles } from '../rig/contracts.js';

/** A private tmux server for one test: its socket name, a way to look at a window, and its end. */
export interface TmuxRig {
  socket: string;
  /** The visible text of every window of the server, for failure messages. */
  screens(): string;
  tmux(...args: string[]): { status: number | null; stdout: string };
  kill(): void;
}

/** A tmux server on a socket of its own (`tmux -L`), so tests never touch the user's sessions. */
export function privateTmux(): TmuxRig {
  const socket = `baton-test-${process.pid}-${randomBytes(3).toString('hex')}`;
  const tmux = (...args: string[]) => {
    const r = spawnSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
    return { status: r.status, stdout: r.stdout ?? '' };
  };
  return {
    socket,
    tmux,
    screens() {
      const panes = tmux('list-panes', '-a', '-F', '#{pane_id} #{session_name}:#{window_name}').stdout.trim();
      if (panes === '') return '(no tmux windows open)';
      return panes
        .split('\n')
        .map((line) => {
          const [pane = '', name = ''] = line.split(' ');
          return `--- tmux window ${name} ---\n${tmux('capture-pane', '-p', '-t', pane).stdout}`;
        })
        .join('\n');
    },
    kill() {
      tmux('kill-server');
      // tmux leaves the socket file behind; it is ours alone.
      const dir = join(process.env.TMUX_TMPDIR ?? '/tmp', `tmux-${process.getuid?.() ?? 0}`);
      rmSync(join(dir, socket), { force: true });
    },
  };
}

/**
 * Attaches a client to `session` of the rig's server, as a conductor's terminal would (`tmux attach`
 * in a pseudo-terminal made by `script`), and returns once tmux lists it; `detach` ends it.
 */
export function attachClient(rig: TmuxRig, session: string): { detach(): void } {
  const child = spawn('script', ['-qfec', `tmux -L ${rig.socket} attach -t =${session}`, '/dev/null'], {
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  const deadline = Date.now() + 10_000;
  while (rig.tmux('list-clients', '-t', `=${session}`).stdout.trim() === '' && Date.now() < deadline)
    spawnSync('sleep', ['0.05']);
  return {
    detach() {
      rig.tmux('detach-client', '-s', `=${session}`);
      child.kill();
    },
  };
}

/**
 * `baton run` in a process of its own (the run lock, which says the run is live, names its pid), with
 * `env` added; `kill` (SIGKILL) is for the test's cleanup, `ended` resolves with its exit code.
 */
export function spawnRun(
  cwd: string,
  env: NodeJS.ProcessEnv,
): { child: ChildProcess; ended: Promise<number | null>; kill: () => void } {
  const child = spawn(process.execPath, [BATON_BIN, 'run'], {
    cwd,
    env: { ...process.env, ...env },
    stdio: 'ignore',
  });
  const ended = new Promise<number | null>((resolve) => child.on('close', resolve));
  return { child, ended, kill: () => child.kill('SIGKILL') };
}

/** Polls `check` every 50 ms until it is true or `ms` have passed; returns the last result. */
export async function waitFor(check: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}

/** A folder (to remove when done) with a fake `notify-send` that writes its arguments, one a line. */
export function fakeNotifySend(): { bin: string; recorded: () => string[] | undefined } {
  const bin = mkdtempSync(join(tmpdir(), 'baton-notify-'));
  const out = join(bin, 'args.txt');
  writeFileSync(
    join(bin, 'notify-send'),
    `#!/bin/sh\nprintf '%s\\n' "$@" > "${out}.tmp" && mv "${out}.tmp" "${out}"\n`,
  );
  chmodSync(join(bin, 'notify-send'), 0o755);
  return {
    bin,
    recorded: () => (existsSync(out) ? readFileSync(out, 'utf8').split('\n').slice(0, -1) : undefined),
  };
}

/**
 * The files of the interactive end-to-end tests' project (with `extra`): one feature whose command agent
 * runs `agentScript` (it asks through `baton hook`, waits on `read`, then writes the answer), owning
 * `src/ask/**`, whose check wants the answer to be yes.
 */
export function askingProject(
  featureId: string,
  agentScript: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    ...extra,
    'agent.sh': `${agentScript}\n`,
    ...contractFiles([
      {
        id: featureId,
        owns: ['src/ask/**'],
        agent: { command: 'sh "$BATON_WORKTREE/agent.sh"' },
        criteria: [{ id: 'answered', text: 'the answer is yes', run: 'grep -qx yes src/ask/answer.txt' }],
      },
    ]),
  };
}
