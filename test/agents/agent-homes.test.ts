import { execFileSync } from 'node:child_process';
import {
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writePrivateFile } from '../../src/agents/agent-home.js';
import { reportHooksOff } from '../../src/agents/baton-hook.js';
import { buildClaudeSettings } from '../../src/agents/claude.js';
import { writeClaudeHome } from '../../src/agents/claude-home.js';
import { claudeHooksOffReason, claudeManagedHooksOff } from '../../src/agents/claude-managed.js';
import { writeCodexHome } from '../../src/agents/codex.js';
import {
  buildGeminiHooks,
  geminiUntrustedReason,
  mergeGeminiSettings,
  readGeminiWorkspace,
} from '../../src/agents/gemini.js';
import { keepProjectConfig, onlySchemaAdded, writeOpenCodeHome } from '../../src/agents/opencode-home.js';
import type { Contract } from '../../src/contracts/schema.js';
import { BATON_BIN } from '../rig/cli.js';
import { FEATURE, logEvents } from './agent-rig.js';

const temps: string[] = [];
afterEach(() => {
  for (const t of temps.splice(0)) rmSync(t, { recursive: true, force: true });
});
const temp = () => {
  const d = mkdtempSync(join(tmpdir(), 'baton-homes-'));
  temps.push(d);
  return d;
};
const task = (logPath = '/repo/.baton/log.jsonl') => ({
  feature: { feature_id: FEATURE } as Contract,
  logPath,
  batonCommand: [process.execPath, BATON_BIN],
});

describe('hooks kept on', () => {
  it('Claude’s settings layer sets disableAllHooks: false over the user’s true', () => {
    expect(buildClaudeSettings(task()).disableAllHooks).toBe(false);
  });

  it('Gemini’s copy forces hooksConfig.enabled, un-disables Baton’s hooks, and keeps the user’s own off', () => {
    const hooks = buildGeminiHooks(task());
    const mine = [{ hooks: [{ type: 'command', name: 'mine', command: 'notify-me' }] }];
    const merged = mergeGeminiSettings(
      { hooksConfig: { enabled: false, disabled: ['baton-stop', 'x'] }, hooks: { AfterAgent: mine } },
      hooks,
      ['project-hook'],
    );
    expect(merged.hooksConfig).toEqual({ enabled: true, disabled: ['x', 'mine', 'project-hook'] });
    expect(mergeGeminiSettings({ hooksConfig: { notifications: false } }, hooks).hooksConfig).toEqual({
      notifications: false,
      enabled: true,
    });
  });

  it('tells when a layer Baton cannot override turns hooks off', () => {
    expect(claudeHooksOffReason({ disableAllHooks: true }, '/etc/m.json')).toMatch(
      /disableAllHooks in \/etc\/m\.json/,
    );
    expect(claudeHooksOffReason({ allowManagedHooksOnly: true }, 'f')).toMatch(/allowManagedHooksOnly/);
    expect(claudeHooksOffReason(undefined, 'f')).toBeUndefined();
    // Gemini in an untrusted folder (the user's shell says so) runs no hook at all.
    expect(geminiUntrustedReason({ GEMINI_RESTRICTED_MODE: 'true' })).toMatch(/GEMINI_RESTRICTED_MODE=true/);
    expect(geminiUntrustedReason({ GEMINI_CLI_TRUST_WORKSPACE: 'false' })).toMatch(
      /untrusted folder \(GEMINI_CLI_TRUST_WORKSPACE=false in the environment\)/,
    );
    expect(geminiUntrustedReason({ GEMINI_CLI_TRUST_WORKSPACE: 'true', GEMINI_RESTRICTED_MODE: '1' })).toBe(
      undefined,
    );
    const wt = temp();
    expect(readGeminiWorkspace(wt)).toEqual({ hookNames: [] });
    mkdirSync(join(wt, '.gemini'));
    writeFileSync(
      join(wt, '.gemini', 'settings.json'),
      '{ // project\n "hooksConfig": {"enabled": false}, "hooks": {"AfterAgent": [{"hooks": [{"type": "command", "command": "p"}]}]} }',
    );
    expect(readGeminiWorkspace(wt)).toEqual({
      hooksOff: expect.stringMatching(/hooksConfig\.enabled: false in .*settings\.json/),
      hookNames: ['p'],
    });
  });

  it('the hooks-off fallback records a hooks-off hook event, then runs the agent with its stdin and exit code', () => {
    const root = temp();
    const logPath = join(root, '.baton', 'log.jsonl');
    mkdirSync(join(root, '.baton'));
    const launch = reportHooksOff(
      task(logPath),
      { command: 'sh', args: ['-c', 'cat; exit 3'], display: 'agent' },
      'hooks are off (disableAllHooks in /etc/m.json)',
    );
    let out = '';
    let code = 0;
    try {
      out = execFileSync(launch.command, launch.args, { input: 'the task', encoding: 'utf8' });
    } catch (err) {
      const e = err as { status: number; stdout: string };
      code = e.status;
      out = e.stdout;
    }
    expect(out).toBe('the task');
    expect(code).toBe(3);
    expect(logEvents(root)).toEqual([
      expect.objectContaining({
        type: 'hook',
        event: 'hooks-off',
        feature_id: FEATURE,
        detail: 'hooks are off (disableAllHooks in /etc/m.json); completion will come from the exit code',
      }),
    ]);
  });
});

