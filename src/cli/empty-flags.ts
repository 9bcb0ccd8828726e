import type { Command, Option } from 'commander';
import { UserError } from '../errors.js';

/**
 * The one rule for an option given an empty value (`--agent ""`, `--base "$BASE"` with BASE unset): a
 * usage error naming it, for every command at once. Taken as given, most would fall back to their
 * default without a word (`flags.agent ? … : config`), so a script would run the config's agent, maybe a
 * paid one, when it meant another, and the dashboard's `--host ""` would bind every interface. Blank
 * means empty or spaces only: no option takes such a value.
 */
export function refuseEmptyOptionValues(command: Command): void {
  for (const option of command.options) {
    if (!option.required && !option.optional) continue;
    const key = option.attributeName();
    if (command.getOptionValueSource(key) !== 'cli') continue;
    const value: unknown = command.getOptionValue(key);
    const values: unknown[] = Array.isArray(value) ? value : [value];
    if (values.some((v) => typeof v === 'string' && v.trim() === '')) throw emptyFlag(command, option);
  }
}

function emptyFlag(command: Command, option: Option): UserError {
  const flag = option.long ?? option.short ?? option.flags;
  const fallback =
    typeof option.defaultValue === 'string' && option.defaultValue !== ''
      ? `its default (${option.defaultValue})`
      : 'its default';
  return new UserError(`${command.name()}/empty-flag`, `${flag} is empty`, {
    exitCode: 2,
    hint: `Give ${flag} a value, or leave it out for ${fallback}. A script's \`${flag} "$VAR"\` passes an empty value when VAR is unset.`,
  });
}
