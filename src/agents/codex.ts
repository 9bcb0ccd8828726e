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
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { AgentUsage } from '../log/events.js';
import type { AgentAdapter, AgentLaunch, AgentTask } from './adapter.js';
import { jsonObjectLines, looksRateLimited, numberOf, objectOf } from './agent-output.js';
import { batonHookArgv } from './baton-hook.js';
import { detectExecutable } from './executable.js';
import { displayLaunch, launchEnv, programOf, userFlags } from './launch-args.js';

/** The sandbox used unless the config sets `agents.codex.permission_mode`. */
export const CODEX_DEFAULT_SANDBOX = 'workspace-write';

/** Reads one TOML string (basic `"…"` or literal `'…'`) starting at `i`; returns it and the index after it. */
function readTomlString(text: string, i: number): [string, number] | undefined {
  const quote = text[i];
  if (quote === "'") {
    const end = text.indexOf("'", i + 1);
    return end < 0 ? undefined : [text.slice(i + 1, end), end + 1];
  }
  if (quote !== '"') return undefined;
  let out = '';
  for (let j = i + 1; j < text.length; j++) {
    const c = text[j];
    if (c === '"') return [out, j + 1];
    if (c === '\n') return undefined;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = text[++j];
    const simple: Record<string, string> = {
      b: '\b',
      t: '\t',
      n: '\n',
      f: '\f',
      r: '\r',
      '"': '"',
      '\\': '\\',
    };
    if (e !== undefined && e in simple) out += simple[e];
    else if (e === 'u' || e === 'U') {
      const len = e === 'u' ? 4 : 8;
      const hex = text.slice(j + 1, j + 1 + len);
      if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== len) return undefined;
      out += String.fromCodePoint(Number.parseInt(hex, 16));
      j += len;
    } else return undefined;
  }
  return undefined;
}

/**
 * The `notify` program set at the top level of a Codex `config.toml`, or undefined when there is none
 * (pure). Reads just enough TOML for that key: an array of strings, over several lines if need be,
 * with comments and a trailing comma.
 */
export function readCodexNotify(toml: string): string[] | undefined {
  const lines = toml.split('\n');
  let offset = 0;
  for (const line of lines) {
    const t = line.trim();
    if (t.startsWith('[')) return undefined; // the first table ends the top level
    const m = /^\s*(?:notify|"notify"|'notify')\s*=\s*\[/.exec(line);
    if (m) return readStringArray(toml, offset + m[0].length);
    offset += line.length + 1;
  }
  return undefined;
}

function readStringArray(text: string, start: number): string[] | undefined {
  const out: string[] = [];
  let i = start;
  let expectValue = true;
  while (i < text.length) {
    const c = text[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') i++;
    else if (c === '#') {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? text.length : nl + 1;
    } else if (c === ']') return out;
    else if (c === ',' && !expectValue) {
      expectValue = true;
      i++;
    } else if (expectValue && (c === '"' || c === "'")) {
      const s = readTomlString(text, i);
      if (!s) return undefined;
      out.push(s[0]);
      i = s[1];
      expectValue = false;
    } else return undefined;
  }
  return undefined;
}

/** What the notify wrapper runs, each with Codex's JSON appended: the user's program, then Baton's hook. */
export interface CodexNotifyPlan {
  user: string[] | null;
  baton: string[];
}

/** Builds the wrapper's plan from the user's config text (pure). */
export function buildCodexNotifyPlan(
  task: Pick<AgentTask, 'batonCommand' | 'feature' | 'logPath'>,
  userConfigToml: string | undefined,
): CodexNotifyPlan {
  const user = userConfigToml === undefined ? undefined : readCodexNotify(userConfigToml);
  return { user: user && user.length > 0 ? user : null, baton: batonHookArgv(task, 'agent-turn-complete') };
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

/** The argv after `codex` (pure): exec, JSON events, the notify override, the user's flags, stdin prompt. */
export function buildCodexArgs(
  task: Pick<AgentTask, 'override' | 'feature'>,
  notify: readonly string[],
): string[] {
  const sandbox = task.override?.permission_mode ?? CODEX_DEFAULT_SANDBOX;
  return [
    'exec',
    '--json',
    '-c',
    `notify=${JSON.stringify(notify)}`,
    ...userFlags(task, 'codex', ['--sandbox', sandbox], (m) => ['--model', m]),
    '-',
  ];
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
  if (input === undefined && outputTokens === undefined) return undefined;
  return {
    ...(input !== undefined ? { input_tokens: input } : {}),
    ...(outputTokens !== undefined ? { output_tokens: outputTokens } : {}),
  };
}

/** Whether Codex failed on a rate limit: its `turn.failed`/`error` events or stderr say 429 or "rate limit". */
export function isCodexRateLimited(output: string, exitCode: number | null): boolean {
  return looksRateLimited(output, exitCode);
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
  detect(env, override) {
    return detectExecutable(override?.command ?? 'codex', env, { packageName: '@openai/codex' });
  },
  async prepare(task: AgentTask): Promise<AgentLaunch> {
    mkdirSync(task.scratchDir, { recursive: true });
    const userConfig = join(codexHome(task.env), 'config.toml');
    const plan = buildCodexNotifyPlan(
      task,
      existsSync(userConfig) ? readFileSync(userConfig, 'utf8') : undefined,
    );
    const wrapper = join(task.scratchDir, 'codex-notify.mjs');
    writeFileSync(join(task.scratchDir, 'codex-notify.json'), `${JSON.stringify(plan, null, 2)}\n`);
    writeFileSync(wrapper, CODEX_NOTIFY_WRAPPER);
    const notify = [task.batonCommand[0] ?? process.execPath, wrapper];
    const command = programOf(task, 'codex');
    const args = buildCodexArgs(task, notify);
    return {
      command,
      args,
      env: launchEnv(task, {}),
      stdin: task.prompt,
      display: displayLaunch(command, args, { stdinFrom: task.taskFile }),
      // Codex starts `notify` and exits without waiting for it; let it report before the group is stopped.
      settleMs: 15_000,
    };
  },
  parseUsage: parseCodexUsage,
  isRateLimited: isCodexRateLimited,
};
