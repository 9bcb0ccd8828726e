/** The names a configuration file may have at the repository root, in the order they are looked for (no yaml loaded here). */
export const CONFIG_FILES = ['baton.config.json', 'baton.yaml', 'baton.yml'] as const;
