/**
 * OpenCode adapter.
 *
 * Follows OpenCode's documented interface:
 * - non-interactive mode, `opencode run --format json` with the message on stdin; JSON events on
 *   stdout, whose `step_finish` parts carry `tokens` and `cost`: https://opencode.ai/docs/cli/#run
 * - permissions (`allow`/`ask`/`deny` per tool; an `ask` in `run` mode is rejected, and shows as a
 *   failed tool call): https://opencode.ai/docs/permissions/ — `permission_mode: auto` in the config
 *   adds `--auto`, which approves what is not explicitly denied.
 *
 * OpenCode's hooks are plugins, which it installs from npm at run time, so Baton does not use them:
 * the process exit is the completion signal. Observed with OpenCode 1.18.33.
 *
 * OpenCode's home for the run (its XDG folders, `OPENCODE_CONFIG`, `OPENCODE_CONFIG_DIR`) and the
 * project's config kept as OpenCode found it are built in opencode-home.ts.
 */
import { join } from 'node:path';
import type { AgentUsage } from '../log/events.js';
import { clipLine } from '../text/one-line.js';
import type { AgentAdapter, AgentLaunch, AgentTask } from './adapter.js';
import { makePrivateDir } from './agent-home.js';
import {
  jsonObjectLines,
  looksRateLimited,
  numberOf,
  OWN_TEXT_LINES,
  objectOf,
  ownTextLines,
} from './agent-output.js';
import { agentEnv, detectAgent } from './executable.js';
import { refuseReservedFlags, refuseUnappliedPermissionMode, stdinLaunch, userFlags } from './launch-args.js';
import { keepProjectConfig, writeOpenCodeHome } from './opencode-home.js';

/** The argv after `opencode` (pure): `run`, JSON events, then the user's flags; the message comes on stdin. */
export function buildOpenCodeArgs(task: Pick<AgentTask, 'override' | 'feature'>): string[] {
  refuseUnappliedPermissionMode(
    task,
    'opencode',
    ['auto'],
    'OpenCode takes `auto` (it adds --auto, which approves what its permissions do not deny); other permissions go in your opencode.json (https://opencode.ai/docs/permissions/).',
  );
  const chosen = task.override?.permission_mode === 'auto' ? ['--auto'] : [];
  const flags = userFlags(task, 'opencode', [], (m) => ['--model', m], [['--model', '-m']], chosen);
  refuseReservedFlags(
    flags,
    'opencode',
    {
      '--format': 'json, from which it reads the usage and the refused tool calls',
      // OpenCode parses with yargs, which takes camel-case spellings too.
    },
    { camelCase: true },
  );
  return ['run', '--format', 'json', ...flags];
}

/** Sums tokens and cost over the `step_finish` parts, and lists the tool calls that were refused (pure). */
export function parseOpenCodeUsage(output: string): AgentUsage | undefined {
  let steps = 0;
  let cost: number | undefined;
  let input: number | undefined;
  let out: number | undefined;
  const denials: NonNullable<AgentUsage['permission_denials']> = [];
  for (const e of jsonObjectLines(output)) {
    const part = objectOf(e.part);
    if (!part) continue;
    if (e.type === 'step_finish') {
      steps++;
      const c = numberOf(part.cost);
      if (c !== undefined) cost = (cost ?? 0) + c;
      const tokens = objectOf(part.tokens);
      if (tokens) {
        const cache = objectOf(tokens.cache);
        const i = [tokens.input, cache?.read, cache?.write].map(numberOf).filter((n) => n !== undefined);
        if (i.length > 0) input = (input ?? 0) + i.reduce((a, b) => a + b, 0);
        const o = [tokens.output, tokens.reasoning].map(numberOf).filter((n) => n !== undefined);
        if (o.length > 0) out = (out ?? 0) + o.reduce((a, b) => a + b, 0);
      }
    } else if (e.type === 'tool_use') {
      const state = objectOf(part.state);
      if (
        state?.status === 'error' &&
        typeof state.error === 'string' &&
        /rejected permission/i.test(state.error)
      ) {
        const args = objectOf(state.input);
        const what = args?.command ?? args?.filePath ?? args?.url;
        denials.push({
          tool: typeof part.tool === 'string' ? part.tool : 'unknown',
          ...(typeof what === 'string' ? { detail: clipLine(what) } : {}),
        });
      }
    }
  }
  if (steps === 0 && denials.length === 0) return undefined;
  return {
    ...(cost !== undefined ? { cost_usd: Math.round(cost * 1e8) / 1e8 } : {}),
    ...(input !== undefined ? { input_tokens: input } : {}),
    ...(out !== undefined ? { output_tokens: out } : {}),
    ...(steps > 0 ? { turns: steps } : {}),
    ...(denials.length > 0 ? { permission_denials: denials } : {}),
  };
}

/**
 * Whether OpenCode gave up on a provider rate limit or overload (it retries those itself first). Its
 * `error` events carry the provider's HTTP status, which decides when given (429, 529 or 503); an error
 * without one is read by its own words, and without any error event only OpenCode's stderr is.
 */
export function isOpenCodeRateLimited(output: string, exitCode: number | null): boolean {
  if (exitCode === 0 || exitCode === null) return false;
  const errors = jsonObjectLines(output)
    .filter((e) => e.type === 'error')
    .map((e) => objectOf(e.error) ?? {});
  const said: string[] = errors.length === 0 ? ownTextLines(output, OWN_TEXT_LINES) : [];
  for (const error of errors) {
    const data = objectOf(error.data);
    const status = data?.statusCode;
    if (typeof status === 'number') {
      if (status === 429 || status === 529 || status === 503) return true;
      continue;
    }
    said.push(...[error.name, data?.message].filter((t): t is string => typeof t === 'string'));
  }
  return looksRateLimited(said.join('\n'), exitCode);
}

/** OpenCode: `opencode run --format json`; process exit is the signal; tokens and cost from `step_finish`. */
export const opencodeAdapter: AgentAdapter = {
  name: 'opencode',
  displayName: 'OpenCode',
  installHint: 'Install OpenCode: npm install -g opencode-ai (https://opencode.ai/docs/)',
  hasOwnHooks: false,
  detect(env, override, root) {
    return detectAgent(
      { name: 'opencode', command: 'opencode', packageName: 'opencode-ai' },
      env,
      override,
      root,
    );
  },
  async prepare(task: AgentTask): Promise<AgentLaunch> {
    makePrivateDir(task.scratchDir);
    const { vars: own, copies } = writeOpenCodeHome(
      agentEnv(task.env, task.override),
      join(task.scratchDir, 'opencode-home'),
      task.worktree,
    );
    // The variables are not shown: they name folders of the run, not a choice of the user's.
    const launch = stdinLaunch(task, {
      program: 'opencode',
      args: buildOpenCodeArgs(task),
      own,
      shown: {},
      copies,
    });
    const restore = keepProjectConfig(task.worktree);
    return {
      ...launch,
      cleanup: () => {
        launch.cleanup?.();
        restore();
      },
    };
  },
  checkFlags: (task) => void buildOpenCodeArgs(task),
  parseUsage: parseOpenCodeUsage,
  isRateLimited: isOpenCodeRateLimited,
};
