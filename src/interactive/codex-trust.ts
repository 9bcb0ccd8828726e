/**
 * Codex asks whether to trust every new folder ("Trust this folder?"), and each worktree is a new
 * folder. With the user's consent given once (`interactive.trust_worktrees: true`), Baton records that
 * trust for its own worktree in the run's private copy of Codex's config (`$CODEX_HOME/config.toml`
 * of the agent's environment, removed when Codex ends); without it, the question shows as `needs-input`.
 */
import { lstatSync } from 'node:fs';
import { join } from 'node:path';
import { writePrivateFile } from '../agents/agent-home.js';
import { objectOf } from '../agents/agent-output.js';
import { parseCodexConfig } from '../agents/codex.js';
import { readRegular } from '../open-regular.js';

/** Whether Codex's config text trusts `folder` (pure). */
function trusts(config: Record<string, unknown> | undefined, folder: string): boolean {
  return objectOf(objectOf(config?.projects)?.[folder])?.trust_level === 'trusted';
}

/**
 * The config text with `folder` trusted (pure): the user's text kept as it is (a rewrite would turn
 * `1.0` into `1`), the project's table appended; undefined when the result would not say so (the text
 * is not TOML, or it defines that project or `projects` in a form a table cannot be added to).
 */
export function withCodexTrust(toml: string, folder: string): string | undefined {
  if (trusts(parseCodexConfig(toml), folder)) return toml;
  // A JSON string is a TOML basic string: the same escapes, control characters as \uXXXX.
  const text = `${toml}${toml === '' || toml.endsWith('\n') ? '' : '\n'}\n[projects.${JSON.stringify(folder)}]\ntrust_level = "trusted"\n`;
  return trusts(parseCodexConfig(text), folder) ? text : undefined;
}

/**
 * Records trust for one of Baton's worktree folders in the config of the Codex home `home` (the
 * run's own); false, and nothing written, when that file is a link or not a regular file, or cannot
 * be given the trust (see `withCodexTrust`).
 */
export function recordCodexTrust(home: string, folder: string): boolean {
  const file = join(home, 'config.toml');
  const st = lstatSync(file, { throwIfNoEntry: false });
  if (st && !st.isFile()) return false;
  const text = st ? readRegular(file)?.toString('utf8') : '';
  const trusted = text === undefined ? undefined : withCodexTrust(text, folder);
  if (trusted === undefined) return false;
  if (trusted !== text) writePrivateFile(file, trusted);
  return true;
}

/** Whether a captured Codex screen shows its folder-trust question. */
export function showsCodexTrustDialog(screen: string): boolean {
  return /Trust this folder\?/i.test(screen);
}
