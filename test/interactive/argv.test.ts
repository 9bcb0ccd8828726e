import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AgentTask } from '../../src/agents/adapter.js';
import { resolveAdapter } from '../../src/agents/registry.js';
import { resolveConfig } from '../../src/config.js';
import { prepareInteractiveLaunch } from '../../src/interactive/argv.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function taskFor(agent: string): AgentTask {
  const dir = mkdtempSync(join(tmpdir(), 'baton-argv-'));
  dirs.push(dir);
  return {
    feature: {
      feature_id: 'feature-001-a',
      title: 'A',
      provides: {},
      owns: [],
      depends_on: { features: [], services: [] },
      acceptance_criteria: [],
      body: '',
      file: 'specs/feature-001-a/contract.md',
      agent,
    },
    prompt: 'Build feature A.',
    taskFile: join(dir, 'task.md'),
    scratchDir: join(dir, 'scratch'),
    worktree: join(dir, 'wt'),
    runId: 'r1',
    logPath: join(dir, 'log.jsonl'),
    batonCommand: ['node', '/baton.js'],
    port: 41000,
    portBase: 41000,
    env: { HOME: dir, PATH: process.env.PATH },
    config: resolveConfig(dir, {}),
    override: undefined,
  };
}

describe('interactive argv per agent', () => {
  it('Claude Code: the TUI with the task as first prompt, default permissions, hooks that report activity', async () => {
    const task = taskFor('claude');
    const launch = await prepareInteractiveLaunch(resolveAdapter('claude'), task);
    expect(launch.args).not.toContain('-p');
    expect(launch.args).not.toContain('--output-format');
    expect(launch.args.at(-1)).toBe('Build feature A.');
    expect(launch.args[launch.args.indexOf('--permission-mode') + 1]).toBe('default');
    expect(launch.stdin).toBeUndefined();
    expect(launch.finishText).toBe('/exit');
    // What --dry-run shows is this command, not the headless one: no -p, the task as an argument.
    expect(launch.display).toContain(`--permission-mode default "$(cat ${task.taskFile})"`);
    expect(launch.display).not.toMatch(/ -p |--output-format| < /);
    expect(launch.display).toMatch(/^CLAUDE_CONFIG_DIR=\S+ claude /);
    const settings = JSON.parse(
      readFileSync(launch.args[launch.args.indexOf('--settings') + 1] ?? '', 'utf8'),
    );
    expect(Object.keys(settings.hooks).sort()).toEqual([
      'Notification',
      'PostToolUse',
      'SessionEnd',
      'Stop',
      'UserPromptSubmit',
    ]);
    expect(settings.hooks.Notification[0].hooks[0].command).toContain('--status needs-input');
  });

  it("Claude Code: the TUI's settings layer is the headless one (hooks kept on, the user's --settings merged) plus the activity hooks, private and removed with the rest", async () => {
    const task = taskFor('claude');
    const mine = { permissions: { allow: ['Bash(npm test)'] }, hooks: { Stop: [{ hooks: [] }] } };
    task.override = { extra_args: ['--settings', JSON.stringify(mine)] };
    const launch = await prepareInteractiveLaunch(resolveAdapter('claude'), task);
    const file = launch.args[launch.args.indexOf('--settings') + 1] ?? '';
    expect(file).toBe(join(task.scratchDir, 'claude-interactive-settings.json'));
    const settings = JSON.parse(readFileSync(file, 'utf8'));
    // A project's `disableAllHooks: true` would otherwise silence every hook of the TUI.
    expect(settings.disableAllHooks).toBe(false);
    expect(settings.permissions).toEqual(mine.permissions);
    expect(settings.hooks.Stop).toHaveLength(2);
    expect(settings.hooks.PostToolUse[0].hooks[0].command).toContain('hook post-tool-use');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    launch.cleanup?.();
    expect(existsSync(file)).toBe(false);
    expect(existsSync(join(task.scratchDir, 'claude-settings.json'))).toBe(false);
  });

  it('Codex, Gemini, OpenCode: their TUIs with the task as the prompt, hooks kept', async () => {
    const codex = await prepareInteractiveLaunch(resolveAdapter('codex'), taskFor('codex'));
    expect(codex.args).not.toContain('exec');
    expect(codex.args).not.toContain('--json');
    expect(codex.args.some((a) => a.startsWith('notify='))).toBe(true);
    expect(codex.args.at(-1)).toBe('Build feature A.');
    const gemini = await prepareInteractiveLaunch(resolveAdapter('gemini'), taskFor('gemini'));
    expect(gemini.args.slice(-2)).toEqual(['--prompt-interactive', 'Build feature A.']);
    expect(gemini.args).not.toContain('--output-format');
    const opencode = await prepareInteractiveLaunch(resolveAdapter('opencode'), taskFor('opencode'));
    expect(opencode.args).not.toContain('run');
    expect(opencode.args.slice(-2)).toEqual(['--prompt', 'Build feature A.']);
  });

  it('the command agent runs its command as is and ends by itself', async () => {
    const launch = await prepareInteractiveLaunch(
      resolveAdapter({ command: 'sh ask.sh' }),
      taskFor('command'),
    );
    expect(launch).toMatchObject({ command: 'sh ask.sh', shell: true });
    expect(launch.finishText).toBeUndefined();
  });
});
