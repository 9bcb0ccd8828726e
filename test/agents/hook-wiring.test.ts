import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildClaudeSettings } from '../../src/agents/claude.js';
import { buildGeminiHooks } from '../../src/agents/gemini.js';
import type { Contract } from '../../src/contracts/schema.js';
import { BATON_BIN, runBaton } from '../rig/cli.js';
import { deferAfterEach, FEATURE, logEvents, projectFor } from './agent-rig.js';

const defer = deferAfterEach();

const feature = { feature_id: FEATURE } as Contract;

describe('hook commands, run the way the agents run them', () => {
  it('a Claude Notification (a permission prompt in an interactive session) shows the feature as needs-input', async () => {
    const repo = projectFor('claude');
    defer(() => repo.cleanup());
    const logPath = join(repo.root, '.baton', 'log.jsonl');
    const settings = buildClaudeSettings({ feature, logPath, batonCommand: [process.execPath, BATON_BIN] });
    const payload = JSON.stringify({
      session_id: 's-1',
      hook_event_name: 'Notification',
      message: 'Claude needs your permission to use Bash',
    });
    // Claude runs a command hook through a shell, with the payload on stdin, from the worktree or anywhere.
    const out = execFileSync('/bin/sh', ['-c', settings.hooks.Notification[0]?.hooks[0]?.command ?? ''], {
      cwd: '/',
      input: payload,
      encoding: 'utf8',
    });
    expect(out).toBe(''); // Claude reads hook stdout as JSON: nothing must be printed
    expect(logEvents(repo.root)).toEqual([
      expect.objectContaining({
        type: 'hook',
        event: 'notification',
        feature_id: FEATURE,
        status: 'needs-input',
        session_id: 's-1',
        detail: 'Claude needs your permission to use Bash',
      }),
    ]);
    const status = await runBaton(['status', '--json'], { cwd: repo.root });
    expect(JSON.parse(status.stdout).features[0]).toMatchObject({
      feature_id: FEATURE,
      status: 'needs-input',
    });
  });

  it('a Gemini AfterAgent hook records a stop with the reply, printing nothing', () => {
    const repo = projectFor('gemini');
    defer(() => repo.cleanup());
    const logPath = join(repo.root, '.baton', 'log.jsonl');
    const hooks = buildGeminiHooks({ feature, logPath, batonCommand: [process.execPath, BATON_BIN] });
    const out = execFileSync('/bin/sh', ['-c', hooks.AfterAgent[0]?.hooks[0]?.command ?? ''], {
      cwd: '/',
      input: JSON.stringify({
        session_id: 'g-1',
        hook_event_name: 'AfterAgent',
        prompt_response: 'All done.',
      }),
      encoding: 'utf8',
    });
    expect(out).toBe('');
    expect(logEvents(repo.root)).toEqual([
      expect.objectContaining({
        type: 'hook',
        event: 'stop',
        feature_id: FEATURE,
        detail: 'All done.',
        session_id: 'g-1',
      }),
    ]);
  });
});
