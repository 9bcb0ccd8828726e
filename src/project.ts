import { existsSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { agentDiagnostics } from './agents/reach.js';
import type { CacheUse } from './cache-file.js';
import { plannedCriteria } from './checks/criteria.js';
import { CONFIG_KEYS_DOC, loadConfig, logPathFor, resolveConfig, stateDirFor } from './config.js';
import type { Config } from './config-schema.js';
import { lintContracts, lintSalvaged, unknownDependencies } from './contracts/lint.js';
import { readContracts } from './contracts/load.js';
import type { Contract } from './contracts/schema.js';
import { type Diagnostic, formatLocation, formatUserError, type Result, UserError } from './errors.js';
import { findMainWorktree, gitRaw } from './git/git.js';
import { buildPlan } from './graph/plan.js';
import type { Plan } from './graph/types.js';
import type { LoadProblem } from './load-problem.js';
import type { PlannedCriteria } from './log/check-reason.js';

/** A loaded project: the main checkout, its configuration and a valid plan. */
export interface Project {
  /** The main worktree (even when Baton runs inside a feature's linked worktree). */
  root: string;
  config: Config;
  plan: Plan;
  logPath: string;
  warnings: Diagnostic[];
}

/**
 * What a command does with the contracts it loads: `decide` on them (run their checks, judge a branch by
 * their criteria and `owns`, move a branch, choose an attempt) or only `show` them (status, plan, lint,
 * report, dashboard). The parse cache is only for showing (see `cacheOptions`).
 */
export type ContractsUse = CacheUse;

/**
 * Finds the main checkout from `cwd`, reads config and contracts, and plans; throws `UserError` on invalid
 * input. A command that decides on the contracts (the default) reads each from its file, never from the cache.
 */
export async function loadProject(cwd: string, use: ContractsUse = 'decide'): Promise<Project> {
  const root = await findMainWorktree(cwd);
  const config = loadConfig(root);
  if (!config.ok) {
    throw new UserError('config/invalid', 'the configuration is invalid', {
      diagnostics: config.errors,
      hint: `Fix the file named above; every field is optional (see ${CONFIG_KEYS_DOC}).`,
    });
  }
  const read = await readContracts(config.value, cacheOptions(root, use));
  if (!read.ok) {
    const missing = read.errors.find((e) => e.code === 'contracts/no-specs');
    if (missing) {
      throw new UserError('contracts/none', missing.message, {
        hint: 'Run `baton init` to set up the project, or `baton new <name>` to write a first contract.',
      });
    }
    throw new UserError('contracts/invalid', countProblems(read.errors), { diagnostics: read.errors });
  }
  const { contracts, errors, warnings, folders } = read.value;
  if (errors.length > 0) {
    // The same errors `baton lint` names: those of the contracts that did parse (cycles, repeated ids) too.
    const parsed = lintParsed(contracts, new Set(folders), await trackedFiles(root)).filter(
      (d) => d.severity === 'error',
    );
    throw new UserError('contracts/invalid', countProblems([...errors, ...parsed]), {
      diagnostics: [...errors, ...parsed, ...warnings],
    });
  }
  if (contracts.length === 0) throw noContracts(config.value, warnings);
  const plan = await planWithFiles(contracts, root);
  if (!plan.ok) {
    throw new UserError('contracts/invalid', countProblems(plan.errors), {
      diagnostics: [...plan.errors, ...warnings],
    });
  }
  return {
    root,
    config: config.value,
    plan: plan.value,
    logPath: logPathFor(root),
    warnings: [...config.warnings, ...warnings, ...plan.warnings],
  };
}

/**
 * The plan, with the tracked files listed (one git process) only when its ownership overlaps can use
 * them: when some pair's globs can meet and their sample paths did not (`unsettled`). Contracts whose
 * `owns` lie apart, as most do, are planned without asking git.
 */
async function planWithFiles(contracts: readonly Contract[], root: string): Promise<Result<Plan>> {
  const plan = buildPlan(contracts);
  if (!plan.ok || plan.value.integration_points.unsettled === 0) return plan;
  return buildPlan(contracts, { files: await trackedFiles(root) });
}

/**
 * The error for a specs folder without a contract read, with the warnings that say why (a folder
 * without contract.md, a contract written beside the folders); a misplaced contract's hint is its own.
 */
function noContracts(config: Pick<Config, 'root' | 'specs'>, warnings: readonly Diagnostic[]): UserError {
  const misplaced = warnings.find((w) => w.code === 'contracts/misplaced-contract');
  // The folder the config names, as `baton new` will write it (a `/` between folders, as git shows paths).
  const folder = relative(config.root, config.specs).split(sep).join('/');
  const created = `${folder === '' ? '' : `${folder}/`}feature-NNN-<name>/contract.md`;
  return new UserError('contracts/none', `no contracts found in ${config.specs}`, {
    hint: misplaced?.hint ?? `Write one with \`baton new <name>\` (it creates ${created}).`,
    diagnostics: [...warnings],
  });
}

/** What `baton status` needs from the project; `problem` says why the contracts or config did not load. */
export interface StatusFacts {
  root: string;
  /** The features in plan order; without a plan, those the specs folder declares, in folder order. */
  ids: string[];
  worktreesDir?: string;
  /** The criteria each feature's worktree checks run (`criteriaFor`, `owns` included), by id. */
  criteria?: PlannedCriteria;
  /** Each feature's `after: integration` criteria, by id. */
  integrationCriteria?: PlannedCriteria;
  /** The config's `trust_workers` (checks a worker reported count as passed here), when it loaded. */
  trustWorkers?: boolean;
  specs?: string;
  /** When the project did not load: which part failed, and its first located problem on one line. */
  problem?: LoadProblem;
}

/**
 * Why `loadProject` failed with `err`, for a command that goes on without the project (status, report):
 * the config when it did not load, else the contracts, with the first located problem on one line.
 */
export function loadProblem(err: UserError, configLoaded: boolean): LoadProblem {
  return { part: configLoaded ? 'contracts' : 'config', detail: firstProblem(err) };
}

/**
 * The criteria each contract's checks run on a worktree (or with `on`, after integration), by feature
 * id: their id, kind, text and digest (`PlannedCriterion`).
 */
export function plannedCriteriaByFeature(
  contracts: readonly Contract[],
  on: 'worktree' | 'integration' = 'worktree',
): PlannedCriteria {
  return Object.fromEntries(contracts.map((c) => [c.feature_id, plannedCriteria(c, on)]));
}

/**
 * The project's feature ids for a status view. A project that does not load still gives the ids its
 * specs folder declares (a broken contract by its folder's name), so no feature goes missing.
 */
export async function statusFacts(cwd: string): Promise<StatusFacts> {
  try {
    const project = await loadProject(cwd, 'show');
    const { root, config } = project;
    return {
      root,
      ids: [...project.plan.order],
      worktreesDir: config.worktrees,
      criteria: plannedCriteriaByFeature(project.plan.features),
      integrationCriteria: plannedCriteriaByFeature(project.plan.features, 'integration'),
      trustWorkers: config.trust_workers,
      specs: config.specs,
    };
  } catch (err) {
    if (!(err instanceof UserError) || err.code.startsWith('git/')) throw err;
    const root = await findMainWorktree(cwd);
    // A project with no contracts at all (the log written by hooks alone) hides nothing.
    if (err.code === 'contracts/none') return { root, ids: [] };
    const config = loadConfig(root);
    // A config that does not load still leaves the default specs folder to list.
    const specsFrom = config.ok ? config.value : resolveConfig(root, {});
    const read = await readContracts(specsFrom, cacheOptions(root, 'show'));
    return {
      root,
      ids: read.ok ? read.value.declared : [],
      ...(config.ok ? { worktreesDir: config.value.worktrees } : {}),
      problem: loadProblem(err, config.ok),
    };
  }
}

/** A user error as one line: its first located error when it has one, and how many more there are. */
export function firstProblem(err: UserError): string {
  const errors = err.diagnostics.filter((d) => d.severity === 'error');
  const first = errors[0];
  if (!first) return formatUserError(err);
  const where = first.location ? `${formatLocation(first.location)}: ` : '';
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
  return `${where}${first.message} [${first.code}]${more}`;
}

/** The error for ids no feature has, listing the known ones: one wording for every command. */
export function unknownFeaturesError(
  unknown: readonly string[],
  known: readonly string[],
  hint = 'Run `baton plan` to list the features.',
): UserError {
  return new UserError(
    'features/unknown',
    `unknown feature${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}; known ids: ${known.join(', ') || '(none)'}`,
    { hint },
  );
}

/** The ids to act on: all features in plan order when `ids` is empty; an unknown id is a `UserError`. */
export function selectFeatures(plan: Plan, ids: readonly string[]): string[] {
  if (ids.length === 0) return [...plan.order];
  const unknown = ids.filter((id) => !plan.byId.has(id));
  if (unknown.length > 0) throw unknownFeaturesError(unknown, plan.order);
  const wanted = new Set(ids);
  return plan.order.filter((id) => wanted.has(id));
}

/**
 * Files git tracks in the main checkout, for ownership overlaps; empty when git cannot list them.
 * Never rejects, so it can be started early and left unawaited when the config or contracts fail.
 */
export async function trackedFiles(root: string): Promise<string[]> {
  const r = await gitRaw(root, ['ls-files', '-z']).catch(() => undefined);
  if (r?.exitCode !== 0) return [];
  return r.stdout.split('\0').filter((f) => f !== '');
}

/**
 * The one rule for the contracts' parse cache: parse results are cached under `.baton/` once it exists
 * (`baton init` or a first run creates it, ignored by git), and used only by a command that shows the
 * contracts. Anything running as the user (an agent) can write that file and no git watch sees it, so
 * a command that decides on a contract reads it from its file: a cache cannot vouch for one.
 */
function cacheOptions(root: string, use: ContractsUse): { cacheFile?: string } {
  if (use !== 'show') return {};
  const state = stateDirFor(root);
  return existsSync(state) ? { cacheFile: join(state, 'cache', 'contracts.json') } : {};
}

function countProblems(errors: readonly Diagnostic[]): string {
  const n = errors.filter((e) => e.severity === 'error').length;
  return `${n} problem${n === 1 ? '' : 's'} in the contracts`;
}

/** Everything `baton lint` reports: errors and warnings from config, contracts, the graph and the lint rules. */
export interface LintReport {
  root: string;
  /** How many contracts were read, when all of them parsed. */
  contracts: number | undefined;
  diagnostics: Diagnostic[];
}

/** Loads as much of the project as is valid and collects every problem instead of stopping at the first. */
export async function lintProject(cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<LintReport> {
  const root = await findMainWorktree(cwd);
  const listing = trackedFiles(root);
  const loaded = loadConfig(root);
  if (loaded.ok) {
    const { contracts, diagnostics } = await lintSpecs(loaded.value, loaded.warnings, listing, env);
    return { root, contracts, diagnostics };
  }
  // Errors that leave the contracts' folder known: the contracts are linted too, in this pass.
  if (loaded.usable === undefined) return { root, contracts: undefined, diagnostics: loaded.errors };
  try {
    const specs = await lintSpecs(loaded.usable, [], listing, env);
    return { root, contracts: specs.contracts, diagnostics: [...loaded.errors, ...specs.diagnostics] };
  } catch (err) {
    // No contracts to lint: the config's errors are the news, not that.
    if (err instanceof UserError && err.code === 'contracts/none')
      return { root, contracts: undefined, diagnostics: loaded.errors };
    throw err;
  }
}

/** What lint's pass over a specs folder found, and the plan when the contracts make one. */
export interface SpecsLint extends Omit<LintReport, 'root'> {
  plan?: Plan;
}

/**
 * Lint's pass over the specs folder `config` names (which may be a scratch worktree's): contracts, plan
 * and lint rules, beside the config's warnings. `baton lint` and `baton decompose` both read contracts
 * through it, so they count the same findings; `decompose`, which judges an agent's contracts by them,
 * reads them as a deciding command (`use`). Throws `contracts/none` when there is no contract.
 */
export async function lintSpecs(
  config: Config,
  configWarnings: readonly Diagnostic[],
  listing: Promise<string[]>,
  env: NodeJS.ProcessEnv,
  use: ContractsUse = 'show',
): Promise<SpecsLint> {
  const root = config.root;
  const read = await readContracts(config, cacheOptions(root, use));
  if (!read.ok) {
    if (read.errors.some((e) => e.code === 'contracts/no-specs')) {
      throw new UserError('contracts/none', read.errors[0]?.message ?? 'no specs folder', {
        hint: 'Run `baton init` to set up the project, or `baton new <name>` to write a first contract.',
      });
    }
    return { contracts: undefined, diagnostics: read.errors };
  }
  const { contracts, errors, warnings, folders, salvaged } = read.value;
  // As `plan` and `run` say: a specs folder without contracts is not a clean project.
  if (contracts.length === 0 && errors.length === 0) throw noContracts(config, warnings);
  if (errors.length > 0) {
    // The contracts that did parse are planned and linted too, and the valid parts of those that did
    // not, so one pass shows every problem.
    const parsed = lintParsed(contracts, new Set(folders), await listing);
    const diagnostics = [...errors, ...parsed, ...lintSalvaged(salvaged), ...configWarnings, ...warnings];
    return { contracts: undefined, diagnostics };
  }
  const plan = buildPlan(contracts, { files: await listing });
  if (!plan.ok) {
    // The graph's errors do not hide the warnings: the lint rules run beside them.
    const { lint } = planAndLintAmongKnown(contracts, await listing);
    return {
      contracts: contracts.length,
      diagnostics: [
        ...plan.errors,
        ...configWarnings,
        ...warnings,
        ...lint,
        ...agentDiagnostics(contracts, config, env),
      ],
    };
  }
  const lint = lintContracts(plan.value.features, plan.value.integration_points.overlaps);
  const reach = agentDiagnostics(contracts, config, env);
  return {
    contracts: contracts.length,
    diagnostics: [...configWarnings, ...warnings, ...lint, ...reach],
    plan: plan.value,
  };
}

/**
 * The plan's errors (repeated ids, cycles, dependencies on no feature folder) and the lint warnings
 * among the contracts that parsed, while others did not: a dependency on a feature whose contract did
 * not parse is left to that contract's own error.
 */
function lintParsed(
  contracts: readonly Contract[],
  folders: ReadonlySet<string>,
  files: string[],
): Diagnostic[] {
  const unknown = unknownDependencies(contracts, folders);
  const { errors, lint } = planAndLintAmongKnown(contracts, files);
  return [...errors, ...unknown, ...lint];
}

/**
 * The graph's errors among `contracts` with their dependencies on no contract left out (the caller
 * reports those), and the lint rules' warnings: all of them when that graph holds; when it does not
 * (a cycle, a repeated id), every rule but the ownership overlaps, which need the dependency order
 * to tell a conflict from a feature building on another.
 */
function planAndLintAmongKnown(
  contracts: readonly Contract[],
  files: string[],
): { errors: Diagnostic[]; lint: Diagnostic[] } {
  const ids = new Set(contracts.map((c) => c.feature_id));
  const amongKnown = contracts.map((c) => ({
    ...c,
    depends_on: { ...c.depends_on, features: c.depends_on.features.filter((d) => ids.has(d)) },
  }));
  const plan = buildPlan(amongKnown, { files });
  if (!plan.ok) return { errors: plan.errors, lint: lintContracts(contracts, []) };
  return {
    errors: [],
    lint: lintContracts(plan.value.features, plan.value.integration_points.overlaps),
  };
}
