// @module-tag slow
import { lstatSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AgentExited, BatonEvent, HookEvent } from '../../src/log/events.js';
import { runBaton } from '../rig/cli.js';
import {
  agentBin,
  deferAfterEach,
  FAKE_KEY,
  FEATURE,
  filesContaining,
  isolatedEnv,
  logEvents,
  maybeCaptureFixture,
  mockStarter,
  OWNED_FILE,
  projectFor,
} from './agent-rig.js';
import { startGeminiMock } from './mock-servers/gemini.js';

const defer = deferAfterEach();
const mock = mockStarter(startGeminiMock, defer);

/** The user's own `~/.gemini/settings.json`: an API-key login, one attempt per request, a hook of their own. */
function writeUserSettings(home: string, marker: string): string {
  const dir = join(home, '.gemini');
  mkdirSync(dir, { recursive: true });
  const text = `{
  // the user's own settings, comments and all
  "security": { "auth": { "selectedType": "gemini-api-key" } },
  "general": { "maxAttempts": 1, "enableAutoUpdate": false, "enableAutoUpdateNotification": false },
  "privacy": { "usageStatisticsEnabled": false },
  "hooks": { "AfterAgent": [{ "hooks": [{ "type": "command", "name": "mine", "command": "echo user-after-agent >> ${marker}" }] }] }
}
`;
  writeFileSync(join(dir, 'settings.json'), text);
  writeFileSync(join(dir, 'oauth_creds.json'), '{}');
  return text;
}

const hooksOf = (events: BatonEvent[]) =>
  events.filter((e): e is HookEvent => e.type === 'hook' && e.feature_id === FEATURE);
const exitOf = (events: BatonEvent[]) =>
  events.find((e): e is AgentExited => e.type === 'agent.exited' && e.feature_id === FEATURE);
const endedOf = (events: BatonEvent[]) =>
  events.filter((e) => e.type === 'feature.ended' && e.feature_id === FEATURE);

describe('gemini adapter, real Gemini CLI against a mock Gemini API', () => {
  it('writes the owned file with write_file, ends complete through its AfterAgent hook, and counts tokens', async () => {
    agentBin('gemini');
    const server = await mock({
      actions: [{ write: { path: OWNED_FILE, content: 'hello from gemini\n' } }],
      finalText: 'Wrote the greeting.',
    });
    const repo = projectFor('gemini');
    defer(() => repo.cleanup());
    const mainHead = repo.git('rev-parse', 'HEAD');
    const marker = join(repo.home, 'user-hook.log');
    const settingsBefore = writeUserSettings(repo.home, marker);
    const env = isolatedEnv(repo.home, { GEMINI_API_KEY: FAKE_KEY, GOOGLE_GEMINI_BASE_URL: server.url });

    const r = await runBaton(['run'], { cwd: repo.root, env });
    maybeCaptureFixture('gemini-stream.jsonl', repo.root);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);

    const events = logEvents(repo.root);
    expect(endedOf(events)).toEqual([expect.objectContaining({ status: 'complete' })]);
    const hooks = hooksOf(events);
    expect(hooks.map((h) => h.event)).toEqual(['stop', 'session-end']);
    expect(hooks[0]?.detail).toBe('Wrote the greeting.');
    // The user's own AfterAgent hook ran too, and their settings file is untouched.
    expect(readFileSync(marker, 'utf8')).toContain('user-after-agent');
    expect(readFileSync(join(repo.home, '.gemini', 'settings.json'), 'utf8')).toBe(settingsBefore);
    expect(lstatSync(join(repo.home, '.gemini', 'oauth_creds.json')).isFile()).toBe(true);

    expect(repo.git('show', `baton/${FEATURE}:${OWNED_FILE}`)).toBe('hello from gemini');
    expect(repo.git('diff', '--name-only', 'main', `baton/${FEATURE}`)).toBe(OWNED_FILE);
    expect(repo.git('rev-parse', 'HEAD')).toBe(mainHead);
    expect(repo.git('status', '--porcelain')).toBe('');
    const usage = exitOf(events)?.usage;
    expect(usage?.input_tokens).toBeGreaterThanOrEqual(200);
    expect(usage?.output_tokens).toBeGreaterThanOrEqual(40);
    expect(server.requests.some((q) => q.headers['x-goog-api-key'] === FAKE_KEY)).toBe(true);
    expect(filesContaining(join(repo.root, '.baton'), FAKE_KEY)).toEqual([]);
  });

  it('records hooks-off when the user’s shell makes the folder untrusted, where Gemini runs no hook', async () => {
    agentBin('gemini');
    const server = await mock({
      actions: [{ write: { path: OWNED_FILE, content: 'hello from gemini\n' } }],
      finalText: 'Wrote the greeting.',
    });
    const repo = projectFor('gemini');
    defer(() => repo.cleanup());
    writeUserSettings(repo.home, join(repo.home, 'user-hook.log'));
    const env = isolatedEnv(repo.home, {
      GEMINI_API_KEY: FAKE_KEY,
      GOOGLE_GEMINI_BASE_URL: server.url,
      GEMINI_RESTRICTED_MODE: 'true',
    });

    await runBaton(['run'], { cwd: repo.root, env });
    const hooks = hooksOf(logEvents(repo.root));
    // Gemini fired none of Baton's hooks: the one event is Baton's own word that they are off.
    expect(hooks.map((h) => h.event)).toEqual(['hooks-off']);
    expect(hooks[0]?.detail).toContain('GEMINI_RESTRICTED_MODE=true');
    expect(endedOf(logEvents(repo.root))).toHaveLength(1);
  });

  it('retries a run that failed on RESOURCE_EXHAUSTED', async () => {
    agentBin('gemini');
    const server = await mock({
      actions: [{ write: { path: OWNED_FILE, content: 'hello after a pause\n' } }],
      finalText: 'Done.',
      rateLimitFirst: 1,
    });
    const repo = projectFor('gemini', {
      'baton.config.json': JSON.stringify({
        retry: { attempts: 2, initial_delay_s: 0.1, factor: 2 },
        agents: { gemini: { model: 'gemini-2.5-pro' } },
      }),
    });
    defer(() => repo.cleanup());
    writeUserSettings(repo.home, join(repo.home, 'user-hook.log'));
    const env = isolatedEnv(repo.home, { GEMINI_API_KEY: FAKE_KEY, GOOGLE_GEMINI_BASE_URL: server.url });

    const r = await runBaton(['run'], { cwd: repo.root, env });
    maybeCaptureFixture('gemini-rate-limited-then-ok.jsonl', repo.root);
    expect(r.code).toBe(0);
    const events = logEvents(repo.root);
    const starts = events.filter((e) => e.type === 'feature.started' && e.feature_id === FEATURE);
    expect(starts).toHaveLength(2);
    expect(endedOf(events)).toEqual([expect.objectContaining({ status: 'complete' })]);
  });
});