describe('agent homes', () => {
  it('writes config copies 0600, even over an earlier world-readable one', () => {
    const file = join(temp(), 'copy.json');
    writeFileSync(file, 'old', { mode: 0o644 });
    writePrivateFile(file, '{"token":"t"}');
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('Claude’s home links what Claude reads and copies ~/.claude.json privately', () => {
    const home = temp();
    mkdirSync(join(home, '.claude', 'projects'), { recursive: true });
    writeFileSync(join(home, '.claude', 'settings.json'), '{}');
    writeFileSync(join(home, '.claude.json'), '{"userID":"u"}');
    const shadow = join(temp(), 'claude-config');
    const copies = writeClaudeHome({ HOME: home }, shadow);
    expect(readlinkSync(join(shadow, 'settings.json'))).toBe(join(home, '.claude', 'settings.json'));
    expect(lstatSync(join(shadow, 'projects'), { throwIfNoEntry: false })).toBeUndefined();
    expect(copies).toEqual([join(shadow, '.claude.json')]);
    expect(statSync(join(shadow, '.claude.json')).mode & 0o777).toBe(0o600);
    expect(statSync(shadow).mode & 0o777).toBe(0o700);
  });

  it('OpenCode’s XDG folders mirror the user’s, with only what OpenCode reads in opencode/', () => {
    const home = temp();
    mkdirSync(join(home, '.config', 'git'), { recursive: true });
    mkdirSync(join(home, '.config', 'opencode'), { recursive: true });
    writeFileSync(join(home, '.config', 'opencode', 'opencode.json'), '{}');
    writeFileSync(join(home, '.config', 'opencode', 'key.txt'), 'k');
    mkdirSync(join(home, '.config', 'opencode', 'node_modules'));
    mkdirSync(join(home, '.local', 'share', 'opencode', 'storage'), { recursive: true });
    writeFileSync(join(home, '.local', 'share', 'opencode', 'auth.json'), '{}');
    const shadow = join(temp(), 'oc');
    const { vars, copies } = writeOpenCodeHome({ HOME: home }, shadow);
    expect(vars).toEqual({
      XDG_CONFIG_HOME: join(shadow, 'config'),
      XDG_DATA_HOME: join(shadow, 'data'),
      XDG_STATE_HOME: join(shadow, 'state'),
    });
    expect(readlinkSync(join(shadow, 'config', 'git'))).toBe(join(home, '.config', 'git'));
    // A file the config names relative to its folder (`{file:./key.txt}`) is there; plugin installs are not.
    expect(readlinkSync(join(shadow, 'config', 'opencode', 'key.txt'))).toBe(
      join(home, '.config', 'opencode', 'key.txt'),
    );
    expect(
      lstatSync(join(shadow, 'config', 'opencode', 'node_modules'), { throwIfNoEntry: false }),
    ).toBeUndefined();
    // OpenCode rewrites its config file as it starts: a private copy, not a link.
    expect(copies).toEqual([join(shadow, 'config', 'opencode', 'opencode.json')]);
    expect(lstatSync(copies[0] ?? '').mode & 0o777).toBe(0o600);
    expect(readlinkSync(join(shadow, 'data', 'opencode', 'auth.json'))).toBe(
      join(home, '.local', 'share', 'opencode', 'auth.json'),
    );
    expect(lstatSync(join(shadow, 'data', 'opencode', 'storage'), { throwIfNoEntry: false })).toBeUndefined();
  });

  it('Codex’s home links every entry of the user’s but what Codex writes on each run', () => {
    const user = join(temp(), '.codex');
    for (const dir of ['sessions/2026', 'log', 'skills/my-skill', 'skills/.system/old'])
      mkdirSync(join(user, dir), { recursive: true });
    for (const file of [
      'config.toml',
      'my-instructions.md',
      'history.jsonl',
      'state_5.sqlite',
      'state_5.sqlite-wal',
    ])
      writeFileSync(join(user, file), '');
    writeFileSync(join(user, 'config.toml'), 'model = "o3"\n');
    writeFileSync(join(user, 'work.config.toml'), 'model = "o4"\n');
    const shadow = join(temp(), 'codex-home');
    const copies = writeCodexHome(user, shadow);
    expect(readdirSync(shadow).sort()).toEqual([
      'config.toml',
      'my-instructions.md',
      'skills',
      'work.config.toml',
    ]);
    expect(readlinkSync(join(shadow, 'my-instructions.md'))).toBe(join(user, 'my-instructions.md'));
    // Its config and profiles are private copies (its TUI writes them), removed when Codex ends.
    expect(copies.sort()).toEqual([join(shadow, 'config.toml'), join(shadow, 'work.config.toml')]);
    for (const copy of copies) {
      expect(lstatSync(copy).isFile()).toBe(true);
      expect(statSync(copy).mode & 0o777).toBe(0o600);
    }
    expect(readFileSync(join(shadow, 'work.config.toml'), 'utf8')).toBe('model = "o4"\n');
    // Codex rewrites skills/.system on every start: the run's own skills folder, each user skill linked.
    expect(lstatSync(join(shadow, 'skills')).isDirectory()).toBe(true);
    expect(readdirSync(join(shadow, 'skills'))).toEqual(['my-skill']);
    expect(readlinkSync(join(shadow, 'skills', 'my-skill'))).toBe(join(user, 'skills', 'my-skill'));
    // A user with no skills folder: the run's is still its own, for Codex to write in.
    const bare = join(temp(), 'codex-home');
    // No config of the user's: the one an interactive run may write to trust its worktree is removed too.
    expect(writeCodexHome(join(temp(), 'none'), bare)).toEqual([join(bare, 'config.toml')]);
    expect(lstatSync(join(bare, 'skills')).isDirectory()).toBe(true);
  });
});

/** What OpenCode 1.18.33 writes into a config file with no `$schema` as it loads it. */
const withSchema = (text: string) =>
  text.replace(/^\s*\{/, () => '{\n  "$schema": "https://opencode.ai/config.json",');

describe('onlySchemaAdded: what OpenCode changed in a project config, told from an edit', () => {
  it.each([
    [
      'OpenCode’s own rewrite',
      '{ "autoupdate": false }',
      '{\n  "$schema": "https://opencode.ai/config.json", "autoupdate": false }',
      true,
    ],
    [
      'its rewrite of a JSONC file with a comment and a blank before the brace',
      '\n{\n  // mine\n  "autoupdate": false,\n}\n',
      '{\n  "$schema": "https://opencode.ai/config.json",\n  // mine\n  "autoupdate": false,\n}\n',
      true,
    ],
    [
      'the $schema and a comment the agent added',
      '{ "autoupdate": false }',
      '{\n  "$schema": "https://opencode.ai/config.json", // keep it off\n "autoupdate": false }',
      false,
    ],
    [
      'the $schema and the file reformatted',
      '{ "autoupdate": false }',
      '{\n  "$schema": "https://opencode.ai/config.json",\n  "autoupdate": false\n}\n',
      false,
    ],
    [
      'an edit beside the $schema',
      '{ "autoupdate": false }',
      '{\n  "$schema": "https://opencode.ai/config.json", "autoupdate": true }',
      false,
    ],
    ['another $schema', '{ "autoupdate": false }', '{ "$schema": "x", "autoupdate": false }', false],
    ['an edit alone', '{ "autoupdate": false }', '{ "autoupdate": true }', false],
    ['no change', '{}', '{}', false],
  ])('%s', (_name, before, after, expected) => {
    expect(onlySchemaAdded(before, after)).toBe(expected);
  });
});

describe('keepProjectConfig: the project config put back after OpenCode', () => {
  /** A worktree with `opencode.jsonc` holding `text`, read by keepProjectConfig; returns the file and the restore step. */
  function project(text: string): { file: string; restore: () => void } {
    const worktree = temp();
    const file = join(worktree, 'opencode.jsonc');
    writeFileSync(file, text);
    return { file, restore: keepProjectConfig(worktree) };
  }
  const original = '{\n  // the project’s\n  "autoupdate": false\n}\n';

  it.each([
    ['only OpenCode’s $schema: put back', withSchema(original), original],
    [
      'the $schema and a comment of the agent’s: kept',
      withSchema(original).replace('"autoupdate"', '// off on purpose\n  "autoupdate"'),
      undefined,
    ],
    [
      'the $schema and a reformatting: kept',
      '{"$schema":"https://opencode.ai/config.json","autoupdate":false}',
      undefined,
    ],
  ])('%s', (_name, after, restored) => {
    const { file, restore } = project(original);
    writeFileSync(file, after);
    restore();
    expect(readFileSync(file, 'utf8')).toBe(restored ?? after);
  });

  it('writes through no link and into no file of several hard links', () => {
    const outside = join(temp(), 'elsewhere.jsonc');
    writeFileSync(outside, withSchema(original));
    const linked = project(original);
    rmSync(linked.file);
    symlinkSync(outside, linked.file);
    linked.restore();
    const hard = project(original);
    rmSync(hard.file);
    linkSync(outside, hard.file);
    hard.restore();
    expect(readFileSync(outside, 'utf8')).toBe(withSchema(original));
  });
});

describe('claudeManagedHooksOff: the managed settings file and its managed-settings.d drop-ins', () => {
  it('reads the drop-ins over the file, in name order, a later key winning, and names the file that decided', () => {
    const dir = mkdtempSync(join(tmpdir(), 'baton-managed-'));
    try {
      const file = join(dir, 'managed-settings.json');
      const dropIns = join(dir, 'managed-settings.d');
      expect(claudeManagedHooksOff(file)).toBeUndefined();
      mkdirSync(dropIns);
      writeFileSync(join(dropIns, '10-policy.json'), JSON.stringify({ disableAllHooks: true }));
      expect(claudeManagedHooksOff(file)).toBe(
        `Claude's hooks are off (disableAllHooks in ${join(dropIns, '10-policy.json')})`,
      );
      // A later drop-in turns it back on; the base file comes first of all.
      writeFileSync(join(dropIns, '20-undo.json'), JSON.stringify({ disableAllHooks: false }));
      writeFileSync(file, JSON.stringify({ allowManagedHooksOnly: true }));
      expect(claudeManagedHooksOff(file)).toBe(
        `Claude runs only managed hooks (allowManagedHooksOnly in ${file})`,
      );
      writeFileSync(join(dropIns, '15-managed.json'), JSON.stringify({ allowManagedHooksOnly: false }));
      expect(claudeManagedHooksOff(file)).toBeUndefined();
      // Not a .json file, or not a regular file: not read.
      writeFileSync(join(dropIns, '30-notes.txt'), JSON.stringify({ disableAllHooks: true }));
      mkdirSync(join(dropIns, '40-folder.json'));
      expect(claudeManagedHooksOff(file)).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
