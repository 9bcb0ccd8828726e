import type { AgentTask } from './adapter.js';
import { formatCommand } from './shell-words.js';

/** The events agents' hooks report, as `baton hook <event>` names them. */
export type BatonHookEvent =
  | 'stop'
  | 'session-end'
  | 'notification'
  | 'agent-turn-complete'
  /** Recorded by Baton itself when the agent's hooks are off in a layer it cannot override. */
  | 'hooks-off'
  /** Activity of an interactive agent (no status: the fold reads it as "carrying on"). */
  | 'post-tool-use'
  | 'user-prompt-submit'
  /** Recorded by Baton itself when Claude's TUI asks whether to trust the folder. */
  | 'trust-dialog';

/**
 * The argv that records one hook event for the task's feature: `<node> <baton.js> hook <event>
 * --feature <id> --log <log>`, plus `--status` when the event sets one. Naming the feature and the
 * log explicitly keeps the hook right even when the agent changes directory or scrubs its environment.
 */
export function batonHookArgv(
  task: Pick<AgentTask, 'batonCommand' | 'feature' | 'logPath'>,
  event: BatonHookEvent,
  status?: 'needs-input',
): string[] {
  return [
    ...task.batonCommand,
    'hook',
    event,
    ...(status ? ['--status', status] : []),
    '--feature',
    task.feature.feature_id,
    '--log',
    task.logPath,
  ];
}

/** The same, as one shell command line, for agents whose hooks run through a shell (Claude, Gemini). */
export function batonHookCommand(
  task: Pick<AgentTask, 'batonCommand' | 'feature' | 'logPath'>,
  event: BatonHookEvent,
  status?: 'needs-input',
): string {
  return formatCommand(batonHookArgv(task, event, status));
}

/**
 * A settings `hooks` object with `added`'s groups appended to each event's list, the user's own kept
 * first (pure): agents with Claude-like hooks (Claude, Gemini) run every group of an event.
 */
export function appendHookGroups(
  existing: Record<string, unknown>,
  added: Readonly<Record<string, readonly unknown[]>>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...existing };
  for (const [event, groups] of Object.entries(added)) {
    const mine = existing[event];
    out[event] = [...(Array.isArray(mine) ? mine : []), ...groups];
  }
  return out;
}

/**
 * For an agent whose hooks a setting Baton cannot override turns off (a managed policy, a project's
 * own settings): runs the agent through `sh`, which first records a `hook` event named `hooks-off`
 * whose detail says why and that completion will come from the exit code, then `exec`s the agent
 * (same pid, same process group, same stdin). The event is in the log and is the feature's last
 * event in `baton status` until the agent reports again or ends.
 */
export function reportHooksOff<L extends { command: string; args: string[]; display: string }>(
  task: Pick<AgentTask, 'batonCommand' | 'feature' | 'logPath'>,
  launch: L,
  reason: string,
): L {
  const payload = JSON.stringify({ message: `${reason}; completion will come from the exit code` });
  const script = `${formatCommand([...batonHookArgv(task, 'hooks-off'), payload])} </dev/null >/dev/null 2>&1; exec "$@"`;
  return {
    ...launch,
    command: 'sh',
    args: ['-c', script, 'sh', launch.command, ...launch.args],
    display: `(${reason}) ${launch.display}`,
  };
}
