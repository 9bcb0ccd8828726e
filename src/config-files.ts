import { basename } from 'node:path';

/** The names a configuration file may have at the repository root, in the order they are looked for (no yaml loaded here). */
export const CONFIG_FILES = ['baton.config.json', 'baton.yaml', 'baton.yml'] as const;

/** The config file's name for a message (`baton.yaml`), or `the config` when none was read. */
export function configFileName(file: string | undefined): string {
  return file === undefined ? 'the config' : basename(file);
}
