/**
 * Whether a run needs tmux, and what made it so: `--interactive`, the config's `interactive`, or a
 * contract's own `interactive: true`. `baton run` refuses without tmux and `baton doctor` says so
 * beforehand, both from these functions, each naming the setting the user can change.
 */
import { configFileName } from '../config-files.js';
import { UserError } from '../errors.js';
import { escapeControl } from '../text/escape.js';
import { tmuxInstalled } from './tmux.js';

/** What makes a run interactive: the flag, the config file, or a feature's contract. */
export type InteractiveSource =
  | { kind: 'flag' }
  | { kind: 'config'; file: string | undefined }
  | { kind: 'contract'; feature: string };

/**
 * Why any of `features` would run in a tmux window, or undefined when none would: a contract's own
 * `interactive` wins over the run's default (`enabled`: `--interactive` given, or the config's).
 */
export function interactiveSource(
  features: readonly { feature_id: string; interactive?: boolean | undefined }[],
  enabled: { flag: boolean; config: boolean; file: string | undefined },
): InteractiveSource | undefined {
  const first = features.find((f) => f.interactive ?? (enabled.flag || enabled.config));
  if (!first) return undefined;
  if (first.interactive === true) return { kind: 'contract', feature: first.feature_id };
  return enabled.flag ? { kind: 'flag' } : { kind: 'config', file: enabled.file };
}

const INSTALL = 'Install it (Debian/Ubuntu: sudo apt-get install tmux; macOS: brew install tmux)';

/** The refusal of a run that needs tmux without it, naming what asked for tmux and how to undo it. */
export function noTmuxError(source: InteractiveSource): UserError {
  const missing = 'and tmux is not installed';
  if (source.kind === 'contract') {
    const id = escapeControl(source.feature);
    return new UserError(
      'interactive/no-tmux',
      `feature ${id}'s contract sets \`interactive: true\`, which runs its agent in a tmux window, ${missing}`,
      { hint: `${INSTALL}, or remove \`interactive: true\` from ${id}'s contract.` },
    );
  }
  if (source.kind === 'config') {
    const file = configFileName(source.file);
    return new UserError(
      'interactive/no-tmux',
      `\`interactive\` in ${file} runs each agent in a tmux window, ${missing}`,
      { hint: `${INSTALL}, or turn \`interactive\` off in ${file}.` },
    );
  }
  return new UserError('interactive/no-tmux', `--interactive runs each agent in a tmux window, ${missing}`, {
    hint: `${INSTALL}, or run without --interactive.`,
  });
}

/** Throws `noTmuxError` when something makes the run interactive and tmux is missing. */
export function assertTmuxFor(source: InteractiveSource | undefined, env: NodeJS.ProcessEnv): void {
  if (source && !tmuxInstalled(env)) throw noTmuxError(source);
}
