// @module-tag slow
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
  writeCodexConfig,
} from './agent-rig.js';
import { startResponsesMock } from './mock-servers/openai-responses.js';

const defer = deferAfterEach();
const mock = mockStarter(startResponsesMock, defer);

const hooksOf = (events: BatonEvent[]) =>
  events.filter((e): e is HookEvent => e.type === 'hook' && e.feature_id === FEATURE);
const exitOf = (events: BatonEvent[]) =>
  events.find((e): e is AgentExited => e.type === 'agent.exited' && e.feature_id === FEATURE);
const endedOf = (events: BatonEvent[]) =>
  events.filter((e) => e.type === 'feature.ended' && e.feature_id === FEATURE);

describe('codex adapter, real Codex CLI against a mock OpenAI Responses API', () => {
  it('writes the owned file, ends complete through notify, and both the user’s notify program and Baton record the turn', async () => {
    agentBin('codex');
    const server = await mock({
      actions: [{ write: { path: OWNED_FILE, content: 'hello from codex\n' } }],
      finalText: 'Wrote the greeting.',
    });
    const repo = projectFor('codex');
    defer(() => repo.cleanup());
    const mainHead = repo.git('rev-parse', 'HEAD');
    // The user's own notify program, configured in their ~/.codex/config.toml.
    const userNotify = join(repo.home, 'user-notify.sh');
    const userMarker = join(repo.home, 'user-notify.log');
    writeFileSync(userNotify, `#!/bin/sh\nprintf '%s\\n' "$1" >> '${userMarker}'\n`);
    chmodSync(userNotify, 0o755);
    const env = isolatedEnv(repo.home, { OPENAI_API_KEY: FAKE_KEY });
    writeCodexConfig(repo.home, server, [userNotify]);
    const configBefore = readFileSync(join(repo.home, '.codex', 'config.toml'), 'utf8');

    const r = await runBaton(['run'], { cwd: repo.root, env });
    maybeCaptureFixture('codex-exec.jsonl', repo.root);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);

    const events = logEvents(repo.root);
    expect(endedOf(events)).toEqual([expect.objectContaining({ status: 'complete' })]);
    const hooks = hooksOf(events);
    expect(hooks.map((h) => h.event)).toEqual(['agent-turn-complete']);
    expect(hooks[0]?.detail).toBe('Wrote the greeting.');
    expect(hooks[0]?.session_id).toMatch(/^[0-9a-f-]{36}$/);
    // The user's program got the same turn.
    const userSaw = JSON.parse(readFileSync(userMarker, 'utf8').trim()) as Record<string, unknown>;
    expect(userSaw).toMatchObject({ type: 'agent-turn-complete', 'thread-id': hooks[0]?.session_id });
    // The user's config was read, never written.
    expect(readFileSync(join(repo.home, '.codex', 'config.toml'), 'utf8')).toBe(configBefore);

    expect(repo.git('show', `baton/${FEATURE}:${OWNED_FILE}`)).toBe('hello from codex');
    expect(repo.git('diff', '--name-only', 'main', `baton/${FEATURE}`)).toBe(OWNED_FILE);
    expect(repo.git('rev-parse', 'HEAD')).toBe(mainHead);
    expect(repo.git('status', '--porcelain')).toBe('');
    expect(exitOf(events)?.usage).toEqual({ input_tokens: 200, output_tokens: 40 });
    expect(server.requests.some((q) => q.headers.authorization === `Bearer ${FAKE_KEY}`)).toBe(true);
    expect(filesContaining(join(repo.root, '.baton'), FAKE_KEY)).toEqual([]);
  });

  it('runs a notify program the config passes with -c notify=… as well as its own hook', async () => {
    agentBin('codex');
    const server = await mock({
      actions: [{ write: { path: OWNED_FILE, content: 'hello from codex\n' } }],
      finalText: 'Wrote the greeting.',
    });
    const scripts = join(process.env.TMPDIR ?? '/tmp', `baton-flag-notify-${process.pid}-${Date.now()}`);
    mkdirSync(scripts, { recursive: true });
    const userNotify = join(scripts, 'flag-notify.sh');
    const userMarker = join(scripts, 'flag-notify.log');
    writeFileSync(userNotify, `#!/bin/sh\nprintf '%s\\n' "$1" >> '${userMarker}'\n`);
    chmodSync(userNotify, 0o755);
    const repo = projectFor('codex', {
      'baton.config.json': JSON.stringify({
        agents: { codex: { extra_args: ['-c', `notify=${JSON.stringify([userNotify])}`] } },
      }),
    });
    defer(() => repo.cleanup());
    defer(() => rmSync(scripts, { recursive: true, force: true }));
    writeCodexConfig(repo.home, server);
    const env = isolatedEnv(repo.home, { OPENAI_API_KEY: FAKE_KEY });

    const r = await runBaton(['run'], { cwd: repo.root, env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const hooks = hooksOf(logEvents(repo.root));
    expect(hooks.map((h) => h.event)).toEqual(['agent-turn-complete']);
    expect(JSON.parse(readFileSync(userMarker, 'utf8').trim())).toMatchObject({
      type: 'agent-turn-complete',
    });
  });

  it('runs the notify program of the profile the flags choose, as Codex would, not the base config’s', async () => {
    agentBin('codex');
    const server = await mock({
      actions: [{ write: { path: OWNED_FILE, content: 'hello from codex\n' } }],
      finalText: 'Wrote the greeting.',
    });
    const repo = projectFor('codex', {
      'baton.config.json': JSON.stringify({ agents: { codex: { extra_args: ['--profile', 'deep'] } } }),
    });
    defer(() => repo.cleanup());
    const script = (name: string) => {
      const path = join(repo.home, `${name}.sh`);
      writeFileSync(path, `#!/bin/sh\nprintf '%s\\n' "$1" >> '${join(repo.home, `${name}.log`)}'\n`);
      chmodSync(path, 0o755);
      return path;
    };
    writeCodexConfig(repo.home, server, [script('base-notify')]);
    // Codex lays ~/.codex/<name>.config.toml over config.toml for --profile <name>.
    writeFileSync(
      join(repo.home, '.codex', 'deep.config.toml'),
      `notify = ${JSON.stringify([script('deep-notify')])}\n`,
    );
    const env = isolatedEnv(repo.home, { OPENAI_API_KEY: FAKE_KEY });

    const r = await runBaton(['run'], { cwd: repo.root, env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(hooksOf(logEvents(repo.root)).map((h) => h.event)).toEqual(['agent-turn-complete']);
    expect(JSON.parse(readFileSync(join(repo.home, 'deep-notify.log'), 'utf8').trim())).toMatchObject({
      type: 'agent-turn-complete',
    });
    expect(existsSync(join(repo.home, 'base-notify.log'))).toBe(false);
  });

  it('retries a run that failed on the API rate limit', async () => {
    agentBin('codex');
    const server = await mock({
      actions: [{ write: { path: OWNED_FILE, content: 'hello after a pause\n' } }],
      finalText: 'Done.',
      rateLimitFirst: 1,
    });
    const repo = projectFor('codex', {
      'baton.config.json': JSON.stringify({ retry: { attempts: 2, initial_delay_s: 0.1, factor: 2 } }),
    });
    defer(() => repo.cleanup());
    writeCodexConfig(repo.home, server);
    const env = isolatedEnv(repo.home, { OPENAI_API_KEY: FAKE_KEY });

    const r = await runBaton(['run'], { cwd: repo.root, env });
    expect(r.code).toBe(0);
    const events = logEvents(repo.root);
    const starts = events.filter((e) => e.type === 'feature.started' && e.feature_id === FEATURE);
    expect(starts).toHaveLength(2);
    expect(endedOf(events)).toEqual([expect.objectContaining({ status: 'complete' })]);
    maybeCaptureFixture('codex-exec-rate-limited-then-ok.jsonl', repo.root);
  });
});
