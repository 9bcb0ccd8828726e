import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { BatonEvent } from '../../src/log/events.js';
import { foldEvents } from '../../src/log/fold.js';
import { readLog } from '../../src/log/read.js';
import { groupAlive } from '../../src/process/supervise.js';
import { agentBin, FAKE_KEY, isolatedEnv } from '../agents/agent-rig.js';
import { startAnthropicMock } from '../agents/mock-servers/anthropic.js';
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

/** A repo whose one feature runs Claude Code interactively, with a temp HOME where Claude has been set up. */
function claudeProject(config: Record<string, unknown>, files: Record<string, string> = {}) {
  const repo = makeRepo({
    'README.md': '# app\n',
    ...files,
    'baton.config.json': JSON.stringify(config),
    ...contractFiles([
      {
        id: FEATURE,
        owns: ['src/hello/**'],
        agent: 'claude',
        criteria: [{ id: 'greeting', text: 'the greeting is written', run: `grep -q hello ${OWNED_FILE}` }],
      },
    ]),
  });
  undo.push(() => repo.cleanup());
  const home = join(repo.root, '..', 'home');
  mkdirSync(home, { recursive: true });
  // What a user who has used Claude Code once has: onboarding done, this API key approved.
  writeFileSync(
    join(home, '.claude.json'),
    JSON.stringify({
      hasCompletedOnboarding: true,
      customApiKeyResponses: { approved: [FAKE_KEY.slice(-20)], rejected: [] },
    }),
  );
  return { repo, home };
}

