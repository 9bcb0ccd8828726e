import type { AgentSpec } from '../contracts/schema.js';
import { UserError } from '../errors.js';
import type { AgentAdapter } from './adapter.js';
import { aiderAdapter } from './aider.js';
import { claudeAdapter } from './claude.js';
import { codexAdapter } from './codex.js';
import { commandAdapter } from './command.js';
import { demoAdapter } from './demo.js';
import { geminiAdapter } from './gemini.js';
import { type AgentName, agentNameProblem } from './names.js';
import { opencodeAdapter } from './opencode.js';

/** Every named adapter, by the name used in contracts, config and `--agent` (names.ts lists the names). */
export const ADAPTERS: Readonly<Record<string, AgentAdapter>> = {
  claude: claudeAdapter,
  codex: codexAdapter,
  gemini: geminiAdapter,
  opencode: opencodeAdapter,
  aider: aiderAdapter,
  demo: demoAdapter,
} satisfies Record<AgentName, AgentAdapter>;

/** Resolves an agent spec from a contract, `--agent` or config to its adapter. */
export function resolveAdapter(spec: AgentSpec): AgentAdapter {
  if (typeof spec === 'object' && 'command' in spec) return commandAdapter(spec.command);
  const name = typeof spec === 'string' ? spec : spec.name;
  const problem = agentNameProblem(name);
  const adapter = ADAPTERS[name];
  if (problem || !adapter) {
    throw new UserError('agents/unknown', problem?.message ?? `unknown agent "${name}"`, {
      ...(problem ? { hint: problem.hint } : {}),
    });
  }
  return adapter;
}

/** A printable name for an agent spec. */
export function agentLabel(spec: AgentSpec): string {
  if (typeof spec === 'string') return spec;
  if ('command' in spec) return 'command';
  return spec.name;
}
