import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { chooseAgents } from '../../src/queue/worker-agents.js';

/** What `chooseAgents` refused `--agents <name>` with. */
async function refusal(name: string): Promise<UserError> {
  const err = await chooseAgents({ agents: [name], env: { PATH: '' } }).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof UserError)) throw new Error(`expected a UserError, got ${String(err)}`);
  return err;
}

describe('baton worker --agents', () => {
  it('refuses a name that is no agent with the nearest one and the known ones', async () => {
    const err = await refusal('cladue');
    expect([err.code, err.message, err.hint]).toEqual([
      'worker/unknown-agent',
      'unknown agent "cladue" (did you mean "claude"?) in --agents',
      'Known agents: aider, claude, codex, command, demo, gemini, opencode.',
    ]);
  });

  it('refuses a name every object has as an unknown agent, not an internal error', async () => {
    const err = await refusal('constructor');
    expect([err.code, err.message]).toEqual([
      'worker/unknown-agent',
      'unknown agent "constructor" in --agents',
    ]);
  });
});
