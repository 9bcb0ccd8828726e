import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { BatonEvent } from '../../src/log/events.js';
import { foldEvents } from '../../src/log/fold.js';
import { readLog } from '../../src/log/read.js';
import { BATON_BIN, runBaton } from '../rig/cli.js';
import { contractFiles } from '../rig/contracts.js';
import { makeRepo } from '../rig/repo.js';
import { askingProject, privateTmux, spawnRun, waitFor } from './tmux-rig.js';

const FEATURE = 'feature-001-ask';
const undo: Array<() => void> = [];
afterEach(() => {
  for (const u of undo.splice(0).reverse()) u();
});

/**
 * An agent that asks through `baton hook` and waits on `read` (interactive, its window ends with the
 * test's tmux server), or for the file `go` (headless). The headless wait gives up, failing, once the
 * test removed `go`'s folder or after 90 s (the test's own limit): a test that fails before writing
 * `go` leaves no agent looping behind it.
 */
const agent = (go: string) =>
  [
    `echo '{"message":"go on?"}' | node ${BATON_BIN} hook notification --status needs-input`,
    `if [ -t 0 ]; then read a; else end=$(($(date +%s) + 90)); while [ ! -e '${go}' ]; do [ -d '${dirname(go)}' ] && [ "$(date +%s)" -lt "$end" ] || exit 1; sleep 0.1; done; fi`,
    'mkdir -p src/ask && echo yes > src/ask/answer.txt',
  ].join('\n');

function setup() {
  const rig = privateTmux();
  undo.push(() => rig.kill());
  const go = join(mkdtempSync(join(tmpdir(), 'baton-stop-')), 'go');
  undo.push(() => rmSync(dirname(go), { recursive: true, force: true }));
  const repo = makeRepo({
    'agent.sh': `${agent(go)}\n`,
    ...contractFiles([
      {
        id: FEATURE,
        owns: ['src/ask/**'],
        retries: 1,
        agent: { command: 'sh "$BATON_WORKTREE/agent.sh"' },
        criteria: [{ id: 'answered', text: 'answered', run: 'grep -qx yes src/ask/answer.txt' }],
      },
    ]),
  });
  undo.push(() => repo.cleanup());
  const events = () => readLog(join(repo.root, '.baton', 'log.jsonl')).events as BatonEvent[];
  const env = { BATON_TMUX_SOCKET: rig.socket };
  return { rig, repo, go, env, events, state: () => foldEvents(events()) };
}

