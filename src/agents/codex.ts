/**
 * Codex CLI adapter.
 *
 * Follows Codex's documented interface:
 * - non-interactive mode, `codex exec --json -` (prompt on stdin, one JSON event per line on stdout,
 *   `turn.completed` events carrying token usage; no cost is reported):
 *   https://github.com/openai/codex/blob/main/docs/exec.md
 * - `notify`: one program, run after each agent turn with a JSON argument (`type:
 *   "agent-turn-complete"`, `thread-id`, `turn-id`, `cwd`, `last-assistant-message`):
 *   https://github.com/openai/codex/blob/main/docs/config.md#notify
 * - `-c key=value` overrides a config value for one run without editing `~/.codex/config.toml`, which
 *   holds the user's own settings: https://github.com/openai/codex/blob/main/docs/config.md
 * - `--sandbox` (`read-only`, `workspace-write`, `danger-full-access`): the user's choice in config
 *   (`permission_mode`), `workspace-write` by default.
 *
 * `notify` is a single slot, so Baton's notify program is a small wrapper (written to the scratch
 * folder) that first calls the program the user configured, then `baton hook agent-turn-complete`.
 * Observed with Codex CLI 0.169.0.
 */
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import type { AgentUsage } from '../log/events.js';
import type { AgentAdapter, AgentLaunch, AgentTask } from './adapter.js';
import { entriesOf, makePrivateDir, mirrorEntries, readUserConfig, writePrivateFile } from './agent-home.js';
import {
  jsonObjectLines,
  looksRateLimited,
  numberOf,
  OWN_TEXT_LINES,
  objectOf,
  ownTextLines,
  tokenUsage,
} from './agent-output.js';
import { batonHookArgv } from './baton-hook.js';
import { agentEnv, detectAgent } from './executable.js';
import { permissionFlags, stdinLaunch, takeFlagValues } from './launch-args.js';

/** The sandbox used unless the config sets `agents.codex.permission_mode`. */
export const CODEX_DEFAULT_SANDBOX = 'workspace-write';

/** A Codex `config.toml` read as TOML, or undefined when it is not TOML (Codex would not start then) (pure). */
export function parseCodexConfig(toml: string): Record<string, unknown> | undefined {
  try {
    // Loaded only when a Codex config is read: every run loads this adapter, few use it.
    return (createRequire(import.meta.url)('smol-toml') as typeof import('smol-toml')).parse(toml);
  } catch {
    return undefined;
  }
}

/**
 * The `notify` program set at the top level of a Codex `config.toml`, or undefined when there is
 * none, it is not an array of strings, or the file is not TOML (pure).
 */
export function readCodexNotify(toml: string): string[] | undefined {
  const notify = parseCodexConfig(toml)?.notify;
  if (!Array.isArray(notify) || !notify.every((v) => typeof v === 'string')) return undefined;
  return [...notify];
}

/**
 * What Codex writes in its home on every run, so not linked from the user's `CODEX_HOME` but kept in
 * the run's own: transcripts, history, logs, its SQLite state, shell snapshots, caches, temp and lock
 * files, and `skills/` (see `writeCodexHome`). Everything else but the config files (copied: see
 * `CODEX_COPIED_CONFIG`) is linked: the login, instructions, prompts, rules, and any file the config
 * names relative to its folder, such as a `model_instructions_file`.
 */
export const CODEX_OWN_ENTRIES: readonly (string | RegExp)[] = [
  'skills',
  'sessions',
  'archived_sessions',
  'history.jsonl',
  'log',
  'shell_snapshots',
  'thread-writer-locks',
  'tmp',
  '.tmp',
  'cache',
  'models_cache.json',
  'version.json',
  '.sandbox_migration',
  '.personality_migration',
  /\.(sqlite|db)(-wal|-shm|-journal)?$/,
  /\.lock$/,
];

/** The folder of `skills/` that Codex rewrites on every start (its bundled system skills). */
const CODEX_SYSTEM_SKILLS = '.system';

/**
 * Codex's config files, `config.toml` and the profiles (`<name>.config.toml`, for `--profile <name>`),
 * copied (0600, removed when Codex ends) rather than linked: its TUI writes into its config (`[tui]`
 * notices, the folder trust a user grants), which through a link would edit the user's.
 */
export const CODEX_COPIED_CONFIG = /^([^/]+\.)?config\.toml$/;

