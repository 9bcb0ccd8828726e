import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { aiderAdapter, buildAiderArgs } from '../../src/agents/aider.js';
import { batonHookArgv } from '../../src/agents/baton-hook.js';
import {
  buildClaudeArgs,
  buildClaudeSettings,
  claudeAdapter,
  mergeClaudeSettings,
  readUserClaudeSettings,
} from '../../src/agents/claude.js';
import { buildCodexArgs, buildCodexNotifyPlan, codexUserFlags } from '../../src/agents/codex.js';
import { buildGeminiArgs, geminiAdapter } from '../../src/agents/gemini.js';
import { lastOnly, takeFlagValues } from '../../src/agents/launch-args.js';
import { buildOpenCodeArgs } from '../../src/agents/opencode.js';
import type { AgentOverride } from '../../src/config-schema.js';
import type { Contract } from '../../src/contracts/schema.js';
import { UserError } from '../../src/errors.js';

const task = (override?: AgentOverride) => ({
  feature: { feature_id: 'feature-002-catalog' } as Contract,
  override,
  batonCommand: ['/usr/bin/node', '/opt/baton/bin/baton.js'],
  logPath: '/repo/.baton/log.jsonl',
  taskFile: '/repo/.baton/runs/r1/feature-002-catalog/task.md',
  scratchDir: '/repo/.baton/runs/r1/feature-002-catalog/scratch',
});

const temps: string[] = [];
afterEach(() => {
  for (const t of temps.splice(0)) rmSync(t, { recursive: true, force: true });
});

/** The UserError `build` throws (its code and message), or undefined when it throws none. */
function refusal(build: () => unknown): { code: string; message: string } | undefined {
  try {
    build();
  } catch (err) {
    if (err instanceof UserError) return { code: err.code, message: err.message };
    throw err;
  }
  return undefined;
}

describe('the user’s flags, from the config and the contract', () => {
  it('keep an option given twice at its last value: the contract’s over the config’s over the default', () => {
    expect(
      lastOnly(
        [
          '--sandbox',
          'workspace-write',
          '--model',
          'o3',
          '-c',
          'a=1',
          '-m',
          'o4-mini',
          '-c',
          'b=2',
          '--sandbox=read-only',
        ],
        [['--sandbox'], ['--model', '-m']],
      ),
    ).toEqual(['-c', 'a=1', '-m', 'o4-mini', '-c', 'b=2', '--sandbox=read-only']);
    const codex = buildCodexArgs(
      {
        ...task({ model: 'o3' }),
        feature: {
          feature_id: 'a',
          agent: { name: 'codex', args: ['--model', 'o4-mini', '--sandbox', 'read-only'] },
        } as Contract,
      },
      ['/usr/bin/node', '/s/codex-notify.mjs'],
    );
    expect(codex.filter((a) => a === '--model' || a === '--sandbox')).toEqual(['--model', '--sandbox']);
    expect(codex).toContain('o4-mini');
    expect(codex).toContain('read-only');
    expect(codex).not.toContain('o3');
    expect(codex).not.toContain('workspace-write');
    // Codex's short `-s` is its `--sandbox`.
    const short = buildCodexArgs(
      {
        ...task(),
        feature: { feature_id: 'a', agent: { name: 'codex', args: ['-s', 'read-only'] } } as Contract,
      },
      ['/usr/bin/node', '/s/codex-notify.mjs'],
    );
    expect(short).not.toContain('--sandbox');
    expect(short.join(' ')).toContain('-s read-only');
    // A short option with its value attached (`-mo4-mini`, `-sread-only`) is the same option too: the
    // config's `--model o3` and the default `--sandbox` go, or Codex refuses the option given twice.
    const attached = buildCodexArgs(
      {
        ...task({ model: 'o3' }),
        feature: {
          feature_id: 'a',
          agent: { name: 'codex', args: ['-mo4-mini', '-sread-only'] },
        } as Contract,
      },
      ['/usr/bin/node', '/s/codex-notify.mjs'],
    );
    expect(attached.filter((a) => /^(--model|--sandbox|-m|-s)/.test(a))).toEqual([
      '-mo4-mini',
      '-sread-only',
    ]);
    expect(attached).not.toContain('o3');
    expect(lastOnly(['-m', 'o3', '-mo4', '--model'], [['--model', '-m']])).toEqual(['--model']);
  });

  it('take the args of the config’s agent: { name, args } when the contract names no agent', () => {
    const args = buildClaudeArgs(
      { ...task(), config: { agent: { name: 'claude', args: ['--max-turns', '7'] } } } as Parameters<
        typeof buildClaudeArgs
      >[0],
      '/s/settings.json',
    );
    expect(args.slice(-2)).toEqual(['--max-turns', '7']);
  });
});

