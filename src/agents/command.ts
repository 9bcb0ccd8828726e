import type { AgentAdapter, AgentLaunch, AgentTask } from './adapter.js';
import { printableArg } from './shell-words.js';

/**
 * The `command` agent: any shell command, run through `sh -c` in the worktree. It learns its task
 * from the environment (`BATON_TASK_FILE`, `BATON_FEATURE_ID`, `PORT`…) that the runner sets.
 */
export function commandAdapter(command: string): AgentAdapter {
  return {
    name: 'command',
    displayName: 'Shell command',
    installHint: 'Give the command in the contract or config: agent: { command: "…" }.',
    hasOwnHooks: false,
    ignoresOutput: true,
    async detect() {
      return { installed: true };
    },
    async prepare(_task: AgentTask): Promise<AgentLaunch> {
      // Shell-quoted as every shown command is: pasted, it runs this very command, with no `$HOME` or
      // backquote expanded on the way, and control characters shown escaped.
      return { command, args: [], shell: true, env: {}, display: `sh -c ${printableArg(command)}` };
    },
    parseUsage() {
      return undefined;
    },
    isRateLimited() {
      return false;
    },
  };
}
