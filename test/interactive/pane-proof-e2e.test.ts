import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runBaton } from '../rig/cli.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';
import { privateTmux, type TmuxRig, waitFor } from './tmux-rig.js';

const RUN = '20260101T000000Z-5e5e5e';
const SESSION = `baton-${RUN}`;
const undo: Array<() => void> = [];
afterEach(() => {
  for (const u of undo.splice(0).reverse()) u();
});

function repo(): TempRepo {
  const r = makeRepo();
  undo.push(() => r.cleanup());
  return r;
}
const logOf = (r: TempRepo) => join(r.root, '.baton', 'log.jsonl');

/** A log whose last run is `RUN`, interactive, having started `ids` (a `run.started` anyone could append). */
function writeLog(
  r: TempRepo,
  ids: string[],
  { interactive = true, after = [] as object[], started = ids } = {},
): void {
  const ts = new Date().toISOString();
  const lines = [
    {
      v: 1,
      ts,
      type: 'run.started',
      run_id: RUN,
      feature_ids: ids,
      concurrency: 1,
      base: 'main',
      base_commit: r.git('rev-parse', 'HEAD'),
      mode: 'contract-first',
      pid: 1,
      ...(interactive ? { interactive: true } : {}),
    },
    ...started.map((id) => ({
      v: 1,
      ts,
      run_id: RUN,
      type: 'feature.started',
      feature_id: id,
      status: 'running',
      agent: 'command',
      branch: `baton/${id}`,
      worktree: r.root,
      log_file: '/dev/null',
      port: 1,
      pid: 1,
      pgid: 1,
    })),
    ...after,
  ];
  mkdirSync(join(r.root, '.baton'), { recursive: true });
  writeFileSync(logOf(r), lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
}

/** A window in the run's session running `program`, with an agent's environment when `agentOf` is given. */
function window(
  rig: TmuxRig,
  name: string,
  program: string,
  agentOf?: { log: string; unit: string },
): number {
  const env = agentOf
    ? `env BATON_RUN_ID=${RUN} BATON_FEATURE_ID=${agentOf.unit} BATON_LOG=${agentOf.log} `
    : '';
  const has = rig.tmux('has-session', '-t', `=${SESSION}`).status === 0;
  const args = has ? ['new-window', '-d', '-t', `=${SESSION}:`] : ['new-session', '-d', '-s', SESSION];
  const out = rig.tmux(...args, '-P', '-F', '#{pane_pid}', '-n', name, `exec ${env}${program}`).stdout;
  const pid = Number(out.trim());
  // The pane's shell execs `env`, which execs the program: until then its environment lacks the
  // agent's variables (and a loaded machine can take a while to get there).
  waitForExec(pid, program.split(' ')[0] as string);
  return pid;
}

/** Blocks until `pid` runs `program` (its cmdline's first word), for at most 5 s. */
function waitForExec(pid: number, program: string): void {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let i = 0; i < 500; i++) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] === program) return;
    } catch {
      return;
    }
    Atomics.wait(pause, 0, 0, 10);
  }
}

