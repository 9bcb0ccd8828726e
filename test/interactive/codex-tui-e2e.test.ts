// @module-tag slow
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { BatonEvent } from '../../src/log/events.js';
import { foldEvents } from '../../src/log/fold.js';
import { readLog } from '../../src/log/read.js';
import { agentBin, FAKE_KEY, isolatedEnv, writeCodexConfig } from '../agents/agent-rig.js';
import { startResponsesMock } from '../agents/mock-servers/openai-responses.js';
import type { MockServer } from '../agents/mock-servers/server.js';
import { runBaton } from '../rig/cli.js';
import { contractFiles } from '../rig/contracts.js';
import { makeRepo } from '../rig/repo.js';
import { privateTmux, waitFor } from './tmux-rig.js';

const FEATURE = 'feature-001-hello';
const OWNED_FILE = 'src/hello/hello.md';
const undo: Array<() => unknown> = [];
afterEach(async () => {
  for (const u of undo.splice(0).reverse()) await u();
});

/**
 * A repo whose one feature runs Codex interactively, and a temp HOME whose `~/.codex/config.toml`
 * names the mock as model provider; returns the config's path, which Codex must never write.
 */
function codexProject(config: Record<string, unknown>, server: MockServer) {
  const repo = makeRepo({
    'README.md': '# app\n',
    'baton.config.json': JSON.stringify(config),
    ...contractFiles([
      {
        id: FEATURE,
        owns: ['src/hello/**'],
        agent: 'codex',
        criteria: [{ id: 'greeting', text: 'the greeting is written', run: `grep -q hello ${OWNED_FILE}` }],
      },
    ]),
  });
  undo.push(() => repo.cleanup());
  const home = join(repo.root, '..', 'home');
  const userConfig = writeCodexConfig(home, server);
  return { repo, home, userConfig };
}

describe('baton run --interactive with the real Codex TUI in real tmux, against a mock model', () => {
  it('with consent trusts the worktree in the run’s private config, so Codex starts at once, and ~/.codex/config.toml is never written', async () => {
    agentBin('codex');
    const rig = privateTmux();
    undo.push(() => rig.kill());
    const server = await startResponsesMock({
      actions: [{ write: { path: OWNED_FILE, content: 'hello from the TUI\n' } }],
      finalText: 'Done.',
    });
    undo.push(() => server.close());
    const { repo, home, userConfig } = codexProject({ interactive: { trust_worktrees: true } }, server);
    const before = readFileSync(userConfig, 'utf8');
    const env = { ...isolatedEnv(home, { OPENAI_API_KEY: FAKE_KEY }), BATON_TMUX_SOCKET: rig.socket };
    const events = () => readLog(join(repo.root, '.baton', 'log.jsonl')).events as BatonEvent[];
    const why = () =>
      `\nlog:\n${events()
        .map((e) => JSON.stringify(e))
        .join('\n')}\n${rig.screens()}`;

    let ended = false;
    const run = runBaton(['run', '--interactive'], { cwd: repo.root, env }).finally(() => {
      ended = true;
    });
    expect(await waitFor(() => ended, 45_000), `the run never ended${why()}`).toBe(true);
    const r = await run;
    expect(r.code, `run failed: ${r.stderr}${why()}`).toBe(0);
    const f = foldEvents(events()).features[FEATURE];
    expect(f?.status, why()).toBe('complete');
    expect(f?.checks.greeting?.outcome).toBe('passed');
    // No trust question was asked (it would have shown as needs-input).
    expect(
      events().some((e) => e.type === 'hook' && e.status === 'needs-input'),
      why(),
    ).toBe(false);
    // Codex's TUI writes its config as it starts ([tui] notices): into the run's copy, not the user's.
    expect(readFileSync(userConfig, 'utf8')).toBe(before);
    const runId = events().find((e) => e.type === 'run.started')?.run_id ?? '';
    const runHome = join(repo.root, '.baton', 'runs', runId, FEATURE, 'scratch', 'codex-home');
    expect(existsSync(join(runHome, 'config.toml'))).toBe(false);
  }, 60_000);

  it('without consent shows Codex’s folder-trust question as needs-input', async () => {
    agentBin('codex');
    const rig = privateTmux();
    undo.push(() => rig.kill());
    const server = await startResponsesMock({ actions: [], finalText: 'Done.' });
    undo.push(() => server.close());
    const { repo, home, userConfig } = codexProject({}, server);
    const before = readFileSync(userConfig, 'utf8');
    const env = { ...isolatedEnv(home, { OPENAI_API_KEY: FAKE_KEY }), BATON_TMUX_SOCKET: rig.socket };
    const events = () => readLog(join(repo.root, '.baton', 'log.jsonl')).events as BatonEvent[];
    const state = () => foldEvents(events());
    const why = () =>
      `\nlog:\n${events()
        .map((e) => JSON.stringify(e))
        .join('\n')}\n${rig.screens()}`;
    const run = runBaton(['run', '--interactive'], { cwd: repo.root, env });

    const asked = await waitFor(() => state().features[FEATURE]?.status === 'needs-input', 30_000);
    expect(asked, `the trust question never showed as needs-input${why()}`).toBe(true);
    const f = state().features[FEATURE];
    expect(f?.last_event?.detail, why()).toBe(`Codex CLI asks whether to trust the folder ${f?.worktree}`);
    expect(rig.screens()).toContain('Trust this folder?');

    const stopped = await runBaton(['stop'], { cwd: repo.root, env });
    expect(stopped.stdout).toContain(`stopped ${FEATURE}`);
    expect((await run).code).toBe(1);
    expect(readFileSync(userConfig, 'utf8')).toBe(before);
  }, 60_000);
});