describe('baton run --interactive with the real Claude Code TUI in real tmux, against a mock model', () => {
  it('shows the Write permission prompt as needs-input, approves it with `baton send`, ends through the Stop hook, checks, complete', async () => {
    agentBin('claude');
    const rig = privateTmux();
    undo.push(() => rig.kill());
    const server = await startAnthropicMock({
      actions: [{ write: { path: OWNED_FILE, content: 'hello from the TUI\n' } }],
      finalText: 'Done.',
    });
    undo.push(() => server.close());
    // The project turns hooks off for itself, and the user gives Claude settings of their own: the
    // TUI's hooks stay on all the same (Baton's layer outranks the project's), with the user's settings.
    const mine = { permissions: { allow: ['Bash(npm test)'] } };
    const { repo, home } = claudeProject(
      {
        interactive: { trust_worktrees: true },
        agents: { claude: { extra_args: ['--settings', JSON.stringify(mine)] } },
      },
      { '.claude/settings.json': JSON.stringify({ disableAllHooks: true }) },
    );
    const env = {
      ...isolatedEnv(home, { ANTHROPIC_BASE_URL: server.url, ANTHROPIC_API_KEY: FAKE_KEY }),
      BATON_TMUX_SOCKET: rig.socket,
    };
    const logPath = join(repo.root, '.baton', 'log.jsonl');
    const events = () => readLog(logPath).events as BatonEvent[];
    const state = () => foldEvents(events());
    const layer = () => {
      const run = events().find((e) => e.type === 'run.started')?.run_id ?? '';
      const file = join(
        repo.root,
        '.baton',
        'runs',
        run,
        FEATURE,
        'scratch',
        'claude-interactive-settings.json',
      );
      return JSON.parse(readFileSync(file, 'utf8'));
    };
    let live = '';
    const run = runBaton(['run', '--interactive'], {
      cwd: repo.root,
      env,
      onStdout: (all) => {
        live = all;
      },
    });
    const why = () =>
      `\nlive output:\n${live}\nlog:\n${events()
        .map((e) => JSON.stringify(e))
        .join('\n')}\n${rig.screens()}`;

    const asked = await waitFor(() => state().features[FEATURE]?.status === 'needs-input', 40_000);
    expect(asked, `Claude's permission prompt never showed as needs-input${why()}`).toBe(true);
    expect(state().features[FEATURE]?.last_event?.detail ?? '', why()).toMatch(/permission/i);
    expect(rig.screens(), why()).toMatch(/create hello\.md/i);
    expect(layer().permissions).toEqual(mine.permissions);
    const hookTs = Date.parse(
      events().find((e) => e.type === 'hook' && e.status === 'needs-input')?.ts ?? '',
    );
    // The live table hears of it within a second of the hook.
    await waitFor(() => live.includes('hook notification → needs-input'), 1000);
    expect(live).toContain('hook notification → needs-input');
    expect(Number.isFinite(hookTs)).toBe(true);
    // Consent was given in the config, so trust was recorded (no trust question came first), in
    // Baton's private copy of Claude's config: the user's own file holds no trust for the worktree.
    const userProjects = JSON.parse(readFileSync(join(home, '.claude.json'), 'utf8')).projects ?? {};
    expect(userProjects[state().features[FEATURE]?.worktree ?? '']?.hasTrustDialogAccepted).not.toBe(true);
    expect(events().some((e) => e.type === 'hook' && e.event === 'trust-dialog')).toBe(false);

    const sent = await runBaton(['send', FEATURE, '1'], { cwd: repo.root, env });
    expect(sent.code, sent.stderr).toBe(0);
    const back = await waitFor(() => state().features[FEATURE]?.status !== 'needs-input', 10_000);
    expect(back, `still needs-input after the answer${why()}`).toBe(true);

    const r = await run;
    expect(r.code, `run failed: ${r.stderr}${why()}`).toBe(0);
    const f = state().features[FEATURE];
    expect(f?.status, why()).toBe('complete');
    expect(f?.checks.greeting?.outcome).toBe('passed');
    expect(repo.git('show', `baton/${FEATURE}:${OWNED_FILE}`)).toBe('hello from the TUI');
    const hooks = events()
      .filter((e) => e.type === 'hook')
      .map((e) => (e.type === 'hook' ? e.event : ''));
    expect(hooks).toContain('stop');
    expect(events().filter((e) => e.type === 'user.intervention')).toHaveLength(1);
  }, 60_000);

  it('without consent shows Claude’s folder-trust question as needs-input, leaves ~/.claude.json alone, and `baton stop` ends the window’s process group', async () => {
    agentBin('claude');
    const rig = privateTmux();
    undo.push(() => rig.kill());
    const server = await startAnthropicMock({ actions: [], finalText: 'Done.' });
    undo.push(() => server.close());
    const { repo, home } = claudeProject({});
    const env = {
      ...isolatedEnv(home, { ANTHROPIC_BASE_URL: server.url, ANTHROPIC_API_KEY: FAKE_KEY }),
      BATON_TMUX_SOCKET: rig.socket,
    };
    const logPath = join(repo.root, '.baton', 'log.jsonl');
    const events = () => readLog(logPath).events as BatonEvent[];
    const state = () => foldEvents(events());
    const run = runBaton(['run', '--interactive'], { cwd: repo.root, env });
    const why = () =>
      `\nlog:\n${events()
        .map((e) => JSON.stringify(e))
        .join('\n')}\n${rig.screens()}`;

    const asked = await waitFor(() => state().features[FEATURE]?.status === 'needs-input', 30_000);
    expect(asked, `the trust question never showed as needs-input${why()}`).toBe(true);
    const f = state().features[FEATURE];
    expect(f?.last_event?.detail, why()).toContain(`trust the folder ${f?.worktree}`);
    // Claude keeps its own state there; Baton recorded no trust.
    const projects = JSON.parse(readFileSync(join(home, '.claude.json'), 'utf8')).projects ?? {};
    expect(
      Object.values(projects).some((p) => (p as { hasTrustDialogAccepted?: boolean }).hasTrustDialogAccepted),
    ).toBe(false);

    const pgid = f?.pgid ?? 0;
    expect(groupAlive(pgid)).toBe(true);
    const stopped = await runBaton(['stop'], { cwd: repo.root, env });
    expect(stopped.stdout).toContain(`stopped ${FEATURE}`);
    const r = await run;
    expect(r.code).toBe(1);
    expect(groupAlive(pgid)).toBe(false);
    // Stopped by the user, not a failed agent.
    expect(state().features[FEATURE]?.status).toBe('interrupted');
    expect(state().features[FEATURE]?.reason).toContain('stopped by the user (baton stop)');
    expect(rig.tmux('list-windows', '-a').stdout).not.toContain(FEATURE);
  }, 40_000);
});
