import { createHash } from 'node:crypto';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BatonEvent, HookEvent } from '../../src/log/events.js';
import { runBaton } from '../rig/cli.js';
import {
  agentBin,
  deferAfterEach,
  FAKE_KEY,
  FEATURE,
  filesContaining,
  isolatedEnv,
  logEvents,
  OWNED_FILE,
  projectFor,
} from './agent-rig.js';
import { startAnthropicMock } from './mock-servers/anthropic.js';
import { startGeminiMock } from './mock-servers/gemini.js';
import { startChatMock } from './mock-servers/openai-chat.js';
import { startResponsesMock } from './mock-servers/openai-responses.js';
import type { MockScript, MockServer } from './mock-servers/server.js';

const defer = deferAfterEach();

/** Every entry under `dir`: its path, type and mode, and its content's hash or its link target. */
function hashTree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const full = join(d, name);
      const st = lstatSync(full);
      const rel = relative(dir, full);
      const mode = st.mode.toString(8);
      if (st.isSymbolicLink()) out.push(`${rel} ${mode} -> ${readlinkSync(full)}`);
      else if (st.isDirectory()) {
        out.push(`${rel}/ ${mode}`);
        walk(full);
      } else out.push(`${rel} ${mode} ${createHash('sha256').update(readFileSync(full)).digest('hex')}`);
    }
  };
  walk(dir);
  return out;
}

function writeFiles(root: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
}

/**
 * Watches the run's scratch folders while Baton runs: the mode of every file named in `names` seen
 * there (copies of the user's config), so the test can tell they were 0600 while the agent ran.
 */
function watchCopies(root: string, names: readonly string[]): { modes: Map<string, number>; stop(): void } {
  const modes = new Map<string, number>();
  const look = (d: string) => {
    if (!existsSync(d)) return;
    for (const name of readdirSync(d)) {
      const full = join(d, name);
      const st = lstatSync(full, { throwIfNoEntry: false });
      if (st?.isDirectory()) look(full);
      else if (st?.isFile() && names.includes(name)) modes.set(name, st.mode & 0o777);
    }
  };
  const timer = setInterval(() => look(join(root, '.baton', 'runs')), 25);
  return { modes, stop: () => clearInterval(timer) };
}

/** Paths under the run folders whose name is one of `names`, after the run. */
function leftOver(root: string, names: readonly string[]): string[] {
  const hits: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const full = join(d, name);
      const st = lstatSync(full);
      if (st.isDirectory()) walk(full);
      else if (names.includes(name)) hits.push(full);
    }
  };
  walk(join(root, '.baton', 'runs'));
  return hits;
}

const hooksOf = (events: BatonEvent[]) =>
  events.filter((e): e is HookEvent => e.type === 'hook' && e.feature_id === FEATURE).map((h) => h.event);

interface Case {
  agent: 'claude' | 'codex' | 'gemini' | 'opencode';
  start: (script: MockScript) => Promise<MockServer>;
  /** The user's agent home as they left it: history, temp files, settings that turn hooks off. */
  home: (server: MockServer) => Record<string, string>;
  env: (server: MockServer) => Record<string, string>;
  /** The config copies Baton writes for the run (0600 while it runs, gone after). */
  copies: string[];
  /** Baton's completion hooks, or [] where the exit is the documented signal. */
  hooks: string[];
  /** What the model must have been sent: read from a file the user's config names relative to its folder, a skill of the user's. */
  sent?: string[];
  /** A token in the user's config that no file under `.baton/` may hold once the run is over. */
  secret?: string;
}

