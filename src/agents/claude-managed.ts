/**
 * An administrator's managed Claude settings, the one layer above Baton's `--settings`: the base file
 * and its drop-in folder `managed-settings.d/` (`*.json`, merged over it in name order, a later file's
 * key winning), https://docs.anthropic.com/en/docs/claude-code/settings. Baton reads them only to say
 * when they turn Claude's hooks off, so completion must come from the exit.
 */
import { dirname, join } from 'node:path';
import { readRegular } from '../open-regular.js';
import { entriesOf } from './agent-home.js';
import { objectOf } from './agent-output.js';

/** Where an administrator's managed Claude settings live (they override every other layer). */
export const CLAUDE_MANAGED_SETTINGS =
  process.platform === 'darwin'
    ? '/Library/Application Support/ClaudeCode/managed-settings.json'
    : '/etc/claude-code/managed-settings.json';

/** Why Claude's hooks are off for Baton despite its settings layer: a managed policy says so (pure). */
export function claudeHooksOffReason(managed: unknown, file: string): string | undefined {
  const m = objectOf(managed);
  if (m?.disableAllHooks === true) return `Claude's hooks are off (disableAllHooks in ${file})`;
  if (m?.allowManagedHooksOnly === true)
    return `Claude runs only managed hooks (allowManagedHooksOnly in ${file})`;
  return undefined;
}

function readManagedSettings(file: string): Record<string, unknown> | undefined {
  try {
    // A regular file only: a FIFO there would block the run.
    return objectOf(JSON.parse(readRegular(file, { followLinks: true })?.toString('utf8') ?? ''));
  } catch {
    return undefined; // absent or unreadable: Claude ignores it too
  }
}

/** The keys of the managed settings that turn Baton's hooks off. */
const HOOKS_OFF_KEYS = ['disableAllHooks', 'allowManagedHooksOnly'] as const;

/**
 * Why the managed settings at `file` (and the drop-ins of `managed-settings.d/` beside it, in name
 * order, a later one's key winning) turn Claude's hooks off, naming the file that decided; or undefined.
 */
export function claudeManagedHooksOff(file = CLAUDE_MANAGED_SETTINGS): string | undefined {
  const dropIns = join(dirname(file), 'managed-settings.d');
  const layers = [
    file,
    ...entriesOf(dropIns)
      .filter((name) => name.endsWith('.json') && !name.startsWith('.'))
      .sort()
      .map((name) => join(dropIns, name)),
  ];
  const value: Record<string, unknown> = {};
  const from: Record<string, string> = {};
  for (const layer of layers) {
    const settings = readManagedSettings(layer);
    for (const key of HOOKS_OFF_KEYS) {
      if (settings && Object.hasOwn(settings, key)) {
        value[key] = settings[key];
        from[key] = layer;
      }
    }
  }
  for (const key of HOOKS_OFF_KEYS) {
    const reason = claudeHooksOffReason({ [key]: value[key] }, from[key] ?? file);
    if (reason) return reason;
  }
  return undefined;
}