/**
 * Builds Codex's home for one run in `home`: links to every entry of the user's `CODEX_HOME` but
 * `CODEX_OWN_ENTRIES` and the config files, which are copied, and a `skills/` folder of the run's own
 * linking each of the user's skills. Codex writes its system skills into `skills/.system/` on every
 * start: through a link to the user's `skills/` they would land in the user's home. Returns the
 * files to remove when Codex ends: the copies, and `config.toml` even when the user has none (the
 * interactive run may write one to trust its worktree).
 */
export function writeCodexHome(userHome: string, home: string): string[] {
  makePrivateDir(home);
  mirrorEntries(userHome, home, [...CODEX_OWN_ENTRIES, CODEX_COPIED_CONFIG]);
  mirrorEntries(join(userHome, 'skills'), join(home, 'skills'), [CODEX_SYSTEM_SKILLS]);
  const copies = new Set([join(home, 'config.toml')]);
  for (const name of entriesOf(userHome).filter((n) => CODEX_COPIED_CONFIG.test(n))) {
    const text = readUserConfig(join(userHome, name), 'Codex CLI');
    if (text === undefined) continue;
    writePrivateFile(join(home, name), text);
    copies.add(join(home, name));
  }
  return [...copies];
}

/** What the notify wrapper runs, each with Codex's JSON appended: the user's program, then Baton's hook. */
export interface CodexNotifyPlan {
  user: string[] | null;
  baton: string[];
}

/**
 * Builds the wrapper's plan (pure): the user's notify program is the one a `-c notify=…` of theirs
 * sets (`override`), else the one of the profile they chose (`profileToml`, its file's text), else
 * the one of their config text: Codex's own order, which Baton's `-c notify=…` would otherwise hide.
 */
export function buildCodexNotifyPlan(
  task: Pick<AgentTask, 'batonCommand' | 'feature' | 'logPath'>,
  userConfigToml: string | undefined,
  override?: readonly string[],
  profileToml?: string,
): CodexNotifyPlan {
  const fromFile = (toml: string | undefined) => (toml === undefined ? undefined : readCodexNotify(toml));
  const user = override ?? fromFile(profileToml) ?? fromFile(userConfigToml);
  return {
    user: user && user.length > 0 ? [...user] : null,
    baton: batonHookArgv(task, 'agent-turn-complete'),
  };
}

/** A Codex profile name: what `--profile <name>` may name (a file `<name>.config.toml` of its home). */
const CODEX_PROFILE_NAME = /^[A-Za-z0-9_-]+$/;

/**
 * The file of the profile the user's flags choose (`--profile <name>`, `-p <name>`; the last, as
 * Codex keeps) in `userHome`, or undefined when they choose none or a name that is not a profile's.
 */
export function codexProfileFile(
  task: Pick<AgentTask, 'override' | 'feature'>,
  userHome: string,
): string | undefined {
  const name = takeFlagValues(codexUserFlags(task).rest, ['--profile', '-p']).values.at(-1);
  return name !== undefined && CODEX_PROFILE_NAME.test(name)
    ? join(userHome, `${name}.config.toml`)
    : undefined;
}

/** Whether a `-c key=value` override sets `notify`. */
function setsNotify(override: string): boolean {
  return override.split('=')[0]?.trim() === 'notify';
}

/**
 * The user's flags for Codex: the notify program a `-c notify=…` of theirs sets (the last, as Codex
 * keeps), which the wrapper runs before Baton's hook rather than in its place, and the other flags.
 */
export function codexUserFlags(task: Pick<AgentTask, 'override' | 'feature'>): {
  notify: string[] | undefined;
  rest: string[];
} {
  const flags = permissionFlags(task, 'codex', '--sandbox', CODEX_DEFAULT_SANDBOX);
  const { values, rest } = takeFlagValues(flags, ['-c', '--config'], setsNotify);
  const last = values.at(-1);
  if (last === undefined) return { notify: undefined, rest };
  const notify = readCodexNotify(`notify = ${last.slice(last.indexOf('=') + 1)}`);
  if (notify) return { notify, rest };
  throw new UserError('agents/codex-notify', `-c ${last}, given to codex, is not a list of strings`, {
    hint: 'Write it as -c \'notify=["program", "arg"]\' in agents.codex.args / extra_args, as Codex expects.',
  });
}

/** The wrapper Codex runs as `notify`; it reads its plan from the JSON file beside it. */
export const CODEX_NOTIFY_WRAPPER = `// Written by Baton. Codex runs this as its \`notify\` program with the turn's JSON as the last
// argument; it passes that JSON on to the user's own notify program, if any, and to \`baton hook\`.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const plan = JSON.parse(readFileSync(new URL('./codex-notify.json', import.meta.url), 'utf8'));
const payload = process.argv[process.argv.length - 1];
for (const argv of [plan.user, plan.baton]) {
  if (!Array.isArray(argv) || argv.length === 0) continue;
  spawnSync(argv[0], [...argv.slice(1), payload], { stdio: 'ignore', timeout: 60000 });
}
`;

