/**
 * A flag of the user's that an agent's launch refuses (an output format, Claude's --bare, a bad Codex
 * notify) fails the run before anything exists: no feature gets a worktree or a branch first.
 */
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runBaton } from '../rig/cli.js';
import { contractFiles } from '../rig/contracts.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const undo: Array<() => void> = [];
afterEach(() => {
  for (const u of undo.splice(0)) u();
});

/** A stand-in agent that says its version (all detection asks) and would fail if it ever ran. */
function fakeAgent(name: string, version: string): string {
  const dir = mkdtempSync(join(tmpdir(), `baton-fake-${name}-`));
  undo.push(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, name);
  writeFileSync(file, `#!/bin/sh\n[ "$1" = --version ] && { echo "${version}"; exit 0; }\nexit 9\n`);
  chmodSync(file, 0o755);
  return file;
}

const fakeClaude = () => fakeAgent('claude', '2.1.197 (Claude Code)');

describe('a reserved agent flag', () => {
  it('in the config fails the run before any worktree or branch exists, naming the flag', async () => {
    const config = {
      agents: { claude: { command: fakeClaude(), extra_args: ['--output-format', 'json'] } },
    };
    const repo: TempRepo = makeRepo({
      'baton.config.json': JSON.stringify(config),
      ...contractFiles([
        { id: 'feature-001-a', agent: 'claude' },
        { id: 'feature-002-b', agent: 'claude' },
      ]),
    });
    undo.push(() => repo.cleanup());
    const r = await runBaton(['run'], { cwd: repo.root });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('the flags for claude set --output-format, which Baton sets itself');
    expect(r.stderr).toContain('[agents/reserved-flag]');
    expect(repo.git('branch', '--list', 'baton/*')).toBe('');
    expect(existsSync(join(repo.root, '..', `${repo.root.split('/').pop()}.baton-worktrees`))).toBe(false);
  });

  it('Gemini’s -y is refused by lint, run --dry-run and run alike, pointing at permission_mode', async () => {
    // Gemini exits 1 on --yolo beside Baton's --approval-mode: every feature would fail.
    const config = { agents: { gemini: { command: fakeAgent('gemini', '0.61.0'), extra_args: ['-y'] } } };
    const repo: TempRepo = makeRepo({
      'baton.config.json': JSON.stringify(config),
      ...contractFiles([
        { id: 'feature-001-a', agent: 'gemini' },
        { id: 'feature-002-b', agent: 'gemini' },
      ]),
    });
    undo.push(() => repo.cleanup());
    const said = 'the flags for gemini set -y, which Baton sets itself';
    const lint = await runBaton(['lint', '--no-coupling'], { cwd: repo.root });
    expect(lint.code).toBe(1);
    expect(lint.stdout + lint.stderr).toContain(said);
    expect(lint.stdout + lint.stderr).toContain('permission_mode: yolo');
    // Said once, though both features run gemini with the config's flags.
    expect((lint.stdout + lint.stderr).split(said)).toHaveLength(2);
    for (const args of [['run', '--dry-run'], ['run']]) {
      const r = await runBaton(args, { cwd: repo.root });
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toContain(said);
      expect(r.stderr).toContain('permission_mode: yolo');
    }
    expect(repo.git('branch', '--list', 'baton/*')).toBe('');
  });
});
