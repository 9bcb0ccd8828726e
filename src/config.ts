import { existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { agentNameProblem } from './agents/names.js';
import { parseConfigData } from './config-data.js';
import { CONFIG_FILES } from './config-files.js';
import { lineAlong, scalarAlong } from './config-lines.js';
import { SPECS_REFUSALS, specsOutside, specsOutsideError, worktreesAtHome } from './config-paths.js';
import { type Config, type ConfigInput, ConfigSchema } from './config-schema.js';
import { describeIssue, type Emit, type Path } from './contracts/issues.js';
import type { AgentSpec } from './contracts/schema.js';
import { validFieldsOf } from './contracts/schema-fields.js';
import { objectKeysAt } from './contracts/schema-keys.js';
import { closestName } from './contracts/suggest.js';
import { COPY_ENTRY_HINT, copyEntryProblem, describeCopyRefusal } from './copy-pattern.js';
import type { Diagnostic, Result } from './errors.js';
import { normalPhaseName, PHASE_NAME } from './metrics/phase-name.js';
import { readRegularText, type TextUnread } from './open-regular.js';
import { isInside } from './path-inside.js';
import { DEFAULT_PORT_BASE } from './ports.js';
import { realNearest } from './real-nearest.js';
import { escapeControl } from './text/escape.js';

/**
 * Where a user finds the config's keys, in hints: Baton's own documents, named as Baton's (a relative
 * `schema/…` would be read as a path in the user's project, where there is none).
 */
export const CONFIG_KEYS_DOC = 'Baton\'s README, "Configuration", or its schema/config.schema.json';

/** Config file names, in the order they are looked for. */
export { CONFIG_FILES } from './config-files.js';

/** Applies defaults and resolves paths against the repository root (pure). */
export function resolveConfig(root: string, input: ConfigInput, file?: string): Config {
  return {
    agent: input.agent ?? 'claude',
    concurrency: input.concurrency,
    ...(input.attempts !== undefined ? { attempts: input.attempts } : {}),
    ...(input.select !== undefined ? { select: input.select } : {}),
    base: input.base,
    worktrees: resolve(root, input.worktrees ?? join('..', `${basename(root)}.baton-worktrees`)),
    specs: resolve(root, input.specs ?? 'specs'),
    setup: input.setup,
    copy: input.copy ?? [],
    test: input.test,
    check_timeout_s: input.check_timeout_s ?? 300,
    timeout_minutes: input.timeout_minutes,
    port_base: input.port_base ?? DEFAULT_PORT_BASE,
    estimates: normalEstimates(input.estimates ?? {}),
    agents: input.agents ?? {},
    radar_interval_s: input.radar_interval_s ?? 5,
    on_collision: input.on_collision ?? 'notify',
    retry: {
      attempts: input.retry?.attempts ?? 3,
      initial_delay_s: input.retry?.initial_delay_s ?? 5,
      factor: input.retry?.factor ?? 2,
    },
    interactive: {
      enabled:
        input.interactive === true ||
        (typeof input.interactive === 'object' && input.interactive.enabled !== false),
      auto_finish_s:
        (typeof input.interactive === 'object' ? input.interactive.auto_finish_s : undefined) ?? 0,
      trust_worktrees:
        (typeof input.interactive === 'object' ? input.interactive.trust_worktrees : undefined) ?? false,
      bell: (typeof input.interactive === 'object' ? input.interactive.bell : undefined) ?? false,
      notify: (typeof input.interactive === 'object' ? input.interactive.notify : undefined) ?? false,
    },
    ...(input.coupling ? { coupling: input.coupling } : {}),
    ...(input.queue !== undefined ? { queue: input.queue } : {}),
    ...(input.hub !== undefined ? { hub: input.hub } : {}),
    trust_workers: input.trust_workers ?? false,
    root,
    file,
  };
}

/**
 * A config that did not validate: its errors, and, when they still say where the contracts are (`specs`
 * valid or not written), the settings that did validate, so `baton lint` goes on to the contracts.
 */
export interface ConfigRefused<T> {
  ok: false;
  errors: Diagnostic[];
  usable?: T;
}

/** A config read: validated, or refused (with what is still usable of it). */
export type ConfigResult<T> = Extract<Result<T>, { ok: true }> | ConfigRefused<T>;

/** Parses config text (JSON or YAML, chosen by file name) into diagnostics or a validated input (pure). */
export function parseConfigText(file: string, text: string): ConfigResult<ConfigInput> {
  const read = parseConfigData(file, text);
  if (!read.ok) return read;
  const data = read.value;
  const parsed = ConfigSchema.safeParse(data);
  if (parsed.success) {
    const problems = checksAfterSchema(file, text, parsed.data);
    if (problems.length === 0) return { ok: true, value: parsed.data, warnings: [] };
    return { ok: false, errors: problems, ...usableSettings(parsed.data, problems, parsed.data.specs) };
  }
  const errors = parsed.error.issues.flatMap((issue) => schemaErrors(file, text, data, issue));
  // The checks after the schema run on the fields that did validate: an unknown key or a wrong value
  // elsewhere hides no unknown agent, so one pass names every problem.
  const valid = validFields(data);
  const after = valid === undefined ? [] : checksAfterSchema(file, text, valid);
  const all = [...errors, ...after];
  const written = typeof data === 'object' && data !== null && 'specs' in data ? data.specs : undefined;
  return { ok: false, errors: all, ...(valid ? usableSettings(valid, all, written) : {}) };
}

/** The checks that read validated settings: agent names, where `specs` points, the `copy` entries (pure). */
function checksAfterSchema(file: string, text: string, input: ConfigInput): Diagnostic[] {
  return [
    ...unknownAgents(file, text, input),
    ...specsOutside(file, text, input),
    ...worktreesAtHome(file, text, input),
    ...copyOutside(file, text, input),
    ...estimatesTwice(file, text, input),
  ];
}

/** The `estimates` keyed by phase names in the form `baton phase` records them (`normalPhaseName`). */
function normalEstimates(estimates: Record<string, number>): Record<string, number> {
  return Object.fromEntries(
    Object.entries(estimates).map(([name, minutes]) => [normalPhaseName(name), minutes]),
  );
}

/**
 * An error for each `estimates` key that is no phase name `baton phase` could record (`my phase`),
 * so no phase would ever meet it, or that names the same phase as one before it once lower-cased
 * (`Planning` and `planning`): only one estimate could be read for that phase (pure).
 */
function estimatesTwice(file: string, text: string, input: ConfigInput): Diagnostic[] {
  const first = new Map<string, string>();
  return Object.keys(input.estimates ?? {}).flatMap((key): Diagnostic[] => {
    const name = normalPhaseName(key);
    if (!PHASE_NAME.test(name))
      return [
        {
          severity: 'error',
          code: 'config/bad-estimate-name',
          message: `estimates.${escapeControl(key)} names no phase \`baton phase\` can record: a phase name is a-z, 0-9, ".", "_" and "-", starting with a letter or digit`,
          location: { file, ...lineAlong(text, ['estimates', key]) },
          hint: 'Key the estimate by the name you give `baton phase start` (e.g. `planning`).',
        },
      ];
    const earlier = first.get(name);
    if (earlier === undefined) {
      first.set(name, key);
      return [];
    }
    return [
      {
        severity: 'error',
        code: 'config/duplicate-estimate',
        message: `estimates.${escapeControl(key)} and estimates.${escapeControl(earlier)} both name the phase "${escapeControl(name)}" (phase names are lower-cased); only one would be read`,
        location: { file, ...lineAlong(text, ['estimates', key]) },
        hint: `Keep one estimate for "${escapeControl(name)}" and delete the other.`,
      },
    ];
  });
}

/**
 * An error for each `copy` entry that `baton run` would always refuse (absolute, `..`, the whole
 * repository, `.git/` or `.baton/`), at its line: the rule run applies, said where the config is read.
 */
function copyOutside(file: string, text: string, input: ConfigInput): Diagnostic[] {
  return (input.copy ?? []).flatMap((pattern, i): Diagnostic[] => {
    const problem = copyEntryProblem(pattern);
    if (!problem) return [];
    return [
      {
        severity: 'error',
        code: 'config/copy-outside',
        message: `copy[${i}]: ${describeCopyRefusal(pattern, problem)}`,
        location: { file, ...lineAlong(text, ['copy', i]) },
        hint: COPY_ENTRY_HINT,
      },
    ];
  });
}

/**
 * The settings to go on with despite the errors, when the contracts' folder is still known: `specs`
 * validated (and is not refused as outside), or was not written (the default folder). Else none.
 */
function usableSettings(
  valid: ConfigInput,
  errors: readonly Diagnostic[],
  written: unknown,
): { usable?: ConfigInput } {
  const specsRefused = errors.some((e) => SPECS_REFUSALS.has(e.code));
  if (specsRefused || (written !== undefined && valid.specs === undefined)) return {};
  return { usable: valid };
}

/**
 * The top-level settings that validate each on its own, unknown keys and wrong values left out (pure);
 * undefined when the config is not a mapping at all.
 */
function validFields(data: unknown): ConfigInput | undefined {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return undefined;
  const { fields } = validFieldsOf(ConfigSchema.shape, data as Record<string, unknown>);
  // Every field kept validated alone, so the whole does: parsed again for its type, not its verdict.
  const whole = ConfigSchema.safeParse(fields);
  return whole.success ? whole.data : undefined;
}

/** The errors for one schema issue: unknown keys with their closest known one, else the field gone wrong. */
function schemaErrors(
  file: string,
  text: string,
  data: unknown,
  issue: Parameters<typeof describeIssue>[0],
): Diagnostic[] {
  const where = issue.path.join('.');
  if (issue.code === 'unrecognized_keys')
    return issue.keys.map((key) => unknownKey(file, text, issue.path, key));
  if (where === '') {
    return [
      {
        severity: 'error',
        code: 'config/invalid',
        message: `(root): ${issue.message}`,
        location: { file },
      },
    ];
  }
  // The contract's words for a field gone wrong (the union alternative that got furthest, what
  // was expected and what was there), located on the config's line.
  const emit: Emit = (code, message, path, hint) => ({
    severity: 'error',
    code: code === 'contract/missing-field' ? 'config/missing-field' : 'config/invalid',
    message,
    location: {
      file,
      ...lineAlong(text, path),
    },
    ...(hint ? { hint } : {}),
  });
  // A YAML config's scalar as written (`base: 2024`); JSON writes a number as it reads it.
  const written = file.endsWith('.json') ? {} : { written: (path: Path) => scalarAlong(text, path) };
  return describeIssue(issue, [], { data, emit, ...written });
}

/**
 * Errors for each agent the config names that Baton has no adapter for: the default `agent`, each of
 * `attempts`, and each key of `agents` (settings for an adapter that does not exist would do nothing).
 * Found where the config is read, so `baton lint` and `baton plan` say so, not the run once begun (pure).
 */
function unknownAgents(file: string, text: string, input: ConfigInput): Diagnostic[] {
  const named: Array<{ field: string; at: PropertyKey[]; name: string }> = [];
  const nameOf = (spec: AgentSpec) =>
    typeof spec === 'string' ? spec : 'name' in spec ? spec.name : undefined;
  const add = (field: string, at: PropertyKey[], spec: AgentSpec) => {
    const name = nameOf(spec);
    if (name !== undefined) named.push({ field, at, name });
  };
  if (input.agent !== undefined) add('agent', ['agent'], input.agent);
  if (Array.isArray(input.attempts)) {
    input.attempts.forEach((spec, i) => {
      add(`attempts[${i}]`, ['attempts', i], spec);
    });
  }
  // `command` is the shell-command agent's adapter: its settings (env, say) apply to every such agent.
  for (const key of Object.keys(input.agents ?? {})) {
    if (key !== 'command') named.push({ field: `agents.${key}`, at: ['agents', key], name: key });
  }
  return named.flatMap(({ field, at, name }): Diagnostic[] => {
    const problem = agentNameProblem(name);
    if (!problem) return [];
    return [
      {
        severity: 'error',
        code: 'config/unknown-agent',
        message: `${field}: ${problem.message}`,
        location: { file, ...lineAlong(text, at) },
        hint: problem.hint,
      },
    ];
  });
}

/**
 * An unknown key, with the closest known one at the same place (`concurency` → `concurrency`,
 * `retry.attempt` → `retry.attempts`), located on its line.
 */
function unknownKey(file: string, text: string, path: readonly PropertyKey[], key: string): Diagnostic {
  const known = objectKeysAt(ConfigSchema, path);
  const suggestion = closestName(key, known);
  const dotted = (last: string) => [...path, last].map(String).join('.');
  return {
    severity: 'error',
    code: 'config/unknown-key',
    message: `unknown key "${dotted(key)}"${suggestion ? ` (did you mean "${dotted(suggestion)}"?)` : ''}`,
    location: { file, ...lineAlong(text, [...path, key]) },
    hint: suggestion
      ? `Rename "${key}" to "${suggestion}".`
      : known.length > 0
        ? `Known keys here: ${known.join(', ')} (see ${CONFIG_KEYS_DOC}).`
        : `See ${CONFIG_KEYS_DOC} for the keys allowed here.`,
  };
}

/** Whether `path` (or, when it does not exist yet, its nearest existing folder) is really inside `root`. */
function insideReal(root: string, path: string): boolean {
  return isInside(realNearest(root), realNearest(path));
}

/** A warning for each config file beside the one read: the first of `CONFIG_FILES` wins, the others are ignored. */
function shadowedConfigs(root: string, used: string): Diagnostic[] {
  return CONFIG_FILES.slice(CONFIG_FILES.indexOf(used as (typeof CONFIG_FILES)[number]) + 1)
    .filter((other) => existsSync(join(root, other)))
    .map((other) => ({
      severity: 'warning' as const,
      code: 'config/ignored-file',
      message: `${other} is ignored: ${used} is read instead (the first of ${CONFIG_FILES.join(', ')} that exists)`,
      location: { file: other },
      hint: `Move what ${other} says into ${used}, then delete ${other}.`,
    }));
}

/** The most a config file may hold: a page of settings, far below this. */
const MAX_CONFIG_BYTES = 1024 * 1024;

/** The error for a config file that is there but cannot be read (a FIFO, a folder, too large…). */
function unreadableConfig(file: string, { reason, problem }: TextUnread): Diagnostic {
  return {
    severity: 'error',
    code:
      reason === 'too-large'
        ? 'config/too-large'
        : reason === 'not-regular'
          ? 'config/not-a-file'
          : 'config/unreadable',
    // The location names the file: said once (`baton.yaml: error: the config file is a FIFO, …`).
    message: `the config file ${problem}`,
    location: { file },
    hint:
      reason === 'unreadable'
        ? `Make ${file} readable (check its permissions).`
        : reason === 'too-large'
          ? `Keep ${file} to Baton's settings (see ${CONFIG_KEYS_DOC}).`
          : `Write ${file} as a regular text file of settings (\`baton init\` writes one), or remove it.`,
  };
}

/**
 * Reads the config at the repository root (the first of `CONFIG_FILES` there); no file means all defaults.
 * A config refused for errors that leave the contracts' folder known carries the settings that validated
 * (`usable`), for `baton lint` to go on to the contracts in the same pass.
 */
export function loadConfig(root: string): ConfigResult<Config> {
  for (const name of CONFIG_FILES) {
    const path = join(root, name);
    const read = readRegularText(path, {
      maxBytes: MAX_CONFIG_BYTES,
      what: 'a config file',
      followLinks: true,
    });
    if (!read.ok && read.reason === 'missing') continue;
    if (!read.ok) return { ok: false, errors: [unreadableConfig(name, read)] };
    const text = read.text;
    const parsed = parseConfigText(name, text);
    const input = parsed.ok ? parsed.value : parsed.usable;
    if (input === undefined) return { ok: false, errors: parsed.ok ? [] : parsed.errors };
    const config = resolveConfig(root, input, path);
    // A specs folder inside the repository by name, but a symlink out of it.
    if (input.specs !== undefined && !insideReal(root, config.specs)) {
      const why = 'leads out of the repository (through a symlink)';
      const outside = specsOutsideError(name, text, input.specs, why);
      return { ok: false, errors: [...(parsed.ok ? [] : parsed.errors), outside] };
    }
    if (!parsed.ok) return { ok: false, errors: parsed.errors, usable: config };
    return { ok: true, value: config, warnings: shadowedConfigs(root, name) };
  }
  return { ok: true, value: resolveConfig(root, {}), warnings: [] };
}

export { logPathFor, stateDirFor } from './log/paths.js';
