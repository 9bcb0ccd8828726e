/**
 * Claude Code's own config dir for one run (`CLAUDE_CONFIG_DIR`): links to what Claude reads from the
 * user's, and a private copy of the user's global config, which Claude rewrites on every start
 * (https://docs.anthropic.com/en/docs/claude-code/settings).
 */
import { existsSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { entriesOf, linkEntries, makePrivateDir, readUserConfig, writePrivateFile } from './agent-home.js';

/**
 * What Claude reads from the user's config dir, linked (never copied) into its own config dir for
 * the run. Not linked, so written in the run's own dir: `projects/` (transcripts), `todos/`,
 * `shell-snapshots/`, `session-env/`, `file-history/`, `debug/`, `statsig/`, `history.jsonl`, backups.
 */
export const CLAUDE_LINKED_ENTRIES = [
  'settings.json',
  'CLAUDE.md',
  'agents',
  'commands',
  'skills',
  'output-styles',
  'rules',
  'hooks',
  'plugins',
  'keybindings.json',
] as const;

/** The user's Claude config dir (`$CLAUDE_CONFIG_DIR`, else `~/.claude`) and global config file. */
export function claudeUserPaths(env: NodeJS.ProcessEnv): { configDir: string; globalConfig: string } {
  const home = env.HOME || homedir();
  const configDir = env.CLAUDE_CONFIG_DIR || join(home, '.claude');
  // Claude prefers a legacy `.config.json` in the config dir when there is one.
  const legacy = join(configDir, '.config.json');
  if (existsSync(legacy)) return { configDir, globalConfig: legacy };
  return { configDir, globalConfig: join(env.CLAUDE_CONFIG_DIR || home, '.claude.json') };
}

/**
 * Builds Claude's config dir for one run in `shadowDir`: links to what it reads, and a private copy
 * (0600) of the global config (`~/.claude.json`: onboarding, trusted folders, user-scope MCP
 * servers), which Claude rewrites on every start. Returns the copies to remove when Claude ends
 * (with `removeClaudeBackups`).
 */
export function writeClaudeHome(env: NodeJS.ProcessEnv, shadowDir: string): string[] {
  const user = claudeUserPaths(env);
  makePrivateDir(shadowDir);
  linkEntries(user.configDir, shadowDir, CLAUDE_LINKED_ENTRIES);
  const text = readUserConfig(user.globalConfig, 'Claude Code');
  if (text === undefined) return [];
  const copy = join(shadowDir, user.globalConfig.endsWith('.config.json') ? '.config.json' : '.claude.json');
  writePrivateFile(copy, text);
  return [copy];
}

/**
 * Removes the backups Claude made of the config copies as it started (`backups/.claude.json.backup.<ms>`
 * in the run's config dir; older Claudes kept them beside the file): the same text, MCP tokens included.
 */
export function removeClaudeBackups(copies: readonly string[]): void {
  for (const copy of copies) {
    const prefix = `${basename(copy)}.backup`;
    for (const dir of [join(dirname(copy), 'backups'), dirname(copy)]) {
      for (const name of entriesOf(dir)) {
        if (name.startsWith(prefix)) rmSync(join(dir, name), { recursive: true, force: true });
      }
    }
  }
}