describe('the user’s flags never silently undo what Baton needs', () => {
  it('takes a flag’s values in each spelling, keeping the other flags in order', () => {
    const flags = ['--settings', 'a.json', '--max-turns', '3', '--settings=b.json', '-cnotify=["x"]'];
    expect(takeFlagValues(flags, ['--settings'])).toEqual({
      values: ['a.json', 'b.json'],
      rest: ['--max-turns', '3', '-cnotify=["x"]'],
    });
    expect(
      takeFlagValues(['-c', 'model="o3"', '-cnotify=["x"]'], ['-c'], (v) => v.startsWith('notify')),
    ).toEqual({
      values: ['notify=["x"]'],
      rest: ['-c', 'model="o3"'],
    });
  });

  it('Claude: a --settings of the user’s is merged into Baton’s one layer, their hooks first and Baton’s kept on', () => {
    const args = buildClaudeArgs(
      task({ extra_args: ['--settings', 'mine.json', '--max-turns', '3'] }),
      '/s/c.json',
    );
    expect(args.filter((a) => a === '--settings')).toHaveLength(1);
    expect(args.slice(4)).toEqual([
      '--settings',
      '/s/c.json',
      '--permission-mode',
      'acceptEdits',
      '--max-turns',
      '3',
    ]);
    const mine = { hooks: { Stop: [{ hooks: [{ type: 'command', command: 'mine' }] }] } };
    const baton = buildClaudeSettings(task());
    const merged = mergeClaudeSettings({ ...mine, disableAllHooks: true, model: 'opus' }, baton);
    expect(merged).toMatchObject({ model: 'opus', disableAllHooks: false });
    expect(merged.hooks).toEqual({ ...baton.hooks, Stop: [...mine.hooks.Stop, ...baton.hooks.Stop] });
  });

  it('Claude: reads the user’s --settings as a file from its cwd, or as JSON text, and names one it cannot read', () => {
    const dir = mkdtempSync(join(tmpdir(), 'baton-flags-'));
    temps.push(dir);
    writeFileSync(join(dir, 'mine.json'), '{"model":"opus"}');
    expect(readUserClaudeSettings('mine.json', dir)).toEqual({ model: 'opus' });
    expect(readUserClaudeSettings(' {"model":"x"}', dir)).toEqual({ model: 'x' });
    mkdirSync(join(dir, 'folder.json'));
    expect(refusal(() => readUserClaudeSettings('folder.json', dir))).toEqual({
      code: 'agents/config-unreadable',
      message: `cannot read ${join(dir, 'folder.json')}: it is a folder, not a file`,
    });
    expect(refusal(() => readUserClaudeSettings('missing.json', dir))?.message).toBe(
      `cannot read ${join(dir, 'missing.json')}, given to claude --settings: there is no such file`,
    );
  });

  it('Codex: a -c notify=… of the user’s runs from the wrapper before Baton’s hook, not in its place', () => {
    const t = task({ extra_args: ['-c', 'notify=["notify-send", "done"]', '-c', 'model="o3"'] });
    expect(codexUserFlags(t).notify).toEqual(['notify-send', 'done']);
    const args = buildCodexArgs(t, ['/usr/bin/node', '/s/codex-notify.mjs']);
    expect(args.filter((a) => a.startsWith('notify='))).toEqual([
      'notify=["/usr/bin/node","/s/codex-notify.mjs"]',
    ]);
    expect(args.slice(4)).toEqual(['--sandbox', 'workspace-write', '-c', 'model="o3"', '-']);
    // The flag outranks the config file's notify, as in Codex.
    expect(buildCodexNotifyPlan(t, 'notify = ["old"]\n', codexUserFlags(t).notify)).toEqual({
      user: ['notify-send', 'done'],
      baton: batonHookArgv(t, 'agent-turn-complete'),
    });
    expect(refusal(() => codexUserFlags(task({ extra_args: ['--config=notify=oops'] })))?.code).toBe(
      'agents/codex-notify',
    );
  });

  it('refuses an output format of the user’s, which would lose the usage, naming the flag', () => {
    expect(refusal(() => buildClaudeArgs(task({ extra_args: ['--output-format', 'json'] }), 's'))).toEqual({
      code: 'agents/reserved-flag',
      message:
        'the flags for claude set --output-format, which Baton sets itself: stream-json, from which it reads the usage and the denied tool calls',
    });
    expect(refusal(() => buildClaudeArgs(task({ args: ['--bare'] }), 's'))?.code).toBe(
      'agents/reserved-flag',
    );
    expect(refusal(() => buildGeminiArgs(task({ extra_args: ['--output-format=json'] })))?.code).toBe(
      'agents/reserved-flag',
    );
    expect(refusal(() => buildOpenCodeArgs(task({ extra_args: ['--format', 'default'] })))?.code).toBe(
      'agents/reserved-flag',
    );
  });

  it('Gemini and OpenCode (yargs, which takes camel case): a camel-case spelling of a reserved flag is refused, naming what it is read as', () => {
    for (const flag of ['--outputFormat', '--outputFormat=json']) {
      expect(refusal(() => buildGeminiArgs(task({ extra_args: [flag, 'json'] })))).toEqual({
        code: 'agents/reserved-flag',
        message: expect.stringContaining(
          'the flags for gemini set --outputFormat (read as --output-format), which Baton sets itself',
        ),
      });
    }
    expect(buildGeminiArgs(task({ extra_args: ['--checkpointing'] }))).toContain('--checkpointing');
    // Claude's parser (commander) takes no camel case: nothing to refuse there.
    expect(buildClaudeArgs(task({ extra_args: ['--outputFormat'] }), 's')).toContain('--outputFormat');
  });

  it('Aider: never offers to fetch a URL of the task or install Playwright, and a --detect-urls of the user’s is refused', () => {
    // A task with an http criterion holds `check: HTTP GET <url>`; with --yes-always Aider would add the
    // URL and install Playwright (pip, then `playwright install --with-deps`, which may wait on sudo).
    const args = buildAiderArgs(task());
    expect(args).toContain('--no-detect-urls');
    expect(args).toContain('--disable-playwright');
    const refused = refusal(() => buildAiderArgs(task({ extra_args: ['--detect-urls'] })));
    expect(refused).toEqual({
      code: 'agents/reserved-flag',
      message: expect.stringContaining('the flags for aider set --detect-urls, which Baton sets itself'),
    });
    // The run's preflight (and --dry-run) refuse it before anything is created.
    expect(refusal(() => aiderAdapter.checkFlags?.(task({ args: ['--detect-urls'] })))?.code).toBe(
      'agents/reserved-flag',
    );
  });

  it('Aider: an abbreviation argparse reads as --detect-urls is refused too, naming what it is read as', () => {
    for (const flag of ['--detect-url', '--detect-u=1', '--detect']) {
      expect(refusal(() => buildAiderArgs(task({ extra_args: [flag] })))).toEqual({
        code: 'agents/reserved-flag',
        message: expect.stringContaining(
          `the flags for aider set ${flag.split('=')[0]} (read as --detect-urls), which Baton sets itself`,
        ),
      });
    }
    // Flags that are not a beginning of it, and its own negation, pass.
    for (const flag of ['--no-detect-urls', '--dark-mode', '--dry-run', '--de']) {
      expect(buildAiderArgs(task({ extra_args: [flag] }))).toContain(flag);
    }
  });

  it('Gemini: -y/--yolo, which Gemini refuses beside Baton’s --approval-mode, is refused pointing at permission_mode', () => {
    for (const flag of ['-y', '--yolo', '--yolo=true']) {
      const refused = refusal(() => geminiAdapter.checkFlags?.(task({ extra_args: [flag] })));
      expect(refused?.code, flag).toBe('agents/reserved-flag');
      expect(refused?.message, flag).toContain('--approval-mode');
    }
    const thrown = (() => {
      try {
        buildGeminiArgs(task({ extra_args: ['-y'] }));
      } catch (err) {
        return err as UserError;
      }
    })();
    expect(thrown?.hint).toContain('permission_mode: yolo');
    expect(refusal(() => buildGeminiArgs(task({ permission_mode: 'yolo' })))).toBeUndefined();
  });

  it('Claude: --safe-mode and CLAUDE_CODE_SAFE_MODE/CLAUDE_CODE_SIMPLE in agents.claude.env, which skip every hook, are refused', () => {
    expect(refusal(() => buildClaudeArgs(task({ extra_args: ['--safe-mode'] }), 's'))?.code).toBe(
      'agents/reserved-flag',
    );
    for (const name of ['CLAUDE_CODE_SAFE_MODE', 'CLAUDE_CODE_SIMPLE']) {
      const refused = refusal(() => claudeAdapter.checkFlags?.(task({ env: { [name]: '1' } })));
      expect(refused?.code, name).toBe('agents/reserved-env');
      expect(refused?.message, name).toContain(`agents.claude.env sets ${name}`);
    }
  });
});

