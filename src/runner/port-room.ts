/**
 * Whether the port blocks a run hands out fit below the highest TCP port: `port_base` may be up to
 * 65000, and each unit's block comes after the ones before it in plan order (best-of-N attempts' after
 * every feature's), so enough units run past 65535, where no server can listen (pure); nor may the
 * integration's test command's block, the one after every feature's.
 */
import { configFileName } from '../config-files.js';
import type { Config } from '../config-schema.js';
import { UserError } from '../errors.js';
import type { Plan } from '../graph/types.js';
import { blockEnd, MAX_PORT, PORTS_PER_FEATURE, type PortBlock } from '../ports.js';
import { integrationPortBlock, unitPortBlock } from '../unit-ports.js';

/**
 * The refusal of a run whose highest port block (`unitPortBlock`, as the run hands them out) ends above
 * `MAX_PORT`, naming `port_base` in the config file and how many blocks the run needs; else undefined.
 */
export function portRoomRefusal(
  plan: Plan,
  unitIds: readonly string[],
  config: Pick<Config, 'port_base' | 'file'>,
): UserError | undefined {
  let last: PortBlock | undefined;
  for (const id of unitIds) {
    const block = unitPortBlock(plan, id, config.port_base);
    if (last === undefined || block.base > last.base) last = block;
  }
  return last === undefined ? undefined : noRoomRefusal('run', last, config);
}

/**
 * The refusal of an integration whose test command's block (`integrationPortBlock`, the one after every
 * feature's) ends above `MAX_PORT`, in the words of a run's; else undefined.
 */
export function integrationPortRoomRefusal(
  plan: Plan,
  config: Pick<Config, 'port_base' | 'file'>,
): UserError | undefined {
  return noRoomRefusal('integrate', integrationPortBlock(plan, config.port_base), config);
}

/** The one wording of "the last block `last` ends above `MAX_PORT`", for a run or an integration; else undefined. */
function noRoomRefusal(
  command: 'run' | 'integrate',
  last: PortBlock,
  config: Pick<Config, 'port_base' | 'file'>,
): UserError | undefined {
  if (blockEnd(last) <= MAX_PORT) return undefined;
  const blocks = (last.base - config.port_base) / PORTS_PER_FEATURE + 1;
  const file = configFileName(config.file);
  const whose = command === 'run' ? "this run's ports" : "this integration's test command's port";
  return new UserError(
    `${command}/ports-exhausted`,
    `\`port_base\` ${config.port_base} (in ${file}) leaves no room for ${whose}: it needs ${blocks} blocks of ${PORTS_PER_FEATURE}, and the last, ${last.base}-${blockEnd(last)}, ends above ${MAX_PORT}, the highest TCP port`,
    {
      hint: `Set \`port_base\` in ${file} to at most ${MAX_PORT + 1 - blocks * PORTS_PER_FEATURE}, then ${command === 'run' ? 'run' : 'integrate'} again.`,
    },
  );
}