const CASES: Case[] = [
  {
    agent: 'claude',
    start: startAnthropicMock,
    home: () => ({
      '.claude/settings.json': JSON.stringify({ disableAllHooks: true }),
      '.claude/history.jsonl': '{"display":"an old prompt","project":"/old"}\n',
      '.claude/projects/-old/0000.jsonl': '{"type":"user"}\n',
      '.claude/todos/old.json': '[]',
      '.claude.json': JSON.stringify({
        numStartups: 3,
        hasCompletedOnboarding: true,
        userID: 'u-1',
        // A user-scope MCP server with its token: Claude backs this file up as it starts.
        mcpServers: {
          tracker: {
            type: 'http',
            url: 'https://mcp.example.invalid',
            headers: { Authorization: 'Bearer mcp-secret' },
          },
        },
      }),
    }),
    env: (s) => ({ ANTHROPIC_BASE_URL: s.url, ANTHROPIC_API_KEY: FAKE_KEY }),
    copies: ['claude-settings.json', '.claude.json'],
    hooks: ['stop', 'session-end'],
    secret: 'mcp-secret',
  },
  {
    agent: 'codex',
    start: startResponsesMock,
    home: (s) => ({
      '.codex/config.toml': [
        'model = "mock-model"',
        'model_provider = "mock"',
        // A path relative to the config's own folder, as Codex resolves it.
        'model_instructions_file = "my-instructions.md"',
        // A notifier carrying a token: Baton's copy of it must be private and short-lived.
        'notify = ["/bin/true", "--token=Bearer notify-secret"]',
        '',
        '[model_providers.mock]',
        'name = "Mock"',
        `base_url = "${s.url}/v1"`,
        'wire_api = "responses"',
        'env_key = "OPENAI_API_KEY"',
        'request_max_retries = 0',
        'stream_max_retries = 0',
        '',
      ].join('\n'),
      '.codex/history.jsonl': '{"session_id":"old","ts":1,"text":"an old prompt"}\n',
      '.codex/sessions/2026/01/01/rollout-old.jsonl': '{"type":"session_meta"}\n',
      '.codex/AGENTS.md': '# my rules\n',
      '.codex/my-instructions.md': 'You are a careful engineer.\n',
      // A skill of the user's: Codex finds it, and its own system skills land in the run's home.
      '.codex/skills/my-skill/SKILL.md':
        '---\nname: my-skill\ndescription: A skill of mine.\n---\nBe brief.\n',
    }),
    env: () => ({ OPENAI_API_KEY: FAKE_KEY }),
    copies: ['codex-notify.json'],
    hooks: ['agent-turn-complete'],
    secret: 'notify-secret',
    sent: ['You are a careful engineer.', 'A skill of mine.'],
  },
  {
    agent: 'gemini',
    start: startGeminiMock,
    home: () => ({
      '.gemini/settings.json': `{
  // hooks off, as Gemini documents
  "hooksConfig": { "enabled": false },
  "security": { "auth": { "selectedType": "gemini-api-key" } },
  "general": { "maxAttempts": 1, "enableAutoUpdate": false, "enableAutoUpdateNotification": false },
  "privacy": { "usageStatisticsEnabled": false }
}
`,
      '.gemini/oauth_creds.json': '{}',
      '.gemini/GEMINI.md': '# my memory\n',
      '.gemini/projects.json': '{"projects":{}}',
      '.gemini/tmp/old/chats/session-old.jsonl': '{"type":"user"}\n',
      '.gemini/history/old/.project_root': '/old\n',
    }),
    env: (s) => ({ GEMINI_API_KEY: FAKE_KEY, GOOGLE_GEMINI_BASE_URL: s.url }),
    copies: ['settings.json'],
    hooks: ['stop', 'session-end'],
  },
  {
    agent: 'opencode',
    start: startChatMock,
    home: (s) => ({
      '.config/opencode/opencode.json': JSON.stringify({
        autoupdate: false,
        share: 'disabled',
        model: 'mock/mock-model',
        provider: {
          mock: {
            npm: '@ai-sdk/openai-compatible',
            name: 'Mock',
            // A file named relative to the config's own folder, as OpenCode resolves it.
            options: { baseURL: `${s.url}/v1`, apiKey: '{file:./mock-key.txt}' },
            models: { 'mock-model': { name: 'Mock' } },
          },
        },
      }),
      '.config/opencode/mock-key.txt': FAKE_KEY,
      '.local/share/opencode/auth.json': '{}',
      '.local/share/opencode/storage/session/old.json': '{}',
      '.local/state/opencode/prompt-history.jsonl': '{"input":"an old prompt"}\n',
    }),
    env: () => ({}),
    copies: ['opencode.json'],
    hooks: [],
    sent: [`Bearer ${FAKE_KEY}`],
  },
];

