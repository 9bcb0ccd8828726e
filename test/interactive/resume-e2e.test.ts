// @module-tag slow
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sessionName } from '../../src/interactive/tmux.js';
import type { BatonEvent, RunStarted } from '../../src/log/events.js';
import { foldEvents } from '../../src/log/fold.js';
import { readLog } from '../../src/log/read.js';
import type { Report } from '../../src/metrics/types.js';
import { groupAlive } from '../../src/process/supervise.js';
import { BATON_BIN, runBaton } from '../rig/cli.js';
import { makeRepo } from '../rig/repo.js';
import { askingProject, fakeNotifySend, privateTmux, type TmuxRig, waitFor } from './tmux-rig.js';

const FEATURE = 'feature-001-ask';
const undo: Array<() => void> = [];
afterEach(() => {
  for (const u of undo.splice(0).reverse()) u();
});

/** A script agent that notes its pid, asks through `baton hook`, waits on `read`, then writes the answer. */
const ASKING_AGENT = [
  'mkdir -p src/ask && echo $$ > src/ask/pid.txt',
  `echo '{"message":"Overwrite the greeting?"}' | node ${BATON_BIN} hook notification --status needs-input`,
  'read answer',
  'echo "$answer" > src/ask/answer.txt',
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
  /** The pids of the programs in the windows named after the feature, across every session. */
  const panes = () =>
    rig
      .tmux('list-panes', '-a', '-F', '#{session_name} #{window_name} #{pane_pid}')
      .stdout.split('\n')
      .filter((l) => l.split(' ')[1] === FEATURE);
  return { repo, env, logPath, events, state, panes };
}

