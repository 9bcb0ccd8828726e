/**
 * How `baton run` decides which agents run in tmux windows: `--interactive`, `--auto-finish` and the
 * config applied, and the mode a resume keeps from the run it goes on with.
 */
import type { Config } from '../config-schema.js';
import { UserError } from '../errors.js';
import { assertTmuxFor, interactiveSource } from '../interactive/needs-tmux.js';
import { findLastRunStart } from '../log/last-run.js';
import type { loadProject } from '../project.js';
import type { RunFlags } from './run.js';

/**
 * Whether the run's agents are interactive unless a contract says otherwise: `--interactive` or
 * `--no-interactive` when given, else the config's `interactive` (an object without `enabled: false` is on).
 */
export function interactiveByDefault(config: Config, flags: Pick<RunFlags, 'interactive'>): boolean {
  return flags.interactive ?? config.interactive?.enabled ?? false;
}

/** `--auto-finish` read (undefined when not given), or a usage error (exit 2). */
export function readAutoFinishFlag(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds < 0) {
    throw new UserError('run/bad-auto-finish', `--auto-finish must be a number of seconds, got "${text}"`, {
      exitCode: 2,
    });
  }
  return seconds;
}

/**
 * The config with `--interactive` / `--no-interactive` / `--auto-finish` applied; refuses, saying how to install tmux,
 * when any selected feature would run interactively without it.
 */
export function interactiveConfig(
  project: Awaited<ReturnType<typeof loadProject>>,
  featureIds: readonly string[],
  flags: RunFlags,
  env: NodeJS.ProcessEnv,
): Config {
  const base = project.config.interactive ?? {
    enabled: false,
    auto_finish_s: 0,
    trust_worktrees: false,
    bell: false,
    notify: false,
  };
  const interactive = {
    ...base,
    enabled: interactiveByDefault(project.config, flags),
    auto_finish_s: readAutoFinishFlag(flags.autoFinish) ?? base.auto_finish_s,
  };
  const config = { ...project.config, interactive };
  if (!flags.dryRun) {
    const features = featureIds.map((id) => ({
      feature_id: id,
      interactive: project.plan.byId.get(id)?.interactive,
    }));
    const enabled = {
      flag: flags.interactive === true,
      config: flags.interactive !== false && base.enabled,
      file: project.config.file,
    };
    assertTmuxFor(interactiveSource(features, enabled), env);
  }
  return config;
}

/**
 * Whether a resume goes on in tmux windows without being told (`--interactive`): the run it resumes
 * was interactive (its `run.started`), and not because contracts of its own said so — none of these
 * features sets `interactive` — so `--interactive` or the config made it so, as it keeps its mode.
 */
export function resumedInteractive(
  project: Awaited<ReturnType<typeof loadProject>>,
  featureIds: readonly string[],
  flags: RunFlags,
  queued: boolean,
): boolean {
  if (!flags.resume || queued || flags.interactive !== undefined) return false;
  if (featureIds.some((id) => project.plan.byId.get(id)?.interactive !== undefined)) return false;
  return findLastRunStart(project.logPath)?.interactive === true;
}
