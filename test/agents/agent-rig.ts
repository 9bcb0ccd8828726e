import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach } from 'vitest';
import type { BatonEvent } from '../../src/log/events.js';
import { readLog } from '../../src/log/read.js';
import { contractFiles, type TestContract } from '../rig/contracts.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';
import type { MockScript, MockServer } from './mock-servers/server.js';

/** Where `test-agents/` installs the real agent CLIs (never part of Baton's own install). */
export const AGENT_BIN_DIR = resolve(import.meta.dirname, '..', '..', 'test-agents', 'node_modules', '.bin');

/** A fake API key: it must reach the agent and appear in no file Baton writes. */
export const FAKE_KEY = 'sk-test-123';

/** The path of an installed agent CLI; throws, naming the fix, when it is missing (never skips). */
export function agentBin(name: 'claude' | 'codex' | 'gemini' | 'opencode'): string {
  const file = join(AGENT_BIN_DIR, name);
  if (!existsSync(file)) {
    throw new Error(
      `the ${name} CLI is not installed for the tests (looked for ${file}); run \`cd test-agents && npm install\``,
    );
  }
  return file;
}

/** Variables from the surrounding shell that would point an agent at a real account or server. */
const SCRUBBED = [
  'ANTHROPIC_API_KEY',
  'ANTHROPIC_AUTH_TOKEN',
  'ANTHROPIC_BASE_URL',
  'ANTHROPIC_MODEL',
  'CLAUDE_CONFIG_DIR',
  'CLAUDECODE',
  'CLAUDE_CODE_ENTRYPOINT',
  'OPENAI_API_KEY',
  'OPENAI_BASE_URL',
  'CODEX_HOME',
  'GEMINI_API_KEY',
  'GOOGLE_API_KEY',
  'GOOGLE_GEMINI_BASE_URL',
  'GOOGLE_CLOUD_PROJECT',
  'GOOGLE_GENAI_USE_VERTEXAI',
  'GOOGLE_GENAI_USE_GCA',
  'GEMINI_CLI_HOME',
  'GEMINI_CLI_TRUST_WORKSPACE',
  'OPENCODE_CONFIG',
  'OPENCODE_CONFIG_CONTENT',
  'OPENCODE_CONFIG_DIR',
  'XDG_CONFIG_HOME',
  'XDG_DATA_HOME',
  'XDG_CACHE_HOME',
  'XDG_STATE_HOME',
];

/**
 * An environment that keeps every agent's config in a temp home (so ~/.claude, ~/.codex, ~/.gemini
 * are never touched), finds the test-installed CLIs first on PATH, and turns off telemetry and update
 * checks. `extra` is added on top.
 */
export function isolatedEnv(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  mkdirSync(join(home, 'tmp'), { recursive: true });
  const env: NodeJS.ProcessEnv = {};
  for (const k of SCRUBBED) env[k] = undefined;
  return {
    ...env,
    HOME: home,
    // Agents drop crash reports and caches in the temp folder; keep them in the test's own.
    TMPDIR: join(home, 'tmp'),
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_DATA_HOME: join(home, '.local', 'share'),
    XDG_CACHE_HOME: join(home, '.cache'),
    XDG_STATE_HOME: join(home, '.local', 'state'),
    PATH: `${AGENT_BIN_DIR}:${process.env.PATH ?? ''}`,
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_AUTOUPDATER: '1',
    DISABLE_TELEMETRY: '1',
    DISABLE_ERROR_REPORTING: '1',
    GEMINI_TELEMETRY_ENABLED: 'false',
    // Gemini CLI restarts itself with a bigger heap; one start is enough for a test.
    GEMINI_CLI_NO_RELAUNCH: 'true',
    OPENCODE_DISABLE_AUTOUPDATE: '1',
    OPENCODE_DISABLE_MODELS_FETCH: '1',
    OPENCODE_DISABLE_LSP_DOWNLOAD: '1',
    OPENCODE_DISABLE_SHARE: '1',
    NO_UPDATE_NOTIFIER: '1',
    ...extra,
  };
}

