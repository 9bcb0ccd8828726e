import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { AgentTask } from '../../src/agents/adapter.js';
import { commandAdapter } from '../../src/agents/command.js';

describe('the command agent’s shown command', () => {
  it('is shell-quoted, so pasted it runs the command as written: no $HOME or backquote expanded', async () => {
    const command = "echo \"$HOME\" `date` 'it's'";
    const launch = await commandAdapter(command).prepare({} as AgentTask);
    expect(launch.display).toBe(`sh -c 'echo "$HOME" \`date\` '\\''it'\\''s'\\'''`);
    // The shown line, run by a shell, hands sh exactly the command.
    const shown = execFileSync('sh', ['-c', launch.display.replace(/^sh -c /, 'printf %s ')], {
      encoding: 'utf8',
    });
    expect(shown).toBe(command);
  });
});
