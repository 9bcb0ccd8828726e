import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { BatonEvent } from '../../src/log/events.js';
import { foldEvents, unitAt } from '../../src/log/fold.js';
import { readLog } from '../../src/log/read.js';
import { BATON_BIN, runBaton } from '../rig/cli.js';
import { makeRepo } from '../rig/repo.js';
import { askingProject, privateTmux, waitFor } from './tmux-rig.js';

const FEATURE = 'feature-001-ask';
const A1 = `${FEATURE}.a1`;
const A2 = `${FEATURE}.a2`;
const undo: Array<() => void> = [];
afterEach(() => {
  for (const u of undo.splice(0).reverse()) u();
});

/** A script agent that asks through `baton hook`, waits on `read`, then writes and commits the answer. */
const ASKING_AGENT = [
  `echo '{"message":"Overwrite the greeting?"}' | node ${BATON_BIN} hook notification --status needs-input`,
  'read answer',
  'mkdir -p src/ask && echo "$answer" > src/ask/answer.txt',
].join('\n');

describe('baton run --interactive --attempts 2: the conductor reaches each attempt', () => {
  it('shows each waiting attempt in status, attaches to it, refuses a feature id naming two, sends and stops by attempt id', async () => {
    const rig = privateTmux();
    undo.push(() => rig.kill());
    const repo = makeRepo(askingProject(FEATURE, ASKING_AGENT));
    undo.push(() => repo.cleanup());
    const env = { BATON_TMUX_SOCKET: rig.socket, HOME: join(repo.root, '..', 'home'), NO_COLOR: '1' };
    const events = () => readLog(join(repo.root, '.baton', 'log.jsonl')).events as BatonEvent[];
    const state = () => foldEvents(events());
    let live = '';
    const run = runBaton(['run', '--interactive', '--attempts', '2'], {
      cwd: repo.root,
      env,
      onStdout: (all) => {
        live = all;
      },
    });
    const why = () => `\nlive output:\n${live}\n${rig.screens()}`;
    const asked = await waitFor(
      () => [A1, A2].every((u) => unitAt(state(), u)?.status === 'needs-input'),
      40_000,
    );
    expect(asked, `the attempts never asked for input${why()}`).toBe(true);

    // Each attempt's own needs-input shows on its row, with what it asked.
    const status = await runBaton(['status'], { cwd: repo.root, env });
    for (const u of [A1, A2]) {
      expect(status.stdout).toMatch(
        new RegExp(`└ ${u.replace('.', '\\.')} +needs-input .*Overwrite the greeting\\?`),
      );
    }
    // `attach` with no id finds the first attempt waiting: its agent's own pane.
    const attach = await runBaton(['attach', '--print'], { cwd: repo.root, env: { ...env, TMUX: '' } });
    expect(attach.stderr).toBe('');
    expect(attach.stdout).toMatch(new RegExp(`^tmux -L ${rig.socket} attach-session -t %\\d+\\n$`));
    // The feature's id names two attempts' windows: refused, naming them, nothing typed.
    const both = await runBaton(['send', FEATURE, 'yes'], { cwd: repo.root, env });
    expect(both.code).toBe(2);
    expect(both.stderr).toContain(
      `feature ${FEATURE} has 2 attempts with an agent window open: ${A1}, ${A2}; Baton does not guess which [interactive/which-attempt]`,
    );
    expect(events().filter((e) => e.type === 'user.intervention')).toEqual([]);

    // An attempt's id reaches that attempt alone, and the intervention is counted for it.
    const sent = await runBaton(['send', A1, 'yes'], { cwd: repo.root, env });
    expect(sent.stderr).toBe('');
    expect(sent.stdout).toBe(`sent to ${A1}\n`);
    const stopped = await runBaton(['stop', A2], { cwd: repo.root, env });
    expect(stopped.stderr).toBe('');
    expect(stopped.stdout).toBe(`stopped ${A2}\n`);

    const r = await run;
    // The answered attempt completes; the stopped one is the user's (a feature with an attempt stopped
    // before it finished ends interrupted, for `run --resume` to run the rest).
    const f = state().features[FEATURE];
    expect(f?.attempts?.['1']?.status, `run: ${r.stderr}${why()}`).toBe('complete');
    expect(f?.attempts?.['2']?.reason).toContain('stopped by the user (baton stop)');
    expect(repo.git('show', `baton/${A1}:src/ask/answer.txt`)).toBe('yes');
    // Stopping an attempt is a user stop of its feature: the run is interrupted, not failed, and resumes.
    expect(f?.status).toBe('interrupted');
    expect(f?.reason).toContain(
      'attempt 2 stopped by the user (baton stop); `baton run --resume` runs the rest',
    );
    expect(events().find((e) => e.type === 'run.ended')).toMatchObject({ outcome: 'interrupted' });
    expect(r.stdout).toContain(
      `You stopped ${FEATURE} (baton stop); to go on where it stopped: \`baton run --resume\`.`,
    );
    expect(r.stdout).not.toContain('Fix what');
    expect(events().filter((e) => e.type === 'user.intervention')).toMatchObject([
      { feature_id: A1, action: 'send', text: 'yes' },
      { feature_id: A2, action: 'stop' },
    ]);
  }, 120_000);
});