describe('the user’s agent home is never written, and Baton’s completion hooks stay armed', () => {
  it.each(CASES)(
    '$agent',
    async (c) => {
      agentBin(c.agent);
      const server = await c.start({
        actions: [{ write: { path: OWNED_FILE, content: `hello from ${c.agent}\n` } }],
        finalText: 'Wrote the greeting.',
      });
      defer(() => server.close());
      const repo = projectFor(c.agent);
      defer(() => repo.cleanup());
      writeFiles(repo.home, c.home(server));
      // The agents' temp files go beside the home, not in it: the home is hashed whole.
      const tmp = join(repo.root, '..', 'tmp');
      mkdirSync(tmp, { recursive: true });
      const env = isolatedEnv(repo.home, { ...c.env(server), TMPDIR: tmp });
      // OpenCode keeps a download cache (provider packages) in XDG_CACHE_HOME, which is not its home.
      env.XDG_CACHE_HOME = join(repo.root, '..', 'cache');
      const before = hashTree(repo.home);

      const watch = watchCopies(repo.root, c.copies);
      const r = await runBaton(['run'], { cwd: repo.root, env }).finally(() => watch.stop());
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);

      expect(hashTree(repo.home)).toEqual(before);
      const events = logEvents(repo.root);
      expect(events.filter((e) => e.type === 'feature.ended' && e.feature_id === FEATURE)).toEqual([
        expect.objectContaining({ status: 'complete' }),
      ]);
      expect(hooksOf(events)).toEqual(c.hooks);
      for (const sent of c.sent ?? []) expect(JSON.stringify(server.requests)).toContain(sent);
      expect(repo.git('show', `baton/${FEATURE}:${OWNED_FILE}`)).toBe(`hello from ${c.agent}`);
      // Every copy was seen while the agent ran, private, and none is left.
      expect(Object.fromEntries(watch.modes)).toEqual(Object.fromEntries(c.copies.map((n) => [n, 0o600])));
      expect(leftOver(repo.root, c.copies)).toEqual([]);
      if (c.secret) expect(filesContaining(join(repo.root, '.baton'), c.secret)).toEqual([]);
    },
    180_000,
  );
});

interface ConfiguredHomeCase {
  agent: 'claude' | 'codex' | 'gemini' | 'opencode';
  /** The variables the case sets, when not the agent's home variable. */
  label?: string;
  start: (script: MockScript) => Promise<MockServer>;
  /** The user's homes: the default one and the one the config's `env` names, under the test's home. */
  home: (server: MockServer, home: string) => Record<string, string>;
  env: (server: MockServer) => Record<string, string>;
  /** `agents.<agent>.env` in the config: the agent home Baton's agents are to use. */
  configEnv: (home: string) => Record<string, string>;
  hooks: string[];
  /** What proves the configured home's settings were the ones used. */
  used: (server: MockServer, home: string) => void;
}

const oauth = (token: string) =>
  JSON.stringify({
    claudeAiOauth: {
      accessToken: `sk-ant-oat01-${token}`,
      refreshToken: `r-${token}`,
      expiresAt: 4102444800000,
      scopes: ['user:inference', 'user:profile'],
      subscriptionType: 'max',
    },
  });

