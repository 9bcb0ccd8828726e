import type { AgentTask } from './adapter.js';
import { formatCommand } from './shell-words.js';

/** The events agents' hooks report, as `baton hook <event>` names them. */
export type BatonHookEvent = 'stop' | 'session-end' | 'notification' | 'agent-turn-complete';

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