/** The one feature of the agent tests: it owns `src/hello/**` and must write `src/hello/hello.txt`. */
export const FEATURE = 'feature-001-hello';
/** The file the mock model writes through the agent's own tool. */
export const OWNED_FILE = 'src/hello/hello.txt';

/** A temp repo with one contract run by `agent`, plus any extra files (committed). */
export function projectFor(
  agent: TestContract['agent'],
  extra: Record<string, string> = {},
): TempRepo & { home: string } {
  const repo = makeRepo({
    'README.md': '# app\n',
    ...contractFiles([
      { id: FEATURE, title: 'Say hello', owns: ['src/hello/**'], ...(agent ? { agent } : {}) },
    ]),
    ...extra,
  });
  const home = join(repo.root, '..', 'home');
  mkdirSync(home, { recursive: true });
  return { ...repo, home };
}

/** Every event of a repository's log. */
export function logEvents(root: string): BatonEvent[] {
  return readLog(join(root, '.baton', 'log.jsonl')).events as BatonEvent[];
}

/** Files under a folder whose text contains `needle` (for the secret-leak check). */
export function filesContaining(dir: string, needle: string): string[] {
  const hits: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const full = join(d, name);
      const st = lstatSync(full, { throwIfNoEntry: false });
      if (!st) continue;
      if (st.isDirectory()) walk(full);
      else if (st.isFile() && readFileSync(full).includes(needle)) hits.push(full);
    }
  };
  if (existsSync(dir)) walk(dir);
  return hits;
}

/** The agent log of the (only) feature of the last run. */
export function agentLogOf(root: string): string {
  const runs = join(root, '.baton', 'runs');
  const last = readdirSync(runs).sort().at(-1);
  if (!last) throw new Error(`no run under ${runs}`);
  return readFileSync(join(runs, last, FEATURE, 'agent.log'), 'utf8');
}

/** Folder of the captured real-CLI outputs that the parser tests read. */
export const OUTPUT_FIXTURES = resolve(import.meta.dirname, '..', 'fixtures', 'agents', 'output');

/**
 * With BATON_UPDATE_AGENT_FIXTURES=1, keeps a real run's agent output as a fixture for the parser
 * tests (`npx vitest run test/agents` regenerates them all from the installed CLIs).
 */
export function maybeCaptureFixture(name: string, root: string): void {
  if (process.env.BATON_UPDATE_AGENT_FIXTURES !== '1') return;
  mkdirSync(OUTPUT_FIXTURES, { recursive: true });
  writeFileSync(join(OUTPUT_FIXTURES, name), agentLogOf(root));
}

/** Queues undo steps that run after each test, last first; call once at the top of a test file. */
export function deferAfterEach(): (undo: () => unknown) => void {
  const undos: Array<() => unknown> = [];
  afterEach(async () => {
    for (const undo of undos.splice(0).reverse()) await undo();
  });
  return (undo) => {
    undos.push(undo);
  };
}

/** Wraps a mock model server's start function so every server started is closed after its test. */
export function mockStarter(
  start: (script: MockScript) => Promise<MockServer>,
  defer: (undo: () => unknown) => void,
): (script: MockScript) => Promise<MockServer> {
  return async (script) => {
    const server = await start(script);
    defer(() => server.close());
    return server;
  };
}

/**
 * The user's own Codex config in `home` (`.codex/config.toml`, returned): the mock model server as its
 * provider, no retries, and optionally a notify program of the user's.
 */
export function writeCodexConfig(home: string, server: { url: string }, notify?: string[]): string {
  const dir = join(home, '.codex');
  mkdirSync(dir, { recursive: true });
  const lines = [
    'model = "mock-model"',
    'model_provider = "mock"',
    ...(notify ? [`notify = ${JSON.stringify(notify)} # the user's own notifier`] : []),
    '',
    '[model_providers.mock]',
    'name = "Mock"',
    `base_url = "${server.url}/v1"`,
    'wire_api = "responses"',
    'env_key = "OPENAI_API_KEY"',
    'request_max_retries = 0',
    'stream_max_retries = 0',
    '',
  ];
  const file = join(dir, 'config.toml');
  writeFileSync(file, lines.join('\n'), { flag: 'w' });
  return file;
}
