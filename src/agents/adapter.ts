import type { AgentOverride, Config } from '../config-schema.js';
import type { Contract } from '../contracts/schema.js';
import type { AgentUsage } from '../log/events.js';

/** Everything an adapter needs to launch an agent on one feature. */
export interface AgentTask {
  feature: Contract;
  /** The task text (contract + spec + rules); also written to `taskFile`. */
  prompt: string;
  /** Absolute path of the task file, outside the worktree. */
  taskFile: string;
  /** A folder outside the worktree where the adapter may write settings, wrappers, transcripts. */
  scratchDir: string;
  worktree: string;
  runId: string;
  /** Absolute path of `.baton/log.jsonl` in the main checkout. */
  logPath: string;
  /** How to run Baton itself from a hook: `[node, /path/to/bin/baton.js]`. */
  batonCommand: readonly string[];
  port: number;
  portBase: number;
  /** The environment the agent inherits (API keys pass through untouched). */
  env: NodeJS.ProcessEnv;
  config: Config;
  /** The user's config for this agent (`agents.<name>` in the config). */
  override: AgentOverride | undefined;
}

/** How to start the agent: a program with argv (or a shell command), extra env, optional stdin. */
export interface AgentLaunch {
  command: string;
  args: string[];
  /** Run `command` through `sh -c` (the `command` agent); argv is then ignored. */
  shell?: boolean;
  /** Added to (and overriding) the inherited environment. */
  env: Record<string, string>;
  stdin?: string;
  /** Shown by `--dry-run` and `baton agents`, with the prompt elided. */
  display: string;
  /**
   * How long, after the agent exits, what it started may finish on its own before the group is
   * stopped (Codex's `notify` program runs fire-and-forget as Codex exits). Default 0.
   */
  settleMs?: number;
  /**
   * Removes what must not outlive the agent (copies of the user's config, which may hold tokens);
   * called once the agent and its process group have ended, and after a dry run.
   */
  cleanup?: () => void;
}

/** Whether an agent is installed, and which version. */
export interface AgentDetection {
  installed: boolean;
  path?: string;
  version?: string;
  /** What to do when it is not installed, when not the adapter's `installHint` (a configured path that is not there). */
  hint?: string;
}

/** One agent's integration: launch, hook wiring, usage accounting. */
export interface AgentAdapter {
  /** The name used in contracts and config: `claude`, `codex`, `gemini`, `aider`, `opencode`, `command`, `demo`. */
  readonly name: string;
  readonly displayName: string;
  /** How to install it, shown when it is missing. */
  readonly installHint: string;
  /** Whether the agent has a hook system Baton wires to `baton hook` (otherwise process exit is the signal). */
  readonly hasOwnHooks: boolean;
  /**
   * Finds the agent's program (`override.command` when the config names one, a relative path taken
   * from `root`, the repository root; default the current folder) and its version, as the launch runs it.
   */
  detect(env: NodeJS.ProcessEnv, override?: AgentOverride, root?: string): Promise<AgentDetection>;
  /**
   * Optional: refuses, with a UserError, flags of the user's (config or contract) that the launch would
   * refuse, without building it: the run checks every feature this way before it creates anything.
   */
  checkFlags?(task: Pick<AgentTask, 'override' | 'feature'>): void;
  /**
   * Optional: why this agent cannot do the feature at all, known without starting it (the scripted demo
   * agent has no recipe for it), or undefined. `baton lint` warns with it, and `baton run` fails the
   * feature with it before making its worktree.
   */
  cannotDo?(task: Pick<AgentTask, 'feature' | 'override' | 'env'>): string | undefined;
  /** Builds the launch, writing any settings it needs into `task.scratchDir` (never the worktree). */
  prepare(task: AgentTask): Promise<AgentLaunch>;
  /**
   * Optional: the launch for a run in a terminal of its own (`baton run --interactive`), with the text
   * that ends the session once the agent has stopped; without it Baton derives one (src/interactive/argv.ts).
   */
  prepareInteractive?(task: AgentTask): Promise<AgentLaunch & { finishText?: string }>;
  /** Reads nothing from the agent's output (no usage, no rate limit), so Baton does not read its log at all. */
  readonly ignoresOutput?: boolean;
  /** Reads cost, tokens, turns and denials from the agent's captured output, when it reports them. */
  parseUsage(output: string): AgentUsage | undefined;
  /**
   * Whether the run ended on a rate-limit or overload error worth retrying after a pause; asked on exit 0
   * too (Aider exits 0 when it gives up on the API), where every other agent says no.
   */
  isRateLimited(output: string, exitCode: number | null): boolean;
}
