import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../config-schema.js';
import type { Contract } from '../contracts/schema.js';
import { stateDirFor, unitFilesIn, unitRunDir } from '../log/paths.js';
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
  /** The exact command Baton would run for the sample feature, prompt elided. */
  command: string;
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
 * overrides applied. Settings an adapter writes go to a temporary folder that is removed afterwards;
 * the commands show where they go in a real run (`.baton/runs/RUN_ID/<feature>/…`).
 */
export async function describeAgents(opts: {
  adapters: readonly AgentAdapter[];
  config: Config;
  env: NodeJS.ProcessEnv;
  batonCommand: readonly string[];
}): Promise<AgentReport[]> {
  const scratchRoot = mkdtempSync(join(tmpdir(), 'baton-agents-'));
  const shown = unitFilesIn(unitRunDir(stateDirFor(opts.config.root), 'RUN_ID', SAMPLE_FEATURE_ID));
  try {
    const reports: AgentReport[] = [];
    for (const adapter of opts.adapters) {
      const override = opts.config.agents[adapter.name];
      const found = await adapter.detect(opts.env, override);
      const scratchDir = join(scratchRoot, adapter.name);
      const launch = await adapter.prepare({
        feature: sampleContract(),
        prompt: '(the task: rules, contract and spec)',
        taskFile: shown.taskFile,
        scratchDir,
        worktree: join(opts.config.worktrees, SAMPLE_FEATURE_ID),
        runId: 'RUN_ID',
        logPath: join(opts.config.root, '.baton', 'log.jsonl'),
        batonCommand: opts.batonCommand,
        port: opts.config.port_base,
        portBase: opts.config.port_base,
        env: opts.env,
        config: opts.config,
        override,
      });
      reports.push({
        name: adapter.name,
        displayName: adapter.displayName,
        installed: found.installed,
        version: found.version ?? null,
        path: found.path ?? null,
        hooks: adapter.hasOwnHooks,
        installHint: adapter.installHint,
        command: launch.display.replaceAll(scratchDir, shown.scratchDir),
      });
    }
    return reports;
  } finally {
    rmSync(scratchRoot, { recursive: true, force: true });
  }
}
