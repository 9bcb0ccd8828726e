/**
 * Claude Code asks whether to trust every new folder, and each worktree is a new folder. With the
 * user's consent given once (`interactive.trust_worktrees: true` in the config), Baton records that
 * trust for its own worktree folders in the `.claude.json` of the agent's environment (Baton's
 * private copy under `CLAUDE_CONFIG_DIR`); without it, the dialog is shown as `needs-input`.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where Claude Code keeps its global state for this environment. */
export function claudeStateFile(env: NodeJS.ProcessEnv): string | undefined {
  if (env.CLAUDE_CONFIG_DIR) return join(env.CLAUDE_CONFIG_DIR, '.claude.json');
  return env.HOME ? join(env.HOME, '.claude.json') : undefined;
}

/** The state with `folder` marked as trusted, everything else untouched (pure). */
export function withTrustedFolder(state: Record<string, unknown>, folder: string): Record<string, unknown> {
  const projects = (state.projects && typeof state.projects === 'object' ? state.projects : {}) as Record<
    string,
    Record<string, unknown>
  >;
  return {
    ...state,
    projects: { ...projects, [folder]: { ...(projects[folder] ?? {}), hasTrustDialogAccepted: true } },
  };
}

/** Records trust for one of Baton's worktree folders; false when the state file is unreadable. */
export function recordClaudeTrust(env: NodeJS.ProcessEnv, folder: string): boolean {
  const file = claudeStateFile(env);
  if (!file) return false;
  let state: Record<string, unknown> = {};
  if (existsSync(file)) {
    try {
      const parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return false;
      state = parsed as Record<string, unknown>;
    } catch {
      return false; // never overwrite a file we cannot read
    }
  }
  const tmp = `${file}.baton-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(withTrustedFolder(state, folder), null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, file);
  return true;
}

/** Whether a captured Claude Code screen shows its folder-trust question. */
export function showsTrustDialog(screen: string): boolean {
  return /trust (the files in )?this folder|Do you trust/i.test(screen);
}
