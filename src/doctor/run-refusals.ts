/**
 * What `baton run` would refuse because of the config, said by `baton doctor` beforehand with the very
 * rules run applies: a `base` that is no commit or is a Baton branch, a worktrees folder inside the repository (or at git's
 * or Baton's own folder), tmux missing
 * for an interactive run, a queue whose Redis does not answer.
 */

import { batonBaseRefusal } from '../clean/base.js';
import type { Config } from '../config-schema.js';
import { UserError } from '../errors.js';
import { resolveCommit } from '../git/git.js';
import type { Plan } from '../graph/types.js';
import { interactiveSource, noTmuxError } from '../interactive/needs-tmux.js';
import { tmuxInstalled } from '../interactive/tmux.js';
import { redactUrl } from '../queue/names.js';
import { queueSetting } from '../queue/setting.js';
import { badBaseError } from '../runner/delivered.js';
import { checkWorktreesFolder, worktreesInSuperproject } from '../runner/worktrees-folder.js';
import { check, type DoctorCheck } from './check.js';

/** The config's settings every run refuses (a bad `base`: no commit, or a Baton branch; a worktrees folder where none may be), first first. */
export async function configRefusals(root: string, config: Config): Promise<UserError[]> {
  const refusals: UserError[] = [];
  if (config.base !== undefined && !(await resolveCommit(root, config.base))) {
    refusals.push(await badBaseError(root, undefined, config));
  } else {
    // A base that is a Baton branch: refused by run's preflight (and integrate) by the same rule.
    const batonBase = await batonBaseRefusal(root, undefined, config, 'run');
    if (batonBase) refusals.push(batonBase);
  }
  const inside = await checkWorktreesFolder(root, config).then(
    () => undefined,
    (err: unknown) => {
      if (err instanceof UserError) return err;
      throw err;
    },
  );
  if (inside) refusals.push(inside);
  return refusals;
}

/** A refusal as a failed check's detail: what run does, with the error's code. */
export function refusalDetail(err: UserError): string {
  return `\`baton run\` will refuse it [${err.code}]: ${err.message}`;
}

/**
 * tmux, when the config or a contract makes runs interactive (undefined otherwise): a run without it is
 * refused. `features`: the plan's, or undefined when the contracts cannot be read (then the config alone).
 */
export function checkTmux(
  features: Plan['features'] | undefined,
  config: Config,
  env: NodeJS.ProcessEnv,
): DoctorCheck | undefined {
  const enabled = { flag: false, config: config.interactive?.enabled ?? false, file: config.file };
  const source = features
    ? interactiveSource(features, enabled)
    : enabled.config
      ? ({ kind: 'config', file: config.file } as const)
      : undefined;
  if (!source) return undefined;
  if (tmuxInstalled(env)) return check('tmux', 'ok', 'installed (interactive runs need it)');
  const err = noTmuxError(source);
  return check('tmux', 'fail', refusalDetail(err), err.hint);
}

/**
 * The queue a run without --queue uses (the config's `queue`, else BATON_QUEUE), when there is one:
 * Redis must answer there, or the run is refused. Redis is loaded only then.
 */
export async function checkQueue(config: Config, env: NodeJS.ProcessEnv): Promise<DoctorCheck | undefined> {
  const queue = queueSetting(undefined, config, env);
  if (!queue) return undefined;
  const { connectRedis } = await import('../queue/connection.js');
  try {
    const redis = await connectRedis(queue.url, 'baton-doctor', 0, queue.from);
    redis.disconnect();
    return check('queue', 'ok', `Redis at ${redactUrl(queue.url)} answers (${queue.from})`);
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    return check('queue', 'fail', refusalDetail(err), err.hint);
  }
}

/** A warning when the worktrees folder shows in a superproject's checkout (`worktreesInSuperproject`); undefined otherwise. */
export async function checkSuperprojectWorktrees(
  root: string,
  config: Config,
): Promise<DoctorCheck | undefined> {
  const words = await worktreesInSuperproject(root, config);
  return words === undefined ? undefined : check('worktrees folder', 'warn', words);
}
