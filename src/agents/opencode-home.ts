/**
 * OpenCode's own home for one run, and the project's config kept as the agent found it.
 *
 * OpenCode finds its config, data and state through the XDG folders, and more config through
 * `OPENCODE_CONFIG` (a file) and `OPENCODE_CONFIG_DIR` (a folder): https://opencode.ai/docs/config/.
 * Every config file it loads from a path without a `$schema` it rewrites as it starts, with `"$schema":
 * "https://opencode.ai/config.json"` added (observed with OpenCode 1.18.33), and in a config folder it
 * installs its plugin package (`package.json`, `node_modules/`, …). So Baton gives it folders of the
 * run's own: each mirrors the user's (a link per entry, so a file the config names relative to its
 * folder is found, and other programs the agent runs still find theirs), with the config files as
 * private copies and OpenCode's installs kept in the run's folder. The project's own config, in the
 * worktree, cannot be moved; what OpenCode adds to it is taken back once it ends (`keepProjectConfig`).
 */
import { homedir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { readRegular } from '../open-regular.js';
import { StatePathRefused, writeStateFile } from '../state-write.js';
import {
  linkEntries,
  makePrivateDir,
  mirrorEntries,
  readUserConfig,
  writePrivateFile,
} from './agent-home.js';

/**
 * What OpenCode reads from its folder in the XDG data and state folders, linked (never copied) for
 * the run; the rest of those folders is what OpenCode writes (sessions, logs, snapshots, state).
 */
export const OPENCODE_LINKED_DATA = {
  data: ['auth.json', 'mcp-auth.json'],
  state: [],
} as const;

/**
 * What OpenCode writes in a config folder (the plugin installs it lists in the `.gitignore` it puts
 * there), so kept in the run's own: everything else of the user's config folder is linked, so a file
 * the config names relative to its folder (`{file:./key.txt}`) is found as outside Baton.
 */
export const OPENCODE_OWN_CONFIG_ENTRIES = [
  'node_modules',
  'package.json',
  'package-lock.json',
  'bun.lock',
  'bun.lockb',
  '.gitignore',
] as const;

/**
 * OpenCode's config files in its XDG config folder, copied (0600, removed when it ends) rather than
 * linked: OpenCode rewrites a config file as it starts (it adds `$schema`), which through a link would
 * edit the user's.
 */
export const OPENCODE_COPIED_CONFIG = ['opencode.json', 'opencode.jsonc', 'config.json', 'tui.json'] as const;

/** The config files OpenCode reads in `OPENCODE_CONFIG_DIR` and in a project's `.opencode/`. */
const OPENCODE_FOLDER_CONFIG = ['opencode.json', 'opencode.jsonc'] as const;

/** The user's XDG base folders, as OpenCode resolves them. */
function userXdg(env: NodeJS.ProcessEnv): Record<'config' | keyof typeof OPENCODE_LINKED_DATA, string> {
  const home = env.HOME || homedir();
  return {
    config: env.XDG_CONFIG_HOME || join(home, '.config'),
    data: env.XDG_DATA_HOME || join(home, '.local', 'share'),
    state: env.XDG_STATE_HOME || join(home, '.local', 'state'),
  };
}

/**
 * Mirrors the user's config folder `real` into `shadow`: a link per entry but OpenCode's installs and
 * the `copied` config files, which get private copies. Returns the copies.
 */
function shadowConfigFolder(real: string, shadow: string, copied: readonly string[]): string[] {
  mirrorEntries(real, shadow, [...copied, ...OPENCODE_OWN_CONFIG_ENTRIES]);
  const copies: string[] = [];
  for (const name of copied) {
    const text = readUserConfig(join(real, name), 'OpenCode');
    if (text === undefined) continue;
    const copy = join(shadow, name);
    writePrivateFile(copy, text);
    copies.push(copy);
  }
  return copies;
}

/**
 * Builds OpenCode's folders for one run under `shadowRoot` from the user's (`env`: the environment the
 * agent gets; `cwd`: where OpenCode resolves a relative `OPENCODE_CONFIG`); returns the variables that
 * point at them and the config copies to remove when OpenCode ends. Safe to call again for a retry.
 */
export function writeOpenCodeHome(
  env: NodeJS.ProcessEnv,
  shadowRoot: string,
  cwd = process.cwd(),
): { vars: Record<string, string>; copies: string[] } {
  const user = userXdg(env);
  makePrivateDir(shadowRoot);
  const vars: Record<string, string> = {};
  const copies: string[] = [];
  for (const kind of ['config', 'data', 'state'] as const) {
    const shadow = join(shadowRoot, kind);
    mirrorEntries(user[kind], shadow, ['opencode']);
    const own = join(user[kind], 'opencode');
    if (kind === 'config')
      copies.push(...shadowConfigFolder(own, join(shadow, 'opencode'), OPENCODE_COPIED_CONFIG));
    else linkEntries(own, join(shadow, 'opencode'), OPENCODE_LINKED_DATA[kind]);
    vars[`XDG_${kind.toUpperCase()}_HOME`] = shadow;
  }
  if (env.OPENCODE_CONFIG_DIR) {
    const shadow = join(shadowRoot, 'config-dir');
    copies.push(...shadowConfigFolder(resolve(cwd, env.OPENCODE_CONFIG_DIR), shadow, OPENCODE_FOLDER_CONFIG));
    vars.OPENCODE_CONFIG_DIR = shadow;
  }
  if (env.OPENCODE_CONFIG) {
    // The file's folder is mirrored too: the config may name files beside it (`{file:./key.txt}`).
    const file = resolve(cwd, env.OPENCODE_CONFIG);
    const shadow = join(shadowRoot, 'config-file');
    const copied = shadowConfigFolder(dirname(file), shadow, [basename(file)]);
    copies.push(...copied);
    if (copied.length > 0) vars.OPENCODE_CONFIG = join(shadow, basename(file));
  }
  return { vars, copies };
}

/** The project's own config files, where OpenCode reads them in the worktree it runs in. */
export const OPENCODE_PROJECT_CONFIG = [
  'opencode.json',
  'opencode.jsonc',
  ...OPENCODE_FOLDER_CONFIG.map((name) => `.opencode/${name}`),
] as const;

/** The `$schema` member OpenCode inserts, and where: right after the text's opening brace, any blank before it dropped. */
const OPENCODE_SCHEMA_LINE = '{\n  "$schema": "https://opencode.ai/config.json",';

/**
 * Whether `after` is `before` with only the `$schema` OpenCode adds as it loads a config file that has
 * none (pure): exactly the text it writes (observed in OpenCode 1.18.33:
 * `text.replace(/^\s*\{/, '{\n  "$schema": "https://opencode.ai/config.json",')`), so a comment,
 * a reformatting or any other change the agent made with it makes it false and is kept.
 */
export function onlySchemaAdded(before: string, after: string): boolean {
  return before !== after && after === before.replace(/^\s*\{/, () => OPENCODE_SCHEMA_LINE);
}

/** The text of the regular file at `path`, never through a link (O_NOFOLLOW); undefined when there is none. */
function readConfigText(path: string): string | undefined {
  return readRegular(path)?.toString('utf8');
}

/**
 * Reads the project's OpenCode config files in `worktree` before OpenCode starts; the step returned
 * (run once OpenCode has ended, before Baton commits) puts back each one OpenCode changed only by
 * adding its `$schema`, so the feature's commit does not carry a change nobody asked for. It writes as
 * Baton writes its state (`writeStateFile`): no link followed, no file of several hard links written,
 * no folder on the way a link; such a file is left as it is.
 */
export function keepProjectConfig(worktree: string): () => void {
  const before = new Map<string, string>();
  for (const rel of OPENCODE_PROJECT_CONFIG) {
    const file = join(worktree, rel);
    // A regular file only: a link (to outside the worktree) is not the project's to restore.
    const text = readConfigText(file);
    if (text !== undefined) before.set(file, text);
  }
  return () => {
    for (const [file, text] of before) {
      const now = readConfigText(file);
      if (now === undefined || !onlySchemaAdded(text, now)) continue;
      try {
        writeStateFile(worktree, file, text);
      } catch (err) {
        if (!(err instanceof StatePathRefused)) throw err;
      }
    }
  };
}
