import {
  AgentSpecSchema,
  AttemptsSchema,
  type AttemptsSpec,
  type SelectPolicy,
  SelectSchema,
} from './contracts/schema.js';
import { timerSpan } from './timer-span.js';
import { z } from './zod.js';

/**
 * A string that must say something: an empty `base`, `specs` or `command` is no setting (each part of
 * Baton would read it its own way, as unset or as the name ""), so it is refused where the config is read.
 */
function nonEmpty() {
  return z.string().check(z.minLength(1));
}

/** Per-agent overrides: replace the argv, add flags, set env (never secrets: those come from the environment). */
export const AgentOverrideSchema = z.strictObject({
  command: z.optional(nonEmpty()),
  args: z.optional(z.array(z.string())),
  extra_args: z.optional(z.array(z.string())),
  env: z.optional(z.record(z.string(), z.string())),
  model: z.optional(nonEmpty()),
  permission_mode: z.optional(nonEmpty()),
});

/** `baton.config.json` / `baton.yaml` at the repository root. Every field has a default. */
export const ConfigSchema = z.strictObject({
  $schema: z.optional(z.string()),
  /** Default agent for features whose contract names none. */
  agent: z.optional(AgentSpecSchema),
  /** How many agents run at once; default: all. */
  concurrency: z.optional(z.int().check(z.positive())),
  /** Best-of-N for every feature whose contract says nothing: a count or one agent per attempt. */
  attempts: z.optional(AttemptsSchema),
  /** Best-of-N: `best` (wait for every attempt) or `first-passing`; default `best`. */
  select: z.optional(SelectSchema),
  /** Branch or ref the feature branches are cut from; default: HEAD. */
  base: z.optional(nonEmpty()),
  /** Where worktrees go, relative to the repository root; default `../<repo>.baton-worktrees`. */
  worktrees: z.optional(nonEmpty()),
  /** Folder holding `<feature_id>/contract.md`; default `specs`. */
  specs: z.optional(nonEmpty()),
  /** Command run in each new worktree before the agent, e.g. `npm ci`. */
  setup: z.optional(nonEmpty()),
  /** Files (globs) copied from the main checkout into each new worktree, e.g. `.env`. */
  copy: z.optional(z.array(z.string())),
  /** Test command run after each merge during integration. */
  test: z.optional(nonEmpty()),
  /** Default timeout of a `run` acceptance check, seconds. */
  check_timeout_s: z.optional(timerSpan(1000, 'seconds')),
  /** Default agent timeout, minutes. */
  timeout_minutes: z.optional(timerSpan(60_000, 'minutes')),
  /** First port handed to features; each feature gets a block of ten. */
  port_base: z.optional(z.int().check(z.gte(1024)).check(z.lte(65000))),
  /** Sequential estimates of the non-implementation phases, minutes. */
  estimates: z.optional(z.record(z.string(), z.number().check(z.nonnegative()))),
  /** Per-agent settings, keyed by adapter name. */
  agents: z.optional(z.record(z.string(), AgentOverrideSchema)),
  /** Interactive runs: every agent in its own tmux window (`true`, or settings). See docs/interactive.md. */
  interactive: z.optional(
    z.union([
      z.boolean(),
      z.strictObject({
        /** Whether runs are interactive by default: true unless written false (the object turns them on). */
        enabled: z.optional(z.boolean()),
        /** Seconds of quiet after the agent's Stop hook before Baton ends its session; default 0. */
        auto_finish_s: z.optional(timerSpan(1000, 'seconds', true)),
        /** Consent, given once, to record Claude Code's and Codex's folder trust for Baton's own worktrees. */
        trust_worktrees: z.optional(z.boolean()),
        /** Ring the terminal bell when a feature starts needing input. */
        bell: z.optional(z.boolean()),
        /** A desktop notification (`notify-send`, when installed) when a feature starts needing input. */
        notify: z.optional(z.boolean()),
      }),
    ]),
  ),
  /** Seconds between collision radar scans of the running worktrees; 0 turns the radar off. Default 5. */
  radar_interval_s: z.optional(timerSpan(1000, 'seconds', true)),
  /** What the radar does on a collision: `notify` (default) or `stop-later` (stop the feature that came second). */
  on_collision: z.optional(z.enum(['notify', 'stop-later'])),
  /** `redis://…` URL of the BullMQ queue: features run as jobs on `baton worker`s (docs/distributed.md). */
  queue: z.optional(nonEmpty()),
  /** Git URL of the hub every worker clones from and pushes attempts to (with `queue`). */
  hub: z.optional(nonEmpty()),
  /**
   * A trust decision: take the checks a `baton worker` reports as passed, as if they ran here, so
   * `integrate` merges queued features without `baton verify`. Default false (docs/distributed.md).
   */
  trust_workers: z.optional(z.boolean()),
  /** Retry policy for rate-limited agents. */
  retry: z.optional(
    z.strictObject({
      attempts: z.optional(z.int().check(z.nonnegative())),
      initial_delay_s: z.optional(timerSpan(1000, 'seconds', true)),
      factor: z.optional(z.number().check(z.positive())),
    }),
  ),
  /** Coupling analysis (`baton couple`, `plan`, `lint`): how much history to read and what to flag. */
  coupling: z.optional(
    z.strictObject({
      /** How many of the latest non-merge commits to read; default 1000. */
      window: z.optional(z.int().check(z.positive())),
      /** Commits two independent features must share before they are flagged; default 3. */
      min_support: z.optional(z.int().check(z.positive())),
      /** Share of the less active feature's commits that also touched the other; default 0.3. */
      min_confidence: z.optional(z.number().check(z.gte(0)).check(z.lte(1))),
      /** Commits touching more files than this (imports, mass renames) are ignored; default 50. */
      max_commit_files: z.optional(z.int().check(z.positive())),
      /** Share of the features an unowned file must change with to be a hotspot; default 0.5. */
      hotspot_share: z.optional(z.number().check(z.gte(0)).check(z.lte(1))),
    }),
  ),
});

