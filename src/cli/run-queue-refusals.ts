/**
 * What `baton run` does on this machine and a queued run does not: each refused with `--queue`, naming
 * the flag or the contract or config key, where a queued run would go on without it and exit 0.
 */
import { isBestOfN, planAttempts } from '../attempts/plan.js';
import { configFileName } from '../config-files.js';
import type { Config } from '../config-schema.js';
import type { Contract } from '../contracts/schema.js';
import { UserError } from '../errors.js';
import type { Plan } from '../graph/types.js';
import { portRoomRefusal } from '../runner/port-room.js';
import type { RunFlags } from './run.js';
import { interactiveByDefault } from './run-interactive.js';

/** A usage error (exit 2): `what` does not apply with --queue, because `why`. */
function notWithQueue(code: string, what: string, why: string, leaveOut: string): UserError {
  return new UserError(`run/${code}-queue`, `${what} does not apply with --queue: ${why}`, {
    hint: `${leaveOut}, or run the features here, without --queue.`,
    exitCode: 2,
  });
}

/** A queued feature is one job: one agent, one attempt. */
const ONE_JOB = 'each feature is one job on the queue, one agent and one attempt (no best-of-N)';

/** The flags a queued run does not honour, the first one given; undefined when none is. */
function refusedFlag(flags: RunFlags): UserError | undefined {
  if (flags.restart?.length) {
    return notWithQueue(
      'restart',
      '--restart',
      "`baton run --queue … --resume` re-attaches to the run's jobs on the workers and starts nothing over",
      'Leave out --restart',
    );
  }
  if (flags.waitForDeps) {
    return notWithQueue(
      'wait-for-deps',
      '--wait-for-deps',
      "every feature is enqueued at once on the run's base (contract-first), so a feature would be built without its dependencies' work",
      'Leave out --wait-for-deps (run a dependency first and make it part of the base)',
    );
  }
  if (flags.attempts !== undefined)
    return notWithQueue('attempts', '--attempts', ONE_JOB, 'Leave out --attempts');
  if (flags.select !== undefined) return notWithQueue('select', '--select', ONE_JOB, 'Leave out --select');
  if (flags.interactive)
    return notWithQueue('interactive', '--interactive', NO_WINDOW, 'Leave out --interactive');
  return undefined;
}

/** Why an interactive agent cannot be a job. */
const NO_WINDOW = 'a worker runs each agent without a terminal, in no tmux window here to attach to';

/** Where `key` was set for `contract`: its file when it sets the key itself, else the config's. */
function whereSet(key: 'attempts' | 'interactive', contract: Contract, config: Config): string {
  if (contract[key] !== undefined) return contract.file;
  return configFileName(config.file);
}

/**
 * Refuses a queued run given what it would not honour: `--restart`, `--wait-for-deps`, `--attempts`,
 * `--select`, `--interactive`, or best-of-N asked by `attempts:` (as a local run would read it:
 * `planAttempts`) or a tmux window asked by `interactive` in a selected feature's contract or the config;
 * and, as a local run's preflight does, port blocks that would pass the highest TCP port (`portRoomRefusal`).
 */
export function assertQueueable(
  flags: RunFlags,
  project: { plan: Plan; config: Config },
  featureIds: readonly string[],
): void {
  const refused = refusedFlag(flags);
  if (refused) throw refused;
  for (const id of featureIds) {
    const contract = project.plan.byId.get(id);
    if (!contract) continue;
    if (isBestOfN(planAttempts({ contract, config: project.config }))) {
      const where = whereSet('attempts', contract, project.config);
      throw notWithQueue(
        'attempts',
        `\`attempts:\` in ${where} (best-of-N for ${id})`,
        ONE_JOB,
        `Remove \`attempts:\` from ${where} (or set it to 1)`,
      );
    }
    // As a local run reads it (`interactiveConfig`): the contract's word, else the run's default.
    if (contract.interactive ?? interactiveByDefault(project.config, flags)) {
      const where = whereSet('interactive', contract, project.config);
      throw notWithQueue(
        'interactive',
        `\`interactive\` in ${where} (a tmux window for ${id})`,
        NO_WINDOW,
        `Set it to false in ${where} for the queued run`,
      );
    }
  }
  // The workers hand each feature the port block a local run would (`unitPortBlock`): refused alike when it passes 65535.
  const noRoom = portRoomRefusal(project.plan, featureIds, project.config);
  if (noRoom) throw noRoom;
}
