/**
 * The names an agent is given by (`agent: claude` in a contract or the config, `--agent claude`), and
 * what is wrong with one that is not among them: one source for the parser, which reports it at the
 * contract's line, and for the registry, which resolves the name. Pure, with no adapter loaded, so the
 * contract parser can ask without loading the adapters.
 */
import { closestName } from '../contracts/suggest.js';

/** Every adapter's name, in the order `baton agents` and the hints list them. */
export const AGENT_NAMES = ['claude', 'codex', 'gemini', 'opencode', 'aider', 'demo'] as const;

/** The name of a named adapter. */
export type AgentName = (typeof AGENT_NAMES)[number];

/** How to give a shell command as the agent, for hints. */
export const COMMAND_FORM = 'agent: { command: "./my-agent.sh" }';

/** Whether `name` names an adapter. */
export function isAgentName(name: string): name is AgentName {
  return (AGENT_NAMES as readonly string[]).includes(name);
}

/**
 * Why `name` names no adapter (a message and a hint), or undefined when it names one. `command` alone
 * is not an agent: the shell-command agent needs its command, `{ command: "…" }`.
 */
export function agentNameProblem(name: string): { message: string; hint: string } | undefined {
  if (isAgentName(name)) return undefined;
  const known = `Known agents: ${[...AGENT_NAMES].sort().join(', ')}`;
  if (name === 'command') {
    return {
      message: 'agent "command" needs the command to run',
      hint: `Give the shell command with it, in a contract or the config: ${COMMAND_FORM}; or name an agent. ${known}.`,
    };
  }
  const suggestion = closestName(name, AGENT_NAMES);
  return {
    message: `unknown agent "${name}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}`,
    hint: `${known}; or give a shell command: ${COMMAND_FORM}.`,
  };
}