describe('baton run --resume re-attaches to a tmux session that outlived its interactive orchestrator', () => {
  it('follows the surviving window (same pid, no second window), then `baton send` completes it and its checks run', async () => {
    const rig = privateTmux();
    undo.push(() => rig.kill());
    const { repo, env, events, state, panes } = setup(rig);
    const first = spawn(process.execPath, [BATON_BIN, 'run', '--interactive'], {
      cwd: repo.root,
      env: { ...process.env, NO_COLOR: '1', ...env },
      stdio: 'ignore',
    });
    const firstExited = new Promise<void>((resolve) => first.on('exit', () => resolve()));
    undo.push(() => first.kill('SIGKILL'));
    let live = '';
    const why = () => `\nlive output:\n${live}\n${rig.screens()}`;
    const asked = await waitFor(() => state().features[FEATURE]?.status === 'needs-input', 40_000);
    expect(asked, `the feature never showed needs-input${why()}`).toBe(true);
    const pgid = state().features[FEATURE]?.pgid ?? 0;
    const agentPid = readFileSync(join(state().features[FEATURE]?.worktree ?? '', 'src/ask/pid.txt'), 'utf8');
    first.kill('SIGKILL');
    await firstExited;
    // The window, and the agent in it, outlive the orchestrator.
    expect(panes(), why()).toHaveLength(1);
    expect(groupAlive(pgid)).toBe(true);

    // The plain resume `status` and `doctor` advise: it keeps the dead run's interactive mode.
    const resumed = runBaton(['run', '--resume'], {
      cwd: repo.root,
      env,
      onStdout: (all) => {
        live = all;
      },
    });
    const reattached = await waitFor(() => live.includes('re-attached to baton-'), 40_000);
    expect(reattached, `the resumed run never re-attached${why()}`).toBe(true);
    const runs = events().filter((e): e is RunStarted => e.type === 'run.started');
    expect(runs).toHaveLength(2);
    // The resumed run continues the dead one: same run id, so the window's hooks, session and folder match.
    expect(runs[1]?.run_id).toBe(runs[0]?.run_id);
    expect(live).toContain(`re-attached to ${sessionName(runs[0]?.run_id ?? '')}: ${FEATURE}`);
    expect(runs[1]?.adopted_windows).toEqual([{ feature_id: FEATURE, pgid }]);
    // Still waiting for the conductor, in the one window it had: nothing was stopped or started again.
    expect(state().features[FEATURE]?.status).toBe('needs-input');
    // Its question still shows (`status`, the dashboard), not the re-adoption of its worktree.
    expect(state().features[FEATURE]?.last_event?.detail).toBe('Overwrite the greeting?');
    expect(panes(), why()).toEqual([`${sessionName(runs[0]?.run_id ?? '')} ${FEATURE} ${pgid}`]);

    const sent = await runBaton(['send', FEATURE, 'yes'], { cwd: repo.root, env });
    expect(sent.stderr).toBe('');
    expect(sent.code).toBe(0);
    const r = await resumed;
    expect(r.code, `resumed run failed: ${r.stderr}${why()}`).toBe(0);
    const after = state().features[FEATURE];
    expect(after?.status).toBe('complete');
    expect(after?.checks.answered?.outcome).toBe('passed');
    expect(repo.git('show', `baton/${FEATURE}:src/ask/answer.txt`)).toBe('yes');
    // The same agent process answered: the pid it noted before the crash is the one committed.
    expect(repo.git('show', `baton/${FEATURE}:src/ask/pid.txt`)).toBe(agentPid.trim());
    expect(events().filter((e) => e.type === 'feature.started')).toHaveLength(1);
    expect(events().filter((e) => e.type === 'feature.ended')).toHaveLength(1);
    expect(groupAlive(pgid)).toBe(false);
    expect(panes()).toEqual([]);
    // status and report see one run in which the feature started once, was helped once, and completed.
    const status = JSON.parse((await runBaton(['status', '--json'], { cwd: repo.root, env })).stdout) as {
      run_id?: string;
      features: Array<{ feature_id: string; status: string }>;
    };
    expect(status.features).toMatchObject([{ feature_id: FEATURE, status: 'complete' }]);
    const report = await runBaton(['report', '--json'], { cwd: repo.root, env });
    expect(report.code, report.stderr).toBe(0);
    const rep = JSON.parse(report.stdout) as Report;
    // One run, timed from its first start (the agent worked on while no orchestrator watched), with
    // the wait that began before the crash and the answer given after it.
    expect(rep.run.run_id).toBe(runs[0]?.run_id);
    expect(rep.run.unfinished).toBe(false);
    expect(rep.worksheet.total.parallel_actual_min).not.toBeNull();
    expect(rep.features).toMatchObject([{ feature_id: FEATURE, status: 'complete' }]);
    expect(rep.interventions).toMatchObject([{ feature_id: FEATURE, interventions: 1, waits: 1 }]);
  }, 90_000);

  it('leaves a forged window alone (named, its process untouched), starts the feature in a fresh window, and notifies on its needs-input', async () => {
    const rig = privateTmux();
    undo.push(() => rig.kill());
    // With a desktop notification on needs-input, through a fake notify-send first on PATH.
    const notifier = fakeNotifySend();
    undo.push(() => rmSync(notifier.bin, { recursive: true, force: true }));
    const setupEnv = setup(rig, { interactive: { notify: true } });
    const { repo, logPath, events, state, panes } = setupEnv;
    const env = { ...setupEnv.env, PATH: `${notifier.bin}:${process.env.PATH ?? ''}` };
    // A dead orchestrator's log, naming as the feature's agent a window that is not Baton's.
    const deadRun = '20261201T000000Z-f0f0f0';
    const deadPid = spawnSync('true').pid ?? 999_999;
    rig.tmux('new-session', '-d', '-s', sessionName(deadRun), '-n', FEATURE, 'sleep 300');
    const forgedPid = Number(rig.tmux('list-panes', '-a', '-F', '#{pane_pid}').stdout.trim());
    // tmux names the pane's pid as soon as it forks; the child makes its own group (setsid) a moment later.
    await expect.poll(() => groupAlive(forgedPid)).toBe(true);
    const ts = new Date().toISOString();
    mkdirSync(join(repo.root, '.baton'), { recursive: true });
    const lines = [
      {
        v: 1,
        ts,
        type: 'run.started',
        run_id: deadRun,
        feature_ids: [FEATURE],
        concurrency: 1,
        base: 'HEAD',
        base_commit: repo.git('rev-parse', 'HEAD'),
        mode: 'contract-first',
        pid: deadPid,
      },
      {
        v: 1,
        ts,
        run_id: deadRun,
        type: 'feature.started',
        feature_id: FEATURE,
        status: 'running',
        agent: 'command',
        branch: `baton/${FEATURE}`,
        worktree: join(repo.root, '..', 'worktrees', FEATURE),
        log_file: join(repo.root, '.baton', 'agent.log'),
        port: 3100,
        pid: forgedPid,
        pgid: forgedPid,
      },
    ];
    writeFileSync(logPath, lines.map((l) => `${JSON.stringify(l)}\n`).join(''));

    let live = '';
    const why = () => `\nlive output:\n${live}\n${rig.screens()}`;
    const resumed = runBaton(['run', '--resume', '--interactive'], {
      cwd: repo.root,
      env,
      onStdout: (all) => {
        live = all;
      },
    });
    const asked = await waitFor(
      () =>
        state().features[FEATURE]?.status === 'needs-input' && state().features[FEATURE]?.run_id !== deadRun,
      15_000,
    );
    expect(asked, `the fresh agent never asked${why()}`).toBe(true);
    expect(live).not.toContain('re-attached');
    expect(live).toContain(`left group ${forgedPid} of ${FEATURE} alone`);
    const runs = events().filter((e): e is RunStarted => e.type === 'run.started');
    expect(runs[1]?.run_id).not.toBe(deadRun);
    expect(runs[1]?.adopted_windows).toBeUndefined();
    // The forged window is untouched, and the fresh agent has a window of its own in the new run's session.
    expect(groupAlive(forgedPid)).toBe(true);
    expect(panes().sort(), why()).toHaveLength(2);
    expect(panes()).toContain(`${sessionName(deadRun)} ${FEATURE} ${forgedPid}`);
    await waitFor(() => notifier.recorded() !== undefined, 5000);
    expect(notifier.recorded()).toEqual([
      '--app-name=Baton',
      '--',
      `Baton: ${FEATURE} needs input`,
      'Overwrite the greeting?',
    ]);
    await runBaton(['send', FEATURE, 'yes'], { cwd: repo.root, env });
    const r = await resumed;
    expect(r.code, `resumed run failed: ${r.stderr}${why()}`).toBe(0);
    expect(state().features[FEATURE]?.status).toBe('complete');
    expect(groupAlive(forgedPid)).toBe(true);
  }, 90_000);
});

