/**
 * Secrets stay where the user put them: the copy Baton makes of an agent's config (Gemini's
 * settings.json, which may hold an MCP token) is private (0600, in a 0700 folder) while the agent
 * runs and gone when it ends; the user's own file is neither changed nor made readable.
 * The agent is a stand-in `gemini` on PATH that records what it was given.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runBaton } from '../rig/cli.js';
import { contractFiles } from '../rig/contracts.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';
import { watchWorld } from './rig.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

const FAKE_GEMINI = `#!/bin/sh
if [ "$1" = "--version" ]; then echo 0.30.0; exit 0; fi
cat > /dev/null
copy="$GEMINI_CLI_HOME/.gemini/settings.json"
mkdir -p src/feature-001-a
{ echo "$copy"; stat -c %a "$copy"; stat -c %a "$(dirname "$GEMINI_CLI_HOME")/gemini-home"; grep -c mcp-secret "$copy"; } > src/feature-001-a/seen.txt
`;

describe('adversarial: secrets stay where the user put them', () => {
  it('the copy of Gemini’s settings is 0600 while the agent runs and removed after; the user’s file is untouched', async () => {
    const repo = makeRepo({
      'README.md': '# app\n',
      ...contractFiles([{ id: 'feature-001-a', agent: 'gemini' }]),
    });
    repos.push(repo);
    // The user's home and the stand-in agent live beside the repository: the world check covers them.
    const home = join(dirname(repo.root), 'home');
    mkdirSync(join(home, '.gemini'), { recursive: true });
    writeFileSync(
      join(home, '.gemini', 'settings.json'),
      '{ "mcpServers": { "x": { "headers": { "Authorization": "Bearer mcp-secret" } } } }\n',
      { mode: 0o600 },
    );
    const bin = join(dirname(repo.root), 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'gemini'), FAKE_GEMINI, { mode: 0o755 });
    const world = watchWorld(repo);
    const res = await runBaton(['run'], {
      cwd: repo.root,
      env: { HOME: home, GEMINI_CLI_HOME: '', PATH: `${bin}:${process.env.PATH}` },
    });
    const seen = repo.git('show', 'baton/feature-001-a:src/feature-001-a/seen.txt').split('\n');
    expect(seen.slice(1), res.stdout + res.stderr).toEqual(['600', '700', '1']);
    // The copy held the user's token while the agent ran; it is gone now.
    expect(() => readFileSync(seen[0] as string)).toThrow(/ENOENT/);
    world.expectUntouched();
  });
});
