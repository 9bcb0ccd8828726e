import type { AgentSpec } from '../contracts/schema.js';
import { UserError } from '../errors.js';
import type { AgentAdapter } from './adapter.js';
import { aiderAdapter } from './aider.js';
import { claudeAdapter } from './claude.js';
import { codexAdapter } from './codex.js';
import { commandAdapter } from './command.js';
import { demoAdapter } from './demo.js';
import { geminiAdapter } from './gemini.js';
import { opencodeAdapter } from './opencode.js';

/** Every named adapter, by the name used in contracts, config and `--agent`. */
export const ADAPTERS: Record<string, AgentAdapter> = {
  claude: claudeAdapter,
  codex: codexAdapter,
  gemini: geminiAdapter,
  opencode: opencodeAdapter,
  aider: aiderAdapter,
  demo: demoAdapter,
};

/** Names accepted for `agent:`, for error messages. */
export function adapterNames(): string[] {
  return [...Object.keys(ADAPTERS), 'command'].sort();
}

/** Resolves an agent spec from a contract, `--agent` or config to its adapter. */
export function resolveAdapter(spec: AgentSpec): AgentAdapter {
  if (typeof spec === 'object' && 'command' in spec) return commandAdapter(spec.command);
  const name = typeof spec === 'string' ? spec : spec.name;
  const adapter = ADAPTERS[name];
  if (!adapter) {
    throw new UserError('agents/unknown', `unknown agent "${name}"`, {
      hint: `Known agents: ${adapterNames().join(', ')}; or give a shell command: agent: { command: "…" }.`,
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
