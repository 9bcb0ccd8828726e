/** What `runFeatures` is given: the options `cli/run.ts` builds from the project and the flags. */
import type { AgentAdapter, AgentLaunch } from '../agents/adapter.js';
import type { AgentExitedFeature } from '../checks/verify.js';
import type { Config } from '../config-schema.js';
import type { AgentSpec, AttemptsSpec, SelectPolicy } from '../contracts/schema.js';
import type { Plan } from '../graph/types.js';
import type { BatonEvent } from '../log/events.js';
import type { EventSink } from '../log/sink.js';
import type { RunControl } from './control.js';
import type { CheckCounts } from './outcome.js';

/** Runs a feature's acceptance checks in its worktree, emitting through the run's sink; provided by `checks/`. */
export type Verifier = (input: AgentExitedFeature) => Promise<CheckCounts>;

/** Everything `runFeatures` needs; built by `cli/run.ts` from the project and flags. */
export interface RunOptions {
  root: string;
  config: Config;
  plan: Plan;
  /** The log agents' hooks append to (`BATON_LOG`), and the one a resumed run reads. */
  logPath: string;
  /** Where every event of the run goes: the log writer, and whoever subscribed (the live progress). */
  sink: EventSink;
  /** Selected feature ids, in plan order. */
  featureIds: readonly string[];
  concurrency?: number;
  /** `--agent`: overrides every contract's and the config's agent. */
  agent?: AgentSpec;
  /** `--attempts`: best-of-N for every feature, over the contracts' and the config's `attempts`. */
  attempts?: AttemptsSpec;
  /** `--select`: how best-of-N picks its winner. */
  select?: SelectPolicy;
  /** `--wait-for-deps`; unset, a resume keeps the mode of the run it continues (contract-first otherwise). */
  waitForDeps?: boolean;
  base?: string;
  verifier?: Verifier;
  /** Reuse existing branches and worktrees, skipping features already complete. */
  resume?: boolean;
  dryRun?: boolean;
  clock: () => Date;
  env: NodeJS.ProcessEnv;
  /** How a hook runs Baton: `[node, /abs/bin/baton.js]`. */
  batonCommand: readonly string[];
  signal: AbortSignal;
  /** Receives each launch in dry-run mode. */
  onDryRun?: (featureId: string, launch: AgentLaunch, worktree: string) => void;
  /** With `--resume`: features whose branches start over from the base, dropping the dead run's commits. */
  restart?: readonly string[];
  /** Lets the collision radar stop one feature (`--on-collision stop-later`). */
  control?: RunControl;
  /** Receives the agents' own hook events and the conductor's interventions of interactive runs as they reach the log. */
  onAgentEvent?: (event: BatonEvent) => void;
  /**
   * Receives each warning the run gives: once, before it starts (a copy entry that matches nothing),
   * or for one feature as it goes (a submodule its worktree could not check out), prefixed with its id.
   */
  onWarning?: (message: string) => void;
  /** Finds the adapter for an agent spec (default: the registry); tests pass their own. */
  resolveAdapter?: (spec: AgentSpec) => AgentAdapter;
}
