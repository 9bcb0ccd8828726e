import type { Command } from 'commander';
import { UserError } from '../errors.js';
import { escapeControl } from '../text/escape.js';

/**
 * The output format asked for by `--json` and `--format` (lowercased): json with `--json`, else
 * `--format`'s. Both given, naming different formats, is a usage error (`<command>/two-formats`):
 * neither is silently preferred. The caller checks that the format is one it writes.
 */
export function askedFormat(flags: { format: string; json?: boolean }, command: Command): string {
  const asked = flags.format.toLowerCase();
  if (flags.json && command.getOptionValueSource('format') === 'cli' && asked !== 'json') {
    throw new UserError(
      `${command.name()}/two-formats`,
      `--json asks for json, --format for ${escapeControl(asked)}`,
      { hint: 'Give one of them.', exitCode: 2 },
    );
  }
  return flags.json ? 'json' : asked;
}