describe('baton stop', () => {
  it('ends an interactive agent as stopped by the user, not as a failed agent, and does not retry it', async () => {
    const { rig, repo, env, events, state } = setup();
    const run = runBaton(['run', '--interactive'], { cwd: repo.root, env });
    expect(
      await waitFor(() => state().features[FEATURE]?.status === 'needs-input', 40_000),
      rig.screens(),
    ).toBe(true);
    const stop = await runBaton(['stop'], { cwd: repo.root, env });
    expect(stop.stdout).toBe(`stopped ${FEATURE}\n`);
    // Stopped on purpose, nothing failed: the run is interrupted, and goes on as after Ctrl-C.
    const ran = await run;
    expect(ran.code).toBe(1);
    expect(ran.stdout).toContain(
      `You stopped ${FEATURE} (baton stop); to go on where it stopped: \`baton run --resume\`.`,
    );
    expect(ran.stdout).not.toContain('failed');
    expect(events().find((e) => e.type === 'run.ended')).toMatchObject({ outcome: 'interrupted' });
    expect(state().run_outcome).toBe('interrupted');
    const f = state().features[FEATURE];
    expect(f?.status).toBe('interrupted');
    expect(f?.reason).toContain('stopped by the user (baton stop)');
    expect(events().find((e) => e.type === 'agent.exited')).toMatchObject({
      reason: 'stopped by the user (baton stop)',
    });
    expect(events().filter((e) => e.type === 'user.intervention')).toMatchObject([
      { feature_id: FEATURE, action: 'stop' },
    ]);
    // `retries: 1` is for agents that fail, not for one the user stopped.
    expect(events().filter((e) => e.type === 'feature.started')).toHaveLength(1);
  }, 90_000);

  it('leaves a feature waiting on the one it stopped for the resume, and the run interrupted, not failed', async () => {
    const rig = privateTmux();
    undo.push(() => rig.kill());
    const NEXT = 'feature-002-next';
    const repo = makeRepo(
      askingProject(FEATURE, agent('/nonexistent'), {
        ...contractFiles([
          {
            id: NEXT,
            owns: ['src/next/**'],
            depends: [FEATURE],
            agent: { command: 'mkdir -p src/next && echo done > src/next/done.txt' },
          },
        ]),
      }),
    );
    undo.push(() => repo.cleanup());
    const env = { BATON_TMUX_SOCKET: rig.socket };
    const events = () => readLog(join(repo.root, '.baton', 'log.jsonl')).events as BatonEvent[];
    const state = () => foldEvents(events());
    const run = runBaton(['run', '--interactive', '--wait-for-deps'], { cwd: repo.root, env });
    expect(
      await waitFor(() => state().features[FEATURE]?.status === 'needs-input', 40_000),
      rig.screens(),
    ).toBe(true);
    expect((await runBaton(['stop'], { cwd: repo.root, env })).stdout).toBe(`stopped ${FEATURE}\n`);
    const ran = await run;
    // Nothing failed: the dependent was not started because of the stop, and the resume starts both.
    expect(ran.stdout).not.toContain('failed');
    expect(ran.stdout).toContain(
      `You stopped ${FEATURE} (baton stop); to go on where it stopped: \`baton run --resume\`.`,
    );
    expect(events().find((e) => e.type === 'run.ended')).toMatchObject({ outcome: 'interrupted' });
    const next = state().features[NEXT];
    expect(next?.status).toBe('interrupted');
    expect(next?.reason).toContain(`dependency ${FEATURE} was stopped by the user (baton stop); not started`);
  }, 90_000);

  it('during a headless run says so and how to stop it, and exits 1; after it, says there is nothing to stop', async () => {
    const { repo, go, env, state } = setup();
    const { child, ended: run, kill } = spawnRun(repo.root, env);
    undo.push(kill);
    expect(await waitFor(() => state().features[FEATURE]?.status === 'needs-input', 40_000)).toBe(true);
    const stop = await runBaton(['stop'], { cwd: repo.root, env });
    expect(stop.code).toBe(1);
    expect(stop.stderr).toContain('is headless');
    expect(stop.stderr).toContain('[stop/headless-run]');
    expect(stop.stderr).toContain(`kill -INT ${child.pid}`);
    expect(stop.stderr).not.toContain('no agent windows');
    writeFileSync(go, '');
    expect(await run).toBe(0);
    const after = await runBaton(['stop'], { cwd: repo.root, env });
    expect(after.code).toBe(0);
    expect(after.stdout).toContain('headless and has ended');
  }, 90_000);

  it('given another tmux server than the run’s, says where the run’s windows are and exits 1, as send and attach do', async () => {
    const { rig, repo, env, events, state } = setup();
    const run = runBaton(['run', '--interactive'], { cwd: repo.root, env });
    expect(
      await waitFor(() => state().features[FEATURE]?.status === 'needs-input', 40_000),
      rig.screens(),
    ).toBe(true);
    expect(events().find((e) => e.type === 'run.started')).toMatchObject({ tmux_socket: rig.socket });
    // Another terminal, on another server (private too: the tests never touch the default one).
    const elsewhere = { BATON_TMUX_SOCKET: `${rig.socket}-other` };
    for (const args of [['stop'], ['send', FEATURE, 'yes'], ['attach', FEATURE, '--print']]) {
      const r = await runBaton(args, { cwd: repo.root, env: elsewhere });
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toContain('[interactive/other-server]');
      expect(r.stderr).toContain(`are on the tmux server BATON_TMUX_SOCKET=${rig.socket}`);
      expect(r.stderr).toContain(`BATON_TMUX_SOCKET=${rig.socket} baton …`);
      expect(r.stdout).toBe('');
    }
    // Nothing was stopped or typed: the agent still waits.
    expect(state().features[FEATURE]?.status).toBe('needs-input');
    expect(events().filter((e) => e.type === 'user.intervention')).toEqual([]);
    await runBaton(['send', FEATURE, 'yes'], { cwd: repo.root, env });
    expect((await run).code).toBe(0);
  }, 90_000);
});