describe('a permission_mode the config sets', () => {
  const notify = ['/usr/bin/node', '/s/codex-notify.mjs'];

  it('reaches the agent with agents.<name>.args set too: args replace Baton’s default mode, not the one chosen', () => {
    const claude = task({ args: ['--max-turns', '10'], permission_mode: 'bypassPermissions' });
    expect(buildClaudeArgs(claude, '/s/c.json').slice(-4)).toEqual([
      '--max-turns',
      '10',
      '--permission-mode',
      'bypassPermissions',
    ]);
    expect(buildClaudeArgs(task({ args: ['--max-turns', '10'] }), '/s/c.json')).not.toContain(
      '--permission-mode',
    );
    const codex = task({ args: ['--skip-git-repo-check'], permission_mode: 'danger-full-access' });
    expect(buildCodexArgs(codex, notify).join(' ')).toContain(
      '--skip-git-repo-check --sandbox danger-full-access',
    );
    const gemini = task({ args: ['--debug'], permission_mode: 'yolo' });
    expect(buildGeminiArgs(gemini).slice(-3)).toEqual(['--debug', '--approval-mode', 'yolo']);
    expect(buildOpenCodeArgs(task({ args: ['--print-logs'], permission_mode: 'auto' }))).toContain('--auto');
    // A flag of the user's own later on (extra_args, a contract's args) still has the last word, once.
    const later = buildClaudeArgs(
      task({
        args: ['--permission-mode', 'plan'],
        permission_mode: 'acceptEdits',
        extra_args: ['--permission-mode', 'default'],
      }),
      '/s/c.json',
    );
    expect(later.filter((a) => a === '--permission-mode')).toHaveLength(1);
    expect(later[later.indexOf('--permission-mode') + 1]).toBe('default');
  });

  it('is refused, naming it, where the agent cannot apply it: OpenCode takes only auto, Aider none', () => {
    const opencode = refusal(() => buildOpenCodeArgs(task({ permission_mode: 'yolo' })));
    expect(opencode).toEqual({
      code: 'agents/permission-mode',
      message:
        'agents.opencode.permission_mode is "yolo", which opencode cannot apply: Baton\'s opencode adapter takes only auto',
    });
    const aider = refusal(() => aiderAdapter.checkFlags?.(task({ permission_mode: 'auto' })));
    expect(aider?.code).toBe('agents/permission-mode');
    expect(aider?.message).toContain('takes no permission_mode');
  });
});