const CONFIGURED_HOMES: ConfiguredHomeCase[] = [
  {
    agent: 'claude',
    start: startAnthropicMock,
    home: () => ({
      '.claude/.credentials.json': oauth('PERSONAL'),
      '.claude-work/.credentials.json': oauth('WORK'),
      '.claude-work/.claude.json': JSON.stringify({ hasCompletedOnboarding: true }),
      '.claude-work/history.jsonl': '{"display":"an old prompt","project":"/old"}\n',
    }),
    env: (s) => ({ ANTHROPIC_BASE_URL: s.url }),
    configEnv: (home) => ({ CLAUDE_CONFIG_DIR: join(home, '.claude-work') }),
    hooks: ['stop', 'session-end'],
    used: (s) => {
      const sent = s.requests
        .filter((r) => r.path.startsWith('/v1/messages'))
        .map((r) => r.headers.authorization);
      expect(sent.length).toBeGreaterThan(0);
      expect(new Set(sent)).toEqual(new Set(['Bearer sk-ant-oat01-WORK']));
    },
  },
  {
    agent: 'codex',
    start: startResponsesMock,
    home: (s, home) => {
      const notify = (who: string) =>
        `notify = ["sh", "-c", "echo ${who} >> ${join(home, '..', 'notified')}"]`;
      const toml = (who: string) =>
        [
          'model = "mock-model"',
          'model_provider = "mock"',
          notify(who),
          '[model_providers.mock]',
          'name = "Mock"',
          `base_url = "${s.url}/v1"`,
          'wire_api = "responses"',
          'env_key = "OPENAI_API_KEY"',
          'request_max_retries = 0',
          'stream_max_retries = 0',
          '',
        ].join('\n');
      return { '.codex/config.toml': toml('PERSONAL'), 'codex-work/config.toml': toml('WORK') };
    },
    env: () => ({ OPENAI_API_KEY: FAKE_KEY }),
    configEnv: (home) => ({ CODEX_HOME: join(home, 'codex-work') }),
    hooks: ['agent-turn-complete'],
    used: (_s, home) => expect(readFileSync(join(home, '..', 'notified'), 'utf8')).toBe('WORK\n'),
  },
  {
    agent: 'gemini',
    start: startGeminiMock,
    home: () => ({
      'gemini-work/.gemini/settings.json': JSON.stringify({
        security: { auth: { selectedType: 'gemini-api-key' } },
        general: { maxAttempts: 1, enableAutoUpdate: false, enableAutoUpdateNotification: false },
        privacy: { usageStatisticsEnabled: false },
      }),
      'gemini-work/.gemini/GEMINI.md': 'Work memory: be terse.\n',
    }),
    env: (s) => ({ GEMINI_API_KEY: FAKE_KEY, GOOGLE_GEMINI_BASE_URL: s.url }),
    configEnv: (home) => ({ GEMINI_CLI_HOME: join(home, 'gemini-work') }),
    hooks: ['stop', 'session-end'],
    used: (s) => expect(JSON.stringify(s.requests)).toContain('Work memory: be terse.'),
  },
  {
    // One OpenCode run for its three variables (each run costs about 8 s of CPU): the config folder
    // (XDG_CONFIG_HOME) gives the provider and a header, the file OPENCODE_CONFIG names gives the key
    // from a file beside it, and OPENCODE_CONFIG_DIR one more setting. OpenCode merges all three.
    agent: 'opencode',
    label: 'XDG_CONFIG_HOME, OPENCODE_CONFIG, OPENCODE_CONFIG_DIR',
    start: startChatMock,
    home: (s) => ({
      'work-config/opencode/opencode.json': JSON.stringify({
        autoupdate: false,
        model: 'mock/mock-model',
        provider: {
          mock: {
            npm: '@ai-sdk/openai-compatible',
            name: 'Mock',
            options: { baseURL: `${s.url}/v1`, apiKey: 'work-key', headers: { 'x-config': 'work-config' } },
            models: { 'mock-model': { name: 'Mock' } },
          },
        },
      }),
      'dotfiles/opencode.json': JSON.stringify({
        // A file named relative to the config's own folder.
        provider: { mock: { options: { apiKey: '{file:./key.txt}' } } },
      }),
      'dotfiles/key.txt': 'dotfiles-key',
      'dotfiles/opencode-dir/opencode.json': JSON.stringify({ share: 'disabled' }),
    }),
    env: () => ({}),
    configEnv: (home) => ({
      XDG_CONFIG_HOME: join(home, 'work-config'),
      OPENCODE_CONFIG: join(home, 'dotfiles', 'opencode.json'),
      OPENCODE_CONFIG_DIR: join(home, 'dotfiles', 'opencode-dir'),
    }),
    hooks: [],
    used: (s) => {
      expect(JSON.stringify(s.requests)).toContain('Bearer dotfiles-key');
      expect(s.requests.some((q) => q.headers['x-config'] === 'work-config')).toBe(true);
    },
  },
];

describe('an agent home named in agents.<name>.env is the one read, and it is not written either', () => {
  it.each(CONFIGURED_HOMES)(
    '$agent $label',
    async (c) => {
      agentBin(c.agent);
      const server = await c.start({
        actions: [{ write: { path: OWNED_FILE, content: `hello from ${c.agent}\n` } }],
        finalText: 'Wrote the greeting.',
      });
      defer(() => server.close());
      const repo = projectFor(c.agent);
      defer(() => repo.cleanup());
      repo.write({
        'baton.config.json': JSON.stringify({ agents: { [c.agent]: { env: c.configEnv(repo.home) } } }),
      });
      repo.git('add', '-A');
      repo.git('commit', '-q', '-m', 'config');
      writeFiles(repo.home, c.home(server, repo.home));
      const tmp = join(repo.root, '..', 'tmp');
      mkdirSync(tmp, { recursive: true });
      const env = isolatedEnv(repo.home, { ...c.env(server), TMPDIR: tmp });
      env.XDG_CACHE_HOME = join(repo.root, '..', 'cache');
      const before = hashTree(repo.home);

      const r = await runBaton(['run'], { cwd: repo.root, env });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);

      expect(hashTree(repo.home)).toEqual(before);
      expect(hooksOf(logEvents(repo.root))).toEqual(c.hooks);
      c.used(server, repo.home);
      expect(repo.git('show', `baton/${FEATURE}:${OWNED_FILE}`)).toBe(`hello from ${c.agent}`);
    },
    180_000,
  );
});
