import { existsSync } from 'node:fs';
import type { AgentAdapter } from '../agents/adapter.js';
import { describeAgents, SAMPLE_FEATURE_ID } from '../agents/inventory.js';
import { ADAPTERS } from '../agents/registry.js';
import { printableArg } from '../agents/shell-words.js';
import { loadConfig, resolveConfig } from '../config.js';
import type { Config } from '../config-schema.js';
import { UserError } from '../errors.js';
import { findMainWorktree } from '../git/git.js';
import { palette, renderTable } from '../terminal/style.js';
import { escapeControl, stringifyJson } from '../text/escape.js';
import type { RegisterCommand } from './commands.js';

/** The project's config when run inside a repository, else the defaults for the current folder. */
export async function configFor(cwd: string): Promise<Config> {
  let root: string;
  try {
    root = await findMainWorktree(cwd);
  } catch {
    return resolveConfig(cwd, {});
  }
  const loaded = loadConfig(root);
  if (!loaded.ok) {
    throw new UserError('config/invalid', 'the config file has errors', { diagnostics: loaded.errors });
  }
  return loaded.value;
}

/** `baton agents`: every adapter, whether its agent is installed, its version, and the command Baton would run. */
export const registerAgents: RegisterCommand = (program, ctx) => {
  program
    .command('agents')
    .summary('list the agents Baton can run, whether each is installed, and the command it would run')
    .description(
      'List every agent adapter: whether its CLI is installed (on PATH, or agents.<name>.command in the config), ' +
        `its version and path, whether its own hooks report to Baton, and the exact command Baton would run for a sample feature (${SAMPLE_FEATURE_ID}), ` +
        'with the config overrides applied, or why it cannot be built (a config file of the agent that Baton cannot read, a refused flag). ' +
        'The task reaches the agent on stdin (Aider: --message-file); the prompt itself is not shown. Nothing is written.',
    )
    .option('--json', 'print the list as JSON')
    .action(async (flags: { json?: boolean }) => {
      const config = await configFor(ctx.cwd);
      const adapters: AgentAdapter[] = Object.values(ADAPTERS);
      const reports = await describeAgents({
        adapters,
        config,
        env: ctx.env,
        batonCommand: [process.execPath, ctx.batonBin],
      });
      if (flags.json) {
        ctx.stdout.write(`${stringifyJson({ agents: reports }, 2)}\n`);
        return;
      }
      const p = palette(ctx.color);
      const table = renderTable(
        ['agent', 'installed', 'version', 'hooks', 'path'],
        reports.map((r) => [
          r.name,
          r.installed ? p.green('yes') : p.red('no'),
          r.version ?? p.dim('—'),
          r.hooks ? 'own hooks' : 'exit',
          r.path ?? p.dim(r.installHint),
        ]),
      );
      // A problem quotes a path of the user's: shown with its control characters escaped.
      const commands = reports
        .map((r) => `  ${p.bold(r.name)}: ${r.command ?? p.red(escapeControl(r.problem ?? ''))}`)
        .join('\n');
      const configNote = config.file && existsSync(config.file) ? ` (with ${config.file})` : '';
      // The config's own command agent, when it names one, is what a feature without an agent runs.
      const configured =
        typeof config.agent === 'object' && 'command' in config.agent
          ? `sh -c ${printableArg(config.agent.command)} (the config's agent.command; a contract's own overrides it)`
          : 'sh -c "<agent.command from the contract or config>"';
      ctx.stdout.write(
        `${table}\ncommands for ${SAMPLE_FEATURE_ID}${configNote}, run in its worktree:\n${commands}\n` +
          `  command: ${configured}\n`,
      );
    });
};