describe('baton run --resume and the windows the user changed in the dead run’s session', () => {
  /** Starts a run, waits for the agent's question, lets `change` touch the session, then kills the orchestrator. */
  async function crashWhileAsking(rig: TmuxRig, change: (session: string) => void) {
    const s = setup(rig);
    const first = spawn(process.execPath, [BATON_BIN, 'run', '--interactive'], {
      cwd: s.repo.root,
      env: { ...process.env, NO_COLOR: '1', ...s.env },
      stdio: 'ignore',
    });
    const firstExited = new Promise<void>((resolve) => first.on('exit', () => resolve()));
    undo.push(() => first.kill('SIGKILL'));
    const asked = await waitFor(() => s.state().features[FEATURE]?.status === 'needs-input', 40_000);
    expect(asked, `the feature never showed needs-input\n${rig.screens()}`).toBe(true);
    const session = sessionName(s.state().run_id ?? '');
    change(session);
    first.kill('SIGKILL');
    await firstExited;
    const pgid = s.state().features[FEATURE]?.pgid ?? 0;
    // The programs of the panes the user opened: every pane of the session but the agent's.
    const userPids = rig
      .tmux('list-panes', '-s', '-t', `=${session}`, '-F', '#{pane_pid}')
      .stdout.split('\n')
      .map(Number)
      .filter((pid) => pid > 0 && pid !== pgid);
    return { ...s, pgid, session, userPids };
  }

  it('re-attaches to an agent whose window the user split, and leaves the split pane alone', async () => {
    const rig = privateTmux();
    undo.push(() => rig.kill());
    const { repo, env, events, state, pgid, session, userPids } = await crashWhileAsking(rig, (session) =>
      rig.tmux('split-window', '-d', '-t', `=${session}:=${FEATURE}`, 'sleep 300'),
    );
    const [split] = userPids;
    expect(split, rig.screens()).toBeGreaterThan(0);
    let live = '';
    const resumed = runBaton(['run', '--resume'], { cwd: repo.root, env, onStdout: (all) => (live = all) });
    const reattached = await waitFor(() => live.includes(`re-attached to ${session}: ${FEATURE}`), 40_000);
    expect(reattached, `never re-attached:\n${live}\n${rig.screens()}`).toBe(true);
    const runs = events().filter((e): e is RunStarted => e.type === 'run.started');
    expect(runs[1]?.adopted_windows).toEqual([{ feature_id: FEATURE, pgid }]);
    expect(runs[1]?.stopped_orphans).toBeUndefined();
    expect(runs[1]?.refused_orphans).toBeUndefined();
    expect(groupAlive(pgid)).toBe(true);
    await runBaton(['send', FEATURE, 'yes'], { cwd: repo.root, env });
    const r = await resumed;
    expect(r.code, `resumed run failed: ${r.stderr}\n${live}`).toBe(0);
    expect(state().features[FEATURE]?.status).toBe('complete');
    expect(events().filter((e) => e.type === 'feature.started')).toHaveLength(1);
    expect(groupAlive(split ?? 0)).toBe(true);
  }, 90_000);

  it('stops the agent of a window it cannot adopt (a second of its name) without also saying it left it alone', async () => {
    const rig = privateTmux();
    undo.push(() => rig.kill());
    const { repo, env, events, state, pgid, userPids } = await crashWhileAsking(rig, (session) =>
      rig.tmux('new-window', '-d', '-t', `=${session}:`, '-n', FEATURE, 'sleep 300'),
    );
    const [other] = userPids;
    let live = '';
    const resumed = runBaton(['run', '--resume'], { cwd: repo.root, env, onStdout: (all) => (live = all) });
    const started = await waitFor(
      () => events().filter((e) => e.type === 'feature.started').length === 2 && !groupAlive(pgid),
      40_000,
    );
    expect(started, `the feature never started over:\n${live}\n${rig.screens()}`).toBe(true);
    const runs = events().filter((e): e is RunStarted => e.type === 'run.started');
    expect(runs[1]?.stopped_orphans).toEqual([{ feature_id: FEATURE, pgid }]);
    expect(runs[1]?.refused_orphans?.map((g) => g.pgid)).toEqual([other]);
    expect(live).toContain(`(group ${pgid}`);
    expect(live).not.toContain(`left group ${pgid} `);
    expect(live).toContain(`left group ${other} of ${FEATURE} alone`);
    await waitFor(() => state().features[FEATURE]?.status === 'needs-input', 40_000);
    await runBaton(['send', FEATURE, 'yes'], { cwd: repo.root, env });
    const r = await resumed;
    expect(r.code, `resumed run failed: ${r.stderr}\n${live}`).toBe(0);
    expect(groupAlive(other ?? 0)).toBe(true);
  }, 90_000);
});