/** Whether `pid` still runs: a zombie (ended, its parent not yet told) has stopped, whatever kill(0) says. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

function setup() {
  const rig = privateTmux();
  undo.push(() => rig.kill());
  return { rig, env: { BATON_TMUX_SOCKET: rig.socket } };
}

describe('interactive commands act only on panes proven to be this run’s agents', () => {
  it('baton stop after a forged run.started leaves another repository’s agents alone and names them', async () => {
    const { rig, env } = setup();
    const a = repo();
    const b = repo();
    writeLog(a, ['ib']);
    const theirs = window(rig, 'ib', 'sleep 600', { log: logOf(b), unit: 'ib' });
    await waitFor(() => alive(theirs), 2000);
    const r = await runBaton(['stop'], { cwd: a.root, env });
    expect(r.stdout).toContain(`no agent windows open in ${SESSION}`);
    expect(r.stdout).toContain(
      `left alone (their programs are not proven agents of this run of this repository): ib (window @`,
    );
    expect(r.stdout).toContain(`pid ${theirs})`);
    await new Promise((res) => setTimeout(res, 200));
    expect(alive(theirs)).toBe(true);
  });

  it('baton stop <id> finds the agent whose window was renamed, and spares a user window of the same name', async () => {
    const { rig, env } = setup();
    const a = repo();
    writeLog(a, ['ib']);
    const agent = window(rig, 'renamed-by-user', 'sleep 600', { log: logOf(a), unit: 'ib' });
    const user = window(rig, 'ib', 'sleep 600');
    await waitFor(() => alive(agent) && alive(user), 2000);
    const r = await runBaton(['stop', 'ib'], { cwd: a.root, env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /^stopped ib\nleft alone \(their programs are not proven agents of this run of this repository\): ib \(window @\d+, pid \d+\)\n$/,
    );
    expect(await waitFor(() => !alive(agent), 4000)).toBe(true);
    expect(alive(user)).toBe(true);
  });

  it('a feature id reaches its best-of-N attempts: send to the one open, refused naming two, stop ends them all', async () => {
    const { rig, env } = setup();
    const a = repo();
    writeLog(a, ['ib'], { started: ['ib.a1', 'ib.a2'] });
    const first = window(rig, 'ib.a1', 'cat', { log: logOf(a), unit: 'ib.a1' });
    const sent = await runBaton(['send', 'ib', 'hello'], { cwd: a.root, env });
    expect(sent.stderr).toBe('');
    expect(sent.stdout).toBe('sent to ib.a1\n');
    expect(readFileSync(logOf(a), 'utf8')).toContain('"feature_id":"ib.a1","action":"send","text":"hello"');
    const second = window(rig, 'ib.a2', 'cat', { log: logOf(a), unit: 'ib.a2' });
    for (const args of [
      ['send', 'ib', 'again'],
      ['attach', 'ib', '--print'],
    ]) {
      const r = await runBaton(args, { cwd: a.root, env });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(
        'feature ib has 2 attempts with an agent window open: ib.a1, ib.a2; Baton does not guess which [interactive/which-attempt]',
      );
    }
    expect(rig.screens()).not.toContain('again');
    const unknown = await runBaton(['stop', 'ib.a3'], { cwd: a.root, env });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain(
      'no attempt 3 of feature ib: its attempts are ib.a1, ib.a2 [interactive/unknown-attempt]',
    );
    for (const args of [
      ['send', 'ib.a3', 'hello'],
      ['attach', 'ib.a3', '--print'],
    ]) {
      const r = await runBaton(args, { cwd: a.root, env });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toContain('no attempt 3 of feature ib: its attempts are ib.a1, ib.a2');
    }
    const stopped = await runBaton(['stop', 'ib'], { cwd: a.root, env });
    expect(stopped.code, stopped.stderr).toBe(0);
    expect(stopped.stdout).toBe('stopped ib.a1, ib.a2\n');
    expect(await waitFor(() => !alive(first) && !alive(second), 4000)).toBe(true);
  });

  it('baton send and attach target the proven agent’s pane, not a user window of the same name', async () => {
    const { rig, env } = setup();
    const a = repo();
    writeLog(a, ['ib']);
    window(rig, 'ib', 'sleep 600');
    window(rig, 'ib', 'cat', { log: logOf(a), unit: 'ib' });
    const panes = rig.tmux('list-panes', '-s', '-t', `=${SESSION}`, '-F', '#{pane_id} #{pane_pid}').stdout;
    const agentPane = panes.trim().split('\n')[1]?.split(' ')[0] as string;
    const sent = await runBaton(['send', 'ib', 'hello'], { cwd: a.root, env });
    expect(sent.stderr).toBe('');
    expect(sent.stdout).toBe('sent to ib\n');
    expect(
      await waitFor(() => rig.tmux('capture-pane', '-p', '-t', agentPane).stdout.includes('hello'), 2000),
    ).toBe(true);
    const attach = await runBaton(['attach', 'ib', '--print'], { cwd: a.root, env: { ...env, TMUX: '' } });
    expect(attach.stdout).toBe(`tmux -L ${rig.socket} attach-session -t ${agentPane}\n`);
    // A control character would reach the agent as a key (Ctrl-C ends it, a newline submits half):
    // refused before anything is typed or recorded.
    for (const [text, shown] of [
      ['stop\u0003', '\\x03'],
      ['line one\nrm -f important', '\\n'],
    ]) {
      const refused = await runBaton(['send', 'ib', text as string], { cwd: a.root, env });
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain(`nothing was sent: it holds a control character (${shown})`);
      expect(refused.stderr).toContain('[interactive/control-character]');
    }
    await new Promise((r) => setTimeout(r, 300));
    expect(rig.tmux('capture-pane', '-p', '-t', agentPane).stdout).not.toContain('stop');
    expect(readFileSync(logOf(a), 'utf8')).not.toContain('"action":"send","text":"stop');
  });

  it('baton send to a feature with two proven agent panes reports them as ambiguous and types into neither', async () => {
    const { rig, env } = setup();
    const a = repo();
    writeLog(a, ['ib']);
    window(rig, 'ib', 'cat', { log: logOf(a), unit: 'ib' });
    window(rig, 'other', 'cat', { log: logOf(a), unit: 'ib' });
    const sent = await runBaton(['send', 'ib', 'hello'], { cwd: a.root, env });
    expect(sent.code).toBe(1);
    expect(sent.stderr).toContain('[interactive/ambiguous-window]');
    expect(sent.stderr).toMatch(
      /feature ib has 2 agent windows open in baton-\S+: ib \(window @\d+, pid \d+\), other \(window/,
    );
    expect(rig.screens()).not.toContain('hello');
  });

  it('baton send to a feature whose only window is not proven its agent says so, naming the window', async () => {
    const { rig, env } = setup();
    const a = repo();
    writeLog(a, ['ib']);
    window(rig, 'ib', 'sleep 600');
    const sent = await runBaton(['send', 'ib', 'hello'], { cwd: a.root, env });
    expect(sent.code).toBe(1);
    expect(sent.stderr).toContain('feature ib has no tmux window open');
    expect(sent.stderr).toContain('left alone, not proven to be its agent: ib (window @');
  });

  it('baton send and attach to a headless run say it is headless, not that a window is missing', async () => {
    const { env } = setup();
    const a = repo();
    writeLog(a, ['ib'], { interactive: false });
    for (const args of [
      ['send', 'ib', 'hello'],
      ['attach', 'ib', '--print'],
    ]) {
      const r = await runBaton(args, { cwd: a.root, env });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(
        `run ${RUN} is headless (started without --interactive): its agents have no tmux window`,
      );
    }
  });

  it('baton send to a feature whose agent has ended says how it ended', async () => {
    const { env } = setup();
    const a = repo();
    const ended = {
      v: 1,
      ts: new Date().toISOString(),
      run_id: RUN,
      type: 'feature.ended',
      feature_id: 'ib',
      status: 'complete',
    };
    writeLog(a, ['ib'], { after: [ended] });
    const sent = await runBaton(['send', 'ib', 'hello'], { cwd: a.root, env });
    expect(sent.code).toBe(1);
    expect(sent.stderr).toContain('[interactive/agent-ended]');
    expect(sent.stderr).toContain('feature ib is complete: its agent has ended, so it has no window to open');
  });

  it('baton send and attach to a feature waiting for its turn say it has not started yet', async () => {
    const { env } = setup();
    const a = repo();
    writeLog(a, ['ia', 'ib'], { started: ['ia'] });
    for (const args of [
      ['send', 'ib', 'hello'],
      ['attach', 'ib', '--print'],
    ]) {
      const r = await runBaton(args, { cwd: a.root, env });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('[interactive/not-started]');
      expect(r.stderr).toContain('feature ib has not started yet');
      expect(r.stderr).not.toContain('ended');
    }
  });
});
