/** Which agents a worker takes jobs for: the ones it names (each must be installed), else every one found here. */
import { hostname } from 'node:os';
import { AGENT_NAMES, agentNameProblem } from '../agents/names.js';
import { ADAPTERS } from '../agents/registry.js';
import { UserError } from '../errors.js';
import type { WorkerOptions } from './worker.js';

/**
 * The agents this worker will take jobs for, and the program it found for each (which its jobs run);
 * an agent it names but cannot run is a UserError naming it.
 */
export async function chooseAgents(
  opts: Pick<WorkerOptions, 'agents' | 'env' | 'agentConfig'>,
): Promise<{ chosen: string[]; programs: Map<string, string> }> {
  const wanted = opts.agents ?? [...Object.keys(ADAPTERS), 'command'];
  const chosen: string[] = [];
  const programs = new Map<string, string>();
  for (const name of wanted) {
    if (name === 'command') {
      chosen.push(name);
      continue;
    }
    // The one test of an agent's name (a property of every object, `constructor`, is none), with its "did you mean".
    const problem = agentNameProblem(name);
    const adapter = ADAPTERS[name];
    if (problem || !adapter) {
      throw new UserError(
        'worker/unknown-agent',
        `${problem?.message ?? `unknown agent "${name}"`} in --agents`,
        {
          hint: `Known agents: ${[...AGENT_NAMES, 'command'].sort().join(', ')}.`,
          exitCode: 2,
        },
      );
    }
    const found = await adapter.detect(opts.env, opts.agentConfig?.agents[name], opts.agentConfig?.root);
    if (found.installed) {
      chosen.push(name);
      if (found.path !== undefined) programs.set(name, found.path);
    } else if (opts.agents) {
      throw new UserError(
        'worker/agent-missing',
        `agent "${name}" (${adapter.displayName}) is not installed on ${hostname()}; this worker cannot take its jobs`,
        { hint: found.hint ?? adapter.installHint },
      );
    }
  }
  return { chosen, programs };
}
