import { z } from 'zod';
import {
  AgentSpecSchema,
  AttemptsSchema,
  type AttemptsSpec,
  type SelectPolicy,
  SelectSchema,
} from './contracts/schema.js';

/** Per-agent overrides: replace the argv, add flags, set env (never secrets: those come from the environment). */
export const AgentOverrideSchema = z.strictObject({
  command: z.string().optional(),
  args: z.array(z.string()).optional(),
  extra_args: z.array(z.string()).optional(),
  env: z.record(z.string(), z.string()).optional(),
  model: z.string().optional(),
  permission_mode: z.string().optional(),
});

/** `baton.config.json` / `baton.yaml` at the repository root. Every field has a default. */
export const ConfigSchema = z.strictObject({
  $schema: z.string().optional(),
  /** Default agent for features whose contract names none. */
  agent: AgentSpecSchema.optional(),
  /** How many agents run at once; default: all. */
  concurrency: z.number().int().positive().optional(),
  /** Best-of-N for every feature whose contract says nothing: a count or one agent per attempt. */
  attempts: AttemptsSchema.optional(),
  /** Best-of-N: `best` (wait for every attempt) or `first-passing`; default `best`. */
  select: SelectSchema.optional(),
  /** Branch or ref the feature branches are cut from; default: HEAD. */
  base: z.string().optional(),
  /** Where worktrees go, relative to the repository root; default `../<repo>.baton-worktrees`. */
  worktrees: z.string().optional(),
  /** Folder holding `<feature_id>/contract.md`; default `specs`. */
  specs: z.string().optional(),
  /** Command run in each new worktree before the agent, e.g. `npm ci`. */
  setup: z.string().optional(),
  /** Files (globs) copied from the main checkout into each new worktree, e.g. `.env`. */
  copy: z.array(z.string()).optional(),
  /** Test command run after each merge during integration. */
  test: z.string().optional(),
  /** Default timeout of a `run` acceptance check, seconds. */
  check_timeout_s: z.number().positive().optional(),
  /** Default agent timeout, minutes. */
  timeout_minutes: z.number().positive().optional(),
  /** First port handed to features; each feature gets a block of ten. */
  port_base: z.number().int().min(1024).max(65000).optional(),
  /** Sequential estimates of the non-implementation phases, minutes. */
  estimates: z.record(z.string(), z.number().nonnegative()).optional(),
  /** Per-agent settings, keyed by adapter name. */
  agents: z.record(z.string(), AgentOverrideSchema).optional(),
  /** Interactive runs: every agent in its own tmux window (`true`, or settings). See docs/interactive.md. */
  interactive: z
    .union([
      z.boolean(),
      z.strictObject({
        /** Whether runs are interactive by default. */
        enabled: z.boolean().optional(),
        /** Seconds of quiet after the agent's Stop hook before Baton ends its session; default 0. */
        auto_finish_s: z.number().nonnegative().optional(),
        /** Consent, given once, to record Claude Code's folder trust for Baton's own worktrees. */
        trust_worktrees: z.boolean().optional(),
        /** Ring the terminal bell when a feature starts needing input. */
        bell: z.boolean().optional(),
        /** A desktop notification (`notify-send`, when installed) when a feature starts needing input. */
        notify: z.boolean().optional(),
      }),
    ])
    .optional(),
  /** Seconds between collision radar scans of the running worktrees; 0 turns the radar off. Default 5. */
  radar_interval_s: z.number().nonnegative().optional(),
  /** What the radar does on a collision: `notify` (default) or `stop-later` (stop the feature that came second). */
  on_collision: z.enum(['notify', 'stop-later']).optional(),
  /** `redis://…` URL of the BullMQ queue: features run as jobs on `baton worker`s (docs/distributed.md). */
  queue: z.string().optional(),
  /** Git URL of the hub every worker clones from and pushes attempts to (with `queue`). */
  hub: z.string().optional(),
  /** Retry policy for rate-limited agents. */
  retry: z
    .strictObject({
      attempts: z.number().int().nonnegative().optional(),
      initial_delay_s: z.number().nonnegative().optional(),
      factor: z.number().positive().optional(),
    })
    .optional(),
  /** Coupling analysis (`baton couple`, `plan`, `lint`): how much history to read and what to flag. */
  coupling: z
    .strictObject({
      /** How many of the latest non-merge commits to read; default 1000. */
      window: z.number().int().positive().optional(),
      /** Commits two independent features must share before they are flagged; default 3. */
      min_support: z.number().int().positive().optional(),
      /** Share of the less active feature's commits that also touched the other; default 0.3. */
      min_confidence: z.number().min(0).max(1).optional(),
      /** Commits touching more files than this (imports, mass renames) are ignored; default 50. */
      max_commit_files: z.number().int().positive().optional(),
      /** Share of the features an unowned file must change with to be a hotspot; default 0.5. */
      hotspot_share: z.number().min(0).max(1).optional(),
    })
    .optional(),
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
  /** Absolute path of the repository root. */
  root: string;
  /** The config file that was read, if any. */
  file: string | undefined;
}
