import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AgentReport } from '../../src/agents/inventory.js';
import { BATON_BIN, fixture, runBaton } from '../rig/cli.js';
import { AGENT_BIN_DIR, agentBin, deferAfterEach, isolatedEnv, projectFor } from './agent-rig.js';

const defer = deferAfterEach();

const pinned = (): Record<string, string> =>
  JSON.parse(readFileSync(join(AGENT_BIN_DIR, '..', '..', 'package.json'), 'utf8')).dependencies;

describe('baton agents', () => {
  it('lists every adapter with whether it is installed, its version and path, and the command it would run', async () => {
    agentBin('claude');
    const repo = projectFor('claude', {
      'baton.config.json': JSON.stringify({
        agents: {
          claude: { permission_mode: 'bypassPermissions', model: 'opus', extra_args: ['--max-turns', '30'] },
        },
      }),
    });
    defer(() => repo.cleanup());
    const env = isolatedEnv(repo.home, { PATH: `${fixture('agents')}:${AGENT_BIN_DIR}:/usr/bin:/bin` });

    const r = await runBaton(['agents', '--json'], { cwd: repo.root, env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const agents = (JSON.parse(r.stdout) as { agents: AgentReport[] }).agents;
    const by = Object.fromEntries(agents.map((a) => [a.name, a]));
    expect(Object.keys(by)).toEqual(['claude', 'codex', 'gemini', 'opencode', 'aider', 'demo']);
    const versions = pinned();
    expect(by.claude).toMatchObject({
      installed: true,
      version: versions['@anthropic-ai/claude-code'],
      hooks: true,
    });
    expect(by.codex?.version).toBe(versions['@openai/codex']);
    expect(by.gemini?.version).toBe(versions['@google/gemini-cli']);
    expect(by.opencode).toMatchObject({ version: versions['opencode-ai'], hooks: false });
    expect(by.aider).toMatchObject({ installed: true, version: '0.86.1', path: fixture('agents', 'aider') });
    expect(by.claude?.path).toBe(join(AGENT_BIN_DIR, 'claude'));
    // The config's overrides are in the command, and the settings file is where a run would put it.
    const settings = join(
      repo.root,
      '.baton',
      'runs',
      'RUN_ID',
      'feature-001-example',
      'scratch',
      'claude-settings.json',
    );
    expect(by.claude?.command).toBe(
      `CLAUDE_CONFIG_DIR=${join(settings, '..', 'claude-config')} claude -p --output-format stream-json --verbose --settings ${settings} --permission-mode bypassPermissions --model opus --max-turns 30 < ${join(repo.root, '.baton', 'runs', 'RUN_ID', 'feature-001-example', 'task.md')}`,
    );
    expect(by.gemini?.command).toMatch(
      /^GEMINI_CLI_HOME=\S+\/scratch\/gemini-home GEMINI_CLI_TRUST_WORKSPACE=true gemini /,
    );
    // Nothing was left behind by building the sample commands.
    expect(repo.git('status', '--porcelain', '--ignored')).toBe('');
  });

  it('says which agents are missing and how to install them', async () => {
    const repo = projectFor('claude');
    defer(() => repo.cleanup());
    const env = isolatedEnv(repo.home, { PATH: '/usr/bin:/bin' });
    const r = await runBaton(['agents'], { cwd: repo.root, env });
    expect(r.code).toBe(0);
    const claudeRow = r.stdout.split('\n').find((l) => l.startsWith('claude '));
    expect(claudeRow).toMatch(
      /^claude\s+no\s+—\s+own hooks\s+Install Claude Code: npm install -g @anthropic-ai\/claude-code/,
    );
    expect(r.stdout).toContain('commands for feature-001-example');
    expect(r.stdout).toMatch(/^ {2}codex: CODEX_HOME=\S+\/scratch\/codex-home codex exec --json -c /m);
  });

  it("shows the config's own command agent as the command a feature without an agent runs", async () => {
    const repo = projectFor(undefined, {
      'baton.config.json': '{ "agent": { "command": "./agent.sh \\"$BATON_FEATURE_ID\\"" } }\n',
    });
    defer(() => repo.cleanup());
    const env = isolatedEnv(repo.home, { PATH: '/usr/bin:/bin' });
    const r = await runBaton(['agents'], { cwd: repo.root, env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(
      `  command: sh -c './agent.sh "$BATON_FEATURE_ID"' (the config's agent.command; a contract's own overrides it)`,
    );
  });

  it('shows a problem with one agent’s config on its row and lists the others', async () => {
    const repo = projectFor('claude');
    defer(() => repo.cleanup());
    const home = repo.home;
    mkdirSync(join(home, '.gemini'), { recursive: true });
    writeFileSync(join(home, '.gemini', 'settings.json'), '{ "general": {}, }');
    mkdirSync(join(home, '.claude.json'));
    mkdirSync(join(home, '.codex', 'config.toml'), { recursive: true });
    mkdirSync(join(home, '.config', 'opencode', 'opencode.json'), { recursive: true });
    const env = isolatedEnv(home, { PATH: `${fixture('agents')}:${AGENT_BIN_DIR}:/usr/bin:/bin` });

    const r = await runBaton(['agents', '--json'], { cwd: repo.root, env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const agents = (JSON.parse(r.stdout) as { agents: AgentReport[] }).agents;
    const problems = Object.fromEntries(agents.map((a) => [a.name, a.problem]));
    expect(problems).toEqual({
      claude: expect.stringContaining(
        `cannot read ${join(home, '.claude.json')}: it is a folder, not a file [agents/config-unreadable]`,
      ),
      codex: expect.stringContaining(`${join(home, '.codex', 'config.toml')}: it is a folder`),
      gemini: expect.stringContaining(
        `cannot read ${join(home, '.gemini', 'settings.json')}: it is not a JSON object [agents/gemini-settings]`,
      ),
      opencode: expect.stringContaining(
        `${join(home, '.config', 'opencode', 'opencode.json')}: it is a folder`,
      ),
      aider: null,
      demo: null,
    });
    expect(agents.find((a) => a.name === 'aider')?.command).toMatch(/^aider --message-file /);

    // `baton run` names the file, as a user error, before the agent starts.
    const dry = await runBaton(['run', '--dry-run'], { cwd: repo.root, env });
    expect(dry.code).toBe(1);
    expect(dry.stderr).toContain(
      `cannot read ${join(home, '.claude.json')}: it is a folder, not a file [agents/config-unreadable]`,
    );
    expect(dry.stderr).not.toContain('internal error');
  });

  it('reads a relative Claude --settings as the run will, from the worktree: a gitignored file is refused', async () => {
    agentBin('claude');
    const settings = (file: string) =>
      JSON.stringify({ agents: { claude: { extra_args: ['--settings', file] } } });
    const repo = projectFor('claude', {
      '.gitignore': '.baton/\n.claude/local.json\n',
      '.claude/shared.json': '{"model":"opus"}\n',
      'baton.config.json': settings('.claude/local.json'),
    });
    defer(() => repo.cleanup());
    repo.write({ '.claude/local.json': '{"model":"haiku"}\n' });
    const env = isolatedEnv(repo.home, { PATH: `${fixture('agents')}:${AGENT_BIN_DIR}:/usr/bin:/bin` });
    const refusal =
      "cannot read .claude/local.json, given to claude --settings: Claude reads a relative path in the feature's worktree, and .claude/local.json is not committed (untracked or ignored), so worktrees will not have it [agents/claude-settings]";

    const dry = await runBaton(['run', '--dry-run'], { cwd: repo.root, env });
    expect(dry.code).toBe(1);
    expect(dry.stderr).toContain(refusal);
    const listed = await runBaton(['agents', '--json'], { cwd: repo.root, env });
    const claude = (JSON.parse(listed.stdout) as { agents: AgentReport[] }).agents.find(
      (a) => a.name === 'claude',
    );
    expect(claude?.problem).toContain(refusal);

    // A committed one is what every worktree has: the dry run reads it.
    repo.write({ 'baton.config.json': settings('.claude/shared.json') });
    repo.git('add', 'baton.config.json');
    repo.git('commit', '-qm', 'shared settings');
    const ok = await runBaton(['run', '--dry-run'], { cwd: repo.root, env });
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
  });

  it('does not wait on a FIFO in place of an agent’s config file', () => {
    const repo = projectFor('claude');
    defer(() => repo.cleanup());
    mkdirSync(join(repo.home, '.gemini'), { recursive: true });
    execFileSync('mkfifo', [join(repo.home, '.gemini', 'settings.json')]);
    const env = isolatedEnv(repo.home, { PATH: `${fixture('agents')}:${AGENT_BIN_DIR}:/usr/bin:/bin` });
    const r = spawnSync(process.execPath, [BATON_BIN, 'agents', '--json'], {
      cwd: repo.root,
      env: { ...process.env, ...env },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(r.signal).toBeNull();
    expect(r.status).toBe(0);
    const gemini = (JSON.parse(r.stdout) as { agents: AgentReport[] }).agents.find(
      (a) => a.name === 'gemini',
    );
    expect(gemini?.problem).toContain('it is a FIFO, not a file');
  });

  it('writes nothing, even where the sample feature has a worktree of an earlier run', async () => {
    const repo = projectFor('aider');
    defer(() => repo.cleanup());
    const worktree = join(
      repo.root,
      '..',
      `${repo.root.split('/').at(-1)}.baton-worktrees`,
      'feature-001-example',
    );
    repo.git('worktree', 'add', '-q', '-b', 'baton/feature-001-example', worktree);
    const exclude = join(repo.root, '.git', 'info', 'exclude');
    const before = readFileSync(exclude, 'utf8');
    const env = isolatedEnv(repo.home, { PATH: `${fixture('agents')}:/usr/bin:/bin` });
    const r = await runBaton(['agents'], { cwd: repo.root, env });
    expect(r.code).toBe(0);
    expect(readFileSync(exclude, 'utf8')).toBe(before);
  });
});
