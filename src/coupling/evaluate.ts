import { lstatSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config-schema.js';
import { type Diagnostic, UserError } from '../errors.js';
import { gitRaw } from '../git/git.js';
import { parsePorcelainStatus, statusEntries } from '../git/status.js';
import type { Plan } from '../graph/types.js';
import { outsideStateDir } from '../guard/checkout-watch.js';
import { compareSnapshots, parseSnapshots, type RepoSnapshot, snapshotRepo } from '../guard/repo-snapshot.js';
import { lintSpecs, type SpecsLint, trackedFiles } from '../project.js';
import { realOr } from '../real-nearest.js';
import type { CouplingAnalysis } from './analysis.js';
import { analyzeCoupling } from './analyze.js';
import { couplingDiagnostics, type DecompositionScore, scoreDecomposition } from './score.js';

/** How a set of contracts fares: `baton lint` plus the coupling score, in one value. */
export interface Evaluation {
  /** How many contracts loaded; undefined when they did not load (their errors are the diagnostics). */
  contracts: number | undefined;
  diagnostics: Diagnostic[];
  errors: number;
  /** Warnings from the contract rules (vague criteria, overlaps), apart from coupling. */
  lint_warnings: number;
  plan?: Plan;
  analysis?: CouplingAnalysis;
  score?: DecompositionScore;
}

/**
 * Lints and scores the contracts under `config.specs` of the checkout at `root` (which may be a
 * scratch worktree: nothing here looks for the main one), through `baton lint`'s own pass
 * (`lintSpecs`), so the findings are lint's: those of the contracts that parsed while others did not
 * too. The coupling warnings are added, as lint adds them, once there is no error. `features` asks
 * for an exact count. The config's own warnings are left out: the agent cannot change the config.
 */
export async function evaluateContracts(
  root: string,
  config: Config,
  o: { features?: number | undefined; env: NodeJS.ProcessEnv },
): Promise<Evaluation> {
  const listing = trackedFiles(root);
  let report: SpecsLint;
  try {
    report = await lintSpecs(config, [], listing, o.env, 'decide');
  } catch (err) {
    if (!(err instanceof UserError && err.code === 'contracts/none')) throw err;
    const none: Diagnostic = {
      severity: 'error',
      code: 'decompose/no-contracts',
      message: 'no contract was written',
    };
    return summarise(0, [none]);
  }
  const count = report.contracts;
  const extra: Diagnostic[] = [];
  if (count !== undefined && o.features !== undefined && count !== o.features) {
    extra.push({
      severity: 'error',
      code: 'decompose/feature-count',
      message: `${count} contracts were written; ${o.features} were asked for`,
    });
  }
  const lint = [...extra, ...report.diagnostics];
  const plan = report.plan;
  if (!plan) return summarise(count, lint);
  const analysis = await analyzeCoupling({ root, config, features: plan.features, files: await listing });
  // As `baton lint` does: only when lint itself found no error (a count asked for is decompose's own).
  const clean = !report.diagnostics.some((d) => d.severity === 'error');
  const coupling = clean ? couplingDiagnostics(plan, analysis) : [];
  return {
    ...summarise(count, [...lint, ...coupling]),
    lint_warnings: lint.filter((d) => d.severity !== 'error').length,
    plan,
    analysis,
    score: scoreDecomposition(plan, analysis),
  };
}

function summarise(contracts: number | undefined, diagnostics: Diagnostic[]): Evaluation {
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  return { contracts, diagnostics, errors, lint_warnings: diagnostics.length - errors };
}

/** How a round's contracts read in its progress line and the kept summary: a count, or that they do not load. */
export function contractsPhrase(e: Evaluation): string {
  return e.contracts === undefined ? 'contracts that do not load' : `${e.contracts} contract(s)`;
}

/**
 * Paths changed in a worktree since `base`, committed or not, outside `allowed` (a folder prefix
 * such as `specs/`): what an agent wrote where it was told not to.
 */
export async function changesOutside(worktree: string, base: string, allowed: string): Promise<string[]> {
  const changed = new Set<string>();
  const committed = await gitRaw(worktree, ['diff', '--name-only', '-z', '--no-renames', base, 'HEAD']);
  for (const f of committed.stdout.split('\0')) if (f) changed.add(f);
  const status = await gitRaw(worktree, [
    'status',
    '--porcelain=v1',
    '-z',
    '--untracked-files=all',
    '--no-renames',
  ]);
  for (const e of parsePorcelainStatus(status.stdout)) changed.add(e.path);
  return [...changed].filter((f) => !f.startsWith(allowed)).sort();
}

/** The names (refs, or paths of the main checkout) that differ between two snapshots: created, changed or gone. */
export function changedRefs(
  before: ReadonlyMap<string, string>,
  after: ReadonlyMap<string, string>,
): string[] {
  const names = new Set([...before.keys(), ...after.keys()]);
  return [...names].filter((n) => before.get(n) !== after.get(n)).sort();
}

/**
 * The main checkout's changed, untracked and ignored files (outside Baton's own `.baton/`), each with
 * its status code, size and modification time, so a path the agent wrote there while it worked in its
 * scratch worktree shows as a difference: one already changed or untracked, or ignored (`.env`), too.
 * A folder git lists whole (untracked, or ignored: `node_modules/`, an editor's) counts by its code only.
 */
export async function checkoutSnapshot(root: string): Promise<Map<string, string>> {
  const r = await gitRaw(root, ['status', '--porcelain=v1', '-z', '--ignored=traditional']);
  const entries = (r.exitCode === 0 ? parsePorcelainStatus(r.stdout) : await statusEntries(root)).filter(
    outsideStateDir,
  );
  // The files this process itself writes to (`baton decompose > decompose.log` in the repository) grow
  // while the agent works: by their code only, like a folder.
  const own = ownOutputFiles();
  return new Map(
    entries.map((e) => {
      const path = join(root, e.path);
      const byCode = e.path.endsWith('/') || own.has(realOr(path));
      return [e.path, byCode ? e.code : `${e.code} ${fileStamp(path)}`];
    }),
  );
}

/** The regular files this process's standard output and error go to (Linux: `/proc/self/fd`), real paths. */
function ownOutputFiles(): Set<string> {
  const files = new Set<string>();
  for (const fd of [1, 2]) {
    try {
      files.add(realpathSync(`/proc/self/fd/${fd}`));
    } catch {
      // No such descriptor, or no /proc: nothing to leave out.
    }
  }
  return files;
}

/** A file's size and modification time, or `gone`. */
function fileStamp(path: string): string {
  const st = lstatSync(path, { throwIfNoEntry: false });
  return st === undefined ? 'gone' : `${st.size} ${st.mtimeMs}`;
}

/**
 * What changed in the repository since `before` (`snapshotRepo`): refs (`ref <name>`), keys of the
 * shared git config (`git config <key>`), the files git runs or reads (`.git/hooks/pre-commit`), the stash.
 */
export async function repoChanges(root: string, before: RepoSnapshot): Promise<string[]> {
  const [a, b] = await parseSnapshots(root, before, await snapshotRepo(root));
  return compareSnapshots(a, b).map((c) =>
    c.kind === 'ref'
      ? `ref ${c.name}`
      : c.kind === 'config'
        ? `git config ${c.name}`
        : c.kind === 'file'
          ? `.git/${c.name}`
          : `stash ${c.name}`,
  );
}