/**
 * The argv after `codex` (pure): exec, JSON events, the notify override, the user's flags (their own
 * `-c notify=…` taken out: the wrapper runs it), stdin prompt.
 */
export function buildCodexArgs(
  task: Pick<AgentTask, 'override' | 'feature'>,
  notify: readonly string[],
): string[] {
  return ['exec', '--json', '-c', `notify=${JSON.stringify(notify)}`, ...codexUserFlags(task).rest, '-'];
}

/** Sums the token usage of every `turn.completed` event in Codex's `--json` output (pure). */
export function parseCodexUsage(output: string): AgentUsage | undefined {
  let input: number | undefined;
  let outputTokens: number | undefined;
  for (const e of jsonObjectLines(output)) {
    if (e.type !== 'turn.completed') continue;
    const u = objectOf(e.usage);
    if (!u) continue;
    const i = numberOf(u.input_tokens);
    const o = numberOf(u.output_tokens);
    if (i !== undefined) input = (input ?? 0) + i;
    if (o !== undefined) outputTokens = (outputTokens ?? 0) + o;
  }
  return tokenUsage(input, outputTokens);
}

/**
 * Whether Codex failed on a rate limit. Codex gives no status field, only words: those of its own
 * `error` and `turn.failed` events ("exceeded retry limit, last status: 429 Too Many Requests") and of
 * its stderr are read; never a command's output or the model's messages.
 */
export function isCodexRateLimited(output: string, exitCode: number | null): boolean {
  if (exitCode === 0 || exitCode === null) return false;
  const said: string[] = ownTextLines(output, OWN_TEXT_LINES);
  for (const e of jsonObjectLines(output)) {
    const message =
      e.type === 'error' ? e.message : e.type === 'turn.failed' ? objectOf(e.error)?.message : undefined;
    if (typeof message === 'string') said.push(message);
  }
  return looksRateLimited(said.join('\n'), exitCode);
}

/** The Codex home the user's config is read from: `$CODEX_HOME`, else `~/.codex`. */
function codexHome(env: NodeJS.ProcessEnv): string {
  return env.CODEX_HOME || join(env.HOME || homedir(), '.codex');
}

/** Codex CLI: `codex exec --json`, completion through `notify`, tokens from `turn.completed`. */
export const codexAdapter: AgentAdapter = {
  name: 'codex',
  displayName: 'Codex CLI',
  installHint: 'Install Codex CLI: npm install -g @openai/codex (https://github.com/openai/codex)',
  hasOwnHooks: true,
  detect(env, override, root) {
    return detectAgent(
      { name: 'codex', command: 'codex', packageName: '@openai/codex' },
      env,
      override,
      root,
    );
  },
  async prepare(task: AgentTask): Promise<AgentLaunch> {
    makePrivateDir(task.scratchDir);
    // The user's Codex home as the agent would see it: `agents.codex.env` may name one of its own.
    const userHome = codexHome(agentEnv(task.env, task.override));
    const profile = codexProfileFile(task, userHome);
    const plan = buildCodexNotifyPlan(
      task,
      readUserConfig(join(userHome, 'config.toml'), 'Codex CLI'),
      codexUserFlags(task).notify,
      profile === undefined ? undefined : readUserConfig(profile, 'Codex CLI'),
    );
    const home = join(task.scratchDir, 'codex-home');
    const configs = writeCodexHome(userHome, home);
    const wrapper = join(task.scratchDir, 'codex-notify.mjs');
    const planFile = join(task.scratchDir, 'codex-notify.json');
    // The plan holds the user's notify argv, which may carry a bearer token.
    writePrivateFile(planFile, `${JSON.stringify(plan, null, 2)}\n`);
    writeFileSync(wrapper, CODEX_NOTIFY_WRAPPER);
    const notify = [task.batonCommand[0] ?? process.execPath, wrapper];
    return stdinLaunch(task, {
      program: 'codex',
      args: buildCodexArgs(task, notify),
      own: { CODEX_HOME: home },
      copies: [planFile, wrapper, ...configs],
      // Codex starts `notify` and exits without waiting for it; let it report before the group is stopped.
      settleMs: 15_000,
    });
  },
  checkFlags: (task) => void codexUserFlags(task),
  parseUsage: parseCodexUsage,
  isRateLimited: isCodexRateLimited,
};
