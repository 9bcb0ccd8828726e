import { ConfigSchema } from '../config-schema.js';
import { z } from '../zod.js';
import { ContractSchema } from './schema.js';

/** One line of documentation per top-level field, shown by editors on hover. */
const CONTRACT_DOCS: Record<string, string> = {
  feature_id: 'The feature id: lowercase letters, digits and dashes (it becomes a branch and a folder name).',
  title: 'A human title; defaults to the id.',
  provides:
    'What this feature offers to the others, e.g. { api: [...], models: [...] }, or a free-form list.',
  owns: 'Globs of the files this feature may change; overlaps between independent features are predicted conflicts.',
  owns_policy:
    'strict (default): a change outside owns fails the feature’s implicit owns check; warn: it is only reported.',
  depends_on:
    'Features that must be merged first ({ features: [...] } or a list of ids), and external services.',
  acceptance_criteria:
    'Measurable criteria: each has text and one of run (a command, exit 0 = pass), http (a latency check) or files.',
  serve: 'The command that starts this feature’s server (it receives PORT), for http checks.',
  estimate_minutes: 'Sequential estimate in minutes, for the critical path and Amdahl bound.',
  agent:
    'The agent for this feature: an adapter name (claude, codex, gemini, aider, opencode) or { command: "…" }.',
  timeout_minutes: 'How long the agent may run before it is stopped.',
  retries: 'How many times a failed agent run is retried.',
  interactive: "Run this feature's agent in its own tmux window with its full interactive UI.",
  attempts:
    'Best-of-N: how many attempts run this feature (2–9, each its own worktree, branch baton/<id>.a<n> and ports), or a list of agents, one per attempt; the acceptance checks pick the winner (docs/best-of-n.md).',
  select:
    'Best-of-N: best (default; wait for every attempt, keep the best) or first-passing (keep the first attempt that passes every criterion, stop the others).',
};

const CONFIG_DOCS: Record<string, string> = {
  agent: 'Default agent for features whose contract names none.',
  concurrency: 'How many agents run at once; default: all.',
  attempts:
    'Best-of-N for features whose contract says nothing: a count or a list of agents, one per attempt (docs/best-of-n.md).',
  select: 'Best-of-N selection for features whose contract says nothing: best (default) or first-passing.',
  base: 'Branch or ref the feature branches are cut from; default: HEAD.',
  worktrees: 'Where worktrees go, relative to the repository root.',
  specs: 'Folder holding <feature_id>/contract.md; default specs.',
  setup: 'Command run in each new worktree before the agent, e.g. npm ci.',
  copy: 'Files (globs) copied from the main checkout into each new worktree, e.g. .env.',
  test: 'Test command run after each merge during integration.',
  check_timeout_s: 'Default timeout of a run acceptance check, in seconds.',
  timeout_minutes: 'Default agent timeout, in minutes.',
  port_base: 'First port handed to features; each feature gets a block of ten.',
  estimates: 'Sequential estimates of the non-implementation phases, in minutes.',
  agents: 'Per-agent settings, keyed by adapter name.',
  interactive:
    'Interactive runs: each agent in its own tmux window. true, or an object, which makes every run interactive unless it says "enabled": false (baton run --no-interactive runs headless whatever it says): { enabled, auto_finish_s (seconds of quiet after the agent stops before Baton ends its session), trust_worktrees (consent to record Claude Code and Codex folder trust for Baton worktrees, in private copies of their configs), bell (ring the terminal bell when a feature needs input), notify (a desktop notification through notify-send, when installed, when a feature needs input) }.',
  retry: 'Retry policy for rate-limited agents.',
};

function document(
  schema: Record<string, unknown>,
  docs: Record<string, string>,
  extra: Record<string, unknown>,
) {
  const properties = schema.properties as Record<string, Record<string, unknown>> | undefined;
  for (const [key, description] of Object.entries(docs)) {
    const prop = properties?.[key];
    if (prop) prop.description = description;
  }
  return { $schema: schema.$schema, ...extra, ...schema };
}

/** JSON Schema of a contract's front matter, generated from the zod schema (for editors). */
export function contractJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(ContractSchema, { io: 'input' }) as Record<string, unknown>;
  return document(schema, CONTRACT_DOCS, {
    title: 'Baton feature contract (front matter of specs/<feature_id>/contract.md)',
  });
}

/** JSON Schema of `baton.config.json` / `baton.yaml`, generated from the zod schema (for editors). */
export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(ConfigSchema, { io: 'input' }) as Record<string, unknown>;
  return document(schema, CONFIG_DOCS, {
    title: 'Baton configuration (baton.config.json or baton.yaml)',
  });
}

/** The files `npm run schema` writes, by path relative to the package root. */
export function schemaFiles(): Record<string, string> {
  return {
    'schema/contract.schema.json': `${JSON.stringify(contractJsonSchema(), null, 2)}\n`,
    'schema/config.schema.json': `${JSON.stringify(configJsonSchema(), null, 2)}\n`,
  };
}
