import { describe, expect, it } from 'vitest';
import { COMMAND_LOADERS, loadCommands } from '../../src/cli/commands.js';
import { runBaton } from '../rig/cli.js';

describe('baton --help without loading the commands', () => {
  it('lists exactly what the loaded commands would list', async () => {
    const lazy = await runBaton(['--help'], { cwd: process.cwd() });
    const loaded = await runBaton(['help'], { cwd: process.cwd() });
    expect(lazy.code).toBe(0);
    expect(lazy.stdout).toMatch(/status \[options\]/);
    // `baton help` loads every command module; `--help` reads the index: the text must not drift.
    expect(lazy.stdout).toBe(loaded.stdout);
  });

  it('loads no command module for the top-level help, one for a command', async () => {
    expect(await loadCommands(['--help'])).toHaveLength(1);
    expect(await loadCommands(['status'])).toHaveLength(1);
    expect(await loadCommands(['status', '--help'])).toHaveLength(COMMAND_LOADERS.length);
  });
});
