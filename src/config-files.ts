import { basename } from 'node:path';

/** The names a configuration file may have at the repository root, in the order they are looked for (no yaml loaded here). */
export const CONFIG_FILES = ['baton.config.json', 'baton.yaml', 'baton.yml'] as const;

/**
 * The config file as a message names it: the one read (`file`, a path), else the first name looked for,
 * the one `baton init` writes. A hint never sends a user of baton.yaml to a baton.config.json that would
 * shadow it.
 */
export function configFileName(file: string | undefined): string {
  return file === undefined ? CONFIG_FILES[0] : basename(file);
}