/** The configuration as written. */
export type ConfigInput = z.infer<typeof ConfigSchema>;
/** Per-agent overrides. */
export type AgentOverride = z.infer<typeof AgentOverrideSchema>;

/** Interactive-run settings with defaults applied. */
export interface InteractiveConfig {
  enabled: boolean;
  auto_finish_s: number;
  trust_worktrees: boolean;
  bell: boolean;
  notify: boolean;
}

/** The configuration with defaults applied and paths resolved. */
export interface Config {
  agent: z.infer<typeof AgentSpecSchema>;
  concurrency: number | undefined;
  /** Best-of-N default (absent: one attempt). */
  attempts?: AttemptsSpec | undefined;
  /** Best-of-N selection default (absent: `best`). */
  select?: SelectPolicy | undefined;
  base: string | undefined;
  /** Absolute path of the worktrees folder. */
  worktrees: string;
  /** Absolute path of the specs folder. */
  specs: string;
  setup: string | undefined;
  copy: string[];
  test: string | undefined;
  check_timeout_s: number;
  timeout_minutes: number | undefined;
  port_base: number;
  estimates: Record<string, number>;
  agents: Record<string, AgentOverride>;
  retry: { attempts: number; initial_delay_s: number; factor: number };
  /** Interactive runs (absent: headless). */
  interactive?: InteractiveConfig;
  radar_interval_s: number;
  on_collision: 'notify' | 'stop-later';
  /** The `coupling:` block as written; `couplingSettings` applies its defaults. */
  coupling?: ConfigInput['coupling'];
  /** Queue URL for distributed runs, if set. */
  queue?: string | undefined;
  /** Hub git URL for distributed runs, if set. */
  hub?: string | undefined;
  /** Whether checks a worker reported count as passed without `baton verify` here (default false). */
  trust_workers: boolean;
  /** Absolute path of the repository root. */
  root: string;
  /** The config file that was read, if any. */
  file: string | undefined;
}
