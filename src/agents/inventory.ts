import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config-schema.js';
import type { Contract } from '../contracts/schema.js';
import { formatUserError, UserError } from '../errors.js';
import { stateDirFor, unitFilesIn, unitRunDir } from '../log/paths.js';
import { makeTempFolder } from '../temp-folder.js';
import { oneLine } from '../text/one-line.js';
import type { AgentAdapter } from './adapter.js';

/** What `baton agents` reports for one adapter. */
export interface AgentReport {
  name: string;
  displayName: string;
  installed: boolean;
  version: string | null;
  path: string | null;
  /** Whether the agent's own hooks report to `baton hook` (otherwise its exit is the signal). */
  hooks: boolean;
  installHint: string;
  /** The exact command Baton would run for the sample feature, prompt elided; null when it cannot be built. */
  command: string | null;
  /** Why the command cannot be built (a config file of the agent's Baton cannot read, a refused flag). */
  problem: string | null;
}

/** The feature the sample commands are built for. */
export const SAMPLE_FEATURE_ID = 'feature-001-example';

function sampleContract(): Contract {
  return {
    feature_id: SAMPLE_FEATURE_ID,
    title: 'Example',
    provides: {},
    owns: ['src/example/**'],
    depends_on: { features: [], services: [] },
    acceptance_criteria: [],
    body: '',
    file: `specs/${SAMPLE_FEATURE_ID}/contract.md`,
  };
}

/**
 * Detects every adapter and builds the launch each would use for a sample feature, with the config's
 * overrides applied. A problem with one agent's config (its file unreadable, a refused flag) is that
 * agent's `problem`; the others are still listed. Nothing is written: the sample worktree is a path
 * that does not exist, and what an adapter writes goes to a temporary folder removed afterwards; the
 * commands show where they go in a real run (`.baton/runs/RUN_ID/<feature>/…`).
 */
export async function describeAgents(opts: {
  adapters: readonly AgentAdapter[];
  config: Config;
  env: NodeJS.ProcessEnv;
  batonCommand: readonly string[];
}): Promise<AgentReport[]> {
  const scratchRoot = makeTempFolder('baton-agents-');
  const shown = unitFilesIn(unitRunDir(stateDirFor(opts.config.root), 'RUN_ID', SAMPLE_FEATURE_ID));
  try {
    const reports: AgentReport[] = [];
    for (const adapter of opts.adapters) {
      const found = await adapter.detect(opts.env, opts.config.agents[adapter.name], opts.config.root);
      const sample = await sampleCommand(adapter, opts, join(scratchRoot, adapter.name), shown);
      reports.push({
        name: adapter.name,
        displayName: adapter.displayName,
        installed: found.installed,
        version: found.version ?? null,
        path: found.path ?? null,
        hooks: adapter.hasOwnHooks,
        installHint: found.hint ?? adapter.installHint,
        ...sample,
      });
    }
    return reports;
  } finally {
    rmSync(scratchRoot, { recursive: true, force: true });
  }
}

/** The command an adapter would run for the sample feature, or the UserError that stops it, as one line. */
async function sampleCommand(
  adapter: AgentAdapter,
  opts: { config: Config; env: NodeJS.ProcessEnv; batonCommand: readonly string[] },
  scratchDir: string,
  shown: { taskFile: string; scratchDir: string },
): Promise<{ command: string | null; problem: string | null }> {
  try {
    const launch = await adapter.prepare({
      feature: sampleContract(),
      prompt: '(the task: rules, contract and spec)',
      taskFile: shown.taskFile,
      scratchDir,
      // Not there, so no adapter acts on a worktree (Aider's exclude line) for a listing.
      worktree: join(scratchDir, 'no-worktree'),
      runId: 'RUN_ID',
      logPath: join(opts.config.root, '.baton', 'log.jsonl'),
      batonCommand: opts.batonCommand,
      port: opts.config.port_base,
      portBase: opts.config.port_base,
      env: opts.env,
      config: opts.config,
      override: opts.config.agents[adapter.name],
    });
    launch.cleanup?.();
    return { command: launch.display.replaceAll(scratchDir, shown.scratchDir), problem: null };
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    const hint = err.hint ? ` (${err.hint})` : '';
    return { command: null, problem: oneLine(`${formatUserError(err)}${hint}`) };
  }
}
