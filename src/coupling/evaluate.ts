import { lstatSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config-schema.js';
import { lintContracts } from '../contracts/lint.js';
import { loadContracts } from '../contracts/load.js';
import type { Diagnostic } from '../errors.js';
import { gitRaw } from '../git/git.js';
import { parsePorcelainStatus, statusEntries } from '../git/status.js';
import { buildPlan } from '../graph/plan.js';
import type { Plan } from '../graph/types.js';
import { outsideStateDir } from '../guard/checkout-watch.js';
import { compareSnapshots, parseSnapshots, type RepoSnapshot, snapshotRepo } from '../guard/repo-snapshot.js';
import { trackedFiles } from '../project.js';
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
 * scratch worktree: nothing here looks for the main one). `features` asks for an exact count.
 */
export async function evaluateContracts(
  root: string,
  config: Config,
  features?: number,
): Promise<Evaluation> {
  const loaded = await loadContracts(config);
  if (!loaded.ok) return summarise(undefined, loaded.errors);
  const count = loaded.value.length;
  const extra: Diagnostic[] = [];
  if (count === 0) {
    extra.push({ severity: 'error', code: 'decompose/no-contracts', message: 'no contract was written' });
  } else if (features !== undefined && count !== features) {
    extra.push({
      severity: 'error',
      code: 'decompose/feature-count',
      message: `${count} contracts were written; ${features} were asked for`,
    });
  }
  const files = await trackedFiles(root);
  const plan = buildPlan(loaded.value, { files });
  if (!plan.ok) return summarise(count, [...plan.errors, ...loaded.warnings, ...extra]);
  const lint = lintContracts(plan.value.features, plan.value.integration_points.overlaps);
  const analysis = await analyzeCoupling({ root, config, features: plan.value.features, files });
  const coupling = couplingDiagnostics(plan.value, analysis);
  const diagnostics = [...extra, ...loaded.warnings, ...lint, ...coupling];
  return {
    ...summarise(count, diagnostics),
    lint_warnings: loaded.warnings.length + lint.length,
    plan: plan.value,
    analysis,
    score: scoreDecomposition(plan.value, analysis),
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
