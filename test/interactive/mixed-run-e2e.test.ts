import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { BatonEvent } from '../../src/log/events.js';
import { foldEvents } from '../../src/log/fold.js';
import { readLog } from '../../src/log/read.js';
import { runBaton } from '../rig/cli.js';
import { contractText } from '../rig/contracts.js';
import { makeRepo } from '../rig/repo.js';
import { privateTmux, spawnRun, waitFor } from './tmux-rig.js';

const WINDOWED = 'feature-001-windowed';
const HEADLESS = 'feature-002-headless';
const undo: Array<() => void> = [];
afterEach(() => {
  for (const u of undo.splice(0).reverse()) u();
});

/** A run of one windowed and one headless feature (its agent waits for `go`, a bounded time), started in a process of its own. */
function mixedRun() {
  const rig = privateTmux();
  undo.push(() => rig.kill());
  const go = join(mkdtempSync(join(tmpdir(), 'baton-mixed-')), 'go');
  undo.push(() => rmSync(dirname(go), { recursive: true, force: true }));
  const windowed = contractText({
    id: WINDOWED,
    owns: ['src/w/**'],
    agent: { command: 'read a; mkdir -p src/w && echo "$a" > src/w/x.txt' },
  }).replace('---\n', '---\ninteractive: true\n');
  const repo = makeRepo({
    [`specs/${WINDOWED}/contract.md`]: windowed,
    [`specs/${HEADLESS}/contract.md`]: contractText({
      id: HEADLESS,
      owns: ['src/h/**'],
      // Bounded: a failed test's agent, whose `go` is never written, must not wait for ever.
      agent: {
        command: `i=0; while [ ! -e '${go}' ] && [ $i -lt 900 ]; do sleep 0.1; i=$((i+1)); done; mkdir -p src/h && echo x > src/h/x.txt`,
      },
    }),
  });
  undo.push(() => repo.cleanup());
  const env = { BATON_TMUX_SOCKET: rig.socket };
  const events = () => readLog(join(repo.root, '.baton', 'log.jsonl')).events as BatonEvent[];
  const state = () => foldEvents(events());
  const { child, ended: run, kill } = spawnRun(repo.root, env);
  undo.push(kill);
  const running = (id: string) => state().features[id]?.status === 'running';
  return { rig, go, repo, env, events, state, child, run, running };
}

describe('a run where one contract asks for a window and another does not', () => {
  it('says the other runs headless in this run: stop exits 1 and leaves it running, send and attach say why', async () => {
    const { rig, go, repo, env, events, child, run, running } = mixedRun();
    expect(await waitFor(() => running(WINDOWED) && running(HEADLESS), 40_000), rig.screens()).toBe(true);
    // The launch says which agent has a window.
    const started = events().filter((e) => e.type === 'feature.started');
    expect(started.find((e) => e.feature_id === WINDOWED)).toMatchObject({ interactive: true });
    expect(started.find((e) => e.feature_id === HEADLESS)).toMatchObject({ interactive: false });

    const stop = await runBaton(['stop', HEADLESS], { cwd: repo.root, env });
    expect(stop.code).toBe(1);
    expect(stop.stderr).toContain(`feature ${HEADLESS} runs headless in run`);
    expect(stop.stderr).toContain('[stop/headless-feature]');
    expect(stop.stderr).toContain(`Ctrl-C in its terminal, or stop it (kill -INT ${child.pid})`);
    expect(stop.stdout).toBe('');
    for (const args of [
      ['send', HEADLESS, 'hi'],
      ['attach', HEADLESS, '--print'],
    ]) {
      const r = await runBaton(args, { cwd: repo.root, env });
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr, args.join(' ')).toContain('[interactive/headless-feature]');
      expect(r.stderr, args.join(' ')).not.toContain('--interactive` have one');
    }
    // Nothing was stopped or typed.
    expect(events().filter((e) => e.type === 'user.intervention')).toEqual([]);
    expect(running(HEADLESS)).toBe(true);

    writeFileSync(go, '');
    expect((await runBaton(['send', WINDOWED, 'yes'], { cwd: repo.root, env })).code).toBe(0);
    expect(await run).toBe(0);
    // Once the run has ended, a named feature that was not stopped still says so in the exit code.
    const after = await runBaton(['stop', HEADLESS], { cwd: repo.root, env });
    expect(after.code).toBe(1);
  }, 90_000);
  it('stop with no ids ends the windowed agents, then names the headless ones still running and how to stop them', async () => {
    const { rig, go, repo, env, state, child, run, running } = mixedRun();
    expect(await waitFor(() => running(WINDOWED) && running(HEADLESS), 40_000), rig.screens()).toBe(true);
    const stop = await runBaton(['stop'], { cwd: repo.root, env });
    expect(stop.code).toBe(0);
    expect(stop.stdout).toBe(
      `stopped ${WINDOWED}\n` +
        `still running headless, with no tmux window for baton stop to end: ${HEADLESS}\n` +
        `Stop the whole run with Ctrl-C in its terminal, or stop it (kill -INT ${child.pid}).\n`,
    );
    expect(running(HEADLESS)).toBe(true);
    writeFileSync(go, '');
    await run;
    expect(state().features[HEADLESS]?.status).toBe('complete');
  }, 90_000);
});
