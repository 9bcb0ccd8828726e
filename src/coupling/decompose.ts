import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { stateDirFor } from '../config.js';
import type { Config } from '../config-schema.js';
import { contractJsonSchema } from '../contracts/json-schema.js';
import { formatDiagnostic, UserError } from '../errors.js';
import { gitRaw, resolveCommit } from '../git/git.js';
import { trackedFiles } from '../project.js';
import { palette } from '../terminal/style.js';
import { couplingSettings } from './analysis.js';
import { readCoChange } from './analyze.js';
import { buildDecomposeTask, folderOwners, renderFolderCoupling, renderLayout } from './decompose-task.js';
import { changedRefs, changesOutside, type Evaluation, evaluateContracts, refSnapshot } from './evaluate.js';
import { renderScoreText } from './render.js';

/** One round as it went: what the agent left and how it scored. */
export interface RoundResult {
  round: number;
  exit_code: number | null;
  /** Accepted rounds' agents exited 0 and changed nothing outside the specs folder. */
  accepted: boolean;
  /** Why a round was refused: it changed files or refs outside the specs folder, or its agent failed. */
  refused?: 'outside' | 'agent-failed';
  /** Files (and refs) changed outside the specs folder, when the round was refused. */
  outside: string[];
  evaluation?: Evaluation;
}

/** What `runDecompose` needs from the outside: the agent runner and where to report progress. */
export interface DecomposeOptions {
  root: string;
  config: Config;
  spec: string;
  features: number | undefined;
  rounds: number;
  force: boolean;
  runId: string;
  /** Runs the agent once in `worktree` with `task`; resolves to its exit code. */
  runAgent(args: { task: string; worktree: string; round: number }): Promise<number | null>;
  progress(line: string): void;
}

/** The outcome: every round, the one kept, and the files written into the main checkout. */
export interface DecomposeResult {
  rounds: RoundResult[];
  best: RoundResult | undefined;
  written: string[];
  /** The scratch worktree, kept when a round was refused so the user can look at what the agent did. */
  worktree: string;
  kept_worktree: boolean;
}

/**
 * Runs the decompose loop: the agent writes contracts in a scratch worktree of HEAD; Baton lints and
 * scores them and hands the findings back, until lint is clean and the score stops improving (or R
 * rounds). A round that changed anything outside the specs folder is refused and ends the loop. The
 * best round's files are then copied into the main checkout's specs folder, never over an existing
 * file without `force`. Long because it is the loop's whole lifecycle, each step one call.
 */
export async function runDecompose(o: DecomposeOptions): Promise<DecomposeResult> {
  const specsRel = relative(o.root, o.config.specs).split('\\').join('/');
  if (!specsRel || specsRel.startsWith('..')) {
    throw new UserError(
      'decompose/specs-outside',
      `the specs folder ${o.config.specs} is not inside the repository`,
    );
  }
  const existing = listFiles(o.config.specs).filter((f) => f.endsWith('contract.md'));
  if (existing.length > 0 && !o.force) {
    throw new UserError(
      'decompose/contracts-exist',
      `${existing.length} contract${existing.length === 1 ? '' : 's'} already exist in ${specsRel}/ (${existing.slice(0, 5).join(', ')})`,
      { hint: 'Pass --force to let the agent rewrite them, or move them away first.' },
    );
  }
  const base = await resolveCommit(o.root, 'HEAD');
  if (!base) {
    throw new UserError('decompose/no-commit', 'the repository has no commit yet', {
      hint: 'Commit once (`git add -A && git commit -m start`); the agent works in a worktree of HEAD.',
    });
  }
  const worktree = join(o.config.worktrees, `decompose-${o.runId}`);
  mkdirSync(dirname(worktree), { recursive: true });
  const added = await gitRaw(o.root, ['worktree', 'add', '--detach', worktree, base]);
  if (added.exitCode !== 0) {
    throw new UserError(
      'decompose/worktree',
      `could not create the scratch worktree: ${added.stderr.trim()}`,
    );
  }
  // Contracts not yet committed are part of what the agent must see (and may rewrite with --force).
  if (existsSync(o.config.specs)) cpSync(o.config.specs, join(worktree, specsRel), { recursive: true });
  const scratchConfig: Config = { ...o.config, root: worktree, specs: join(worktree, specsRel) };
  const start = snapshot(scratchConfig.specs);

  const files = await trackedFiles(worktree);
  const ignore = [`${specsRel}/`, '.baton/'];
  const folders = folderOwners(files, ignore);
  const stateDir = stateDirFor(o.root);
  const history = await readCoChange(worktree, folders, couplingSettings(o.config), {
    ignore,
    // The scratch worktree shares the repository's commits, so it shares their cache too.
    ...(existsSync(stateDir) ? { cacheFile: join(stateDir, 'cache', 'history.txt') } : {}),
  });
  const common = {
    spec: o.spec,
    specsDir: specsRel,
    layout: renderLayout(files, ignore),
    coupling: renderFolderCoupling(history, folders.length),
    schema: JSON.stringify(contractJsonSchema(), null, 2),
    features: o.features,
    rounds: o.rounds,
  };

  const refsBefore = await refSnapshot(o.root);
  const rounds: RoundResult[] = [];
  const kept = new Map<number, Map<string, string>>();
  let best: RoundResult | undefined;
  let previous: RoundResult | undefined;
  for (let round = 1; round <= o.rounds; round++) {
    const last = previous?.evaluation;
    const task = buildDecomposeTask({
      ...common,
      round,
      ...(last ? { findings: last.diagnostics.map((d) => `- ${formatDiagnostic(d)}`).join('\n') } : {}),
      ...(last?.score ? { score: renderScoreText(last.score, palette(false)) } : {}),
    });
    o.progress(`round ${round}: running the agent`);
    const exitCode = await o.runAgent({ task, worktree, round });
    const outside = [
      ...(await changesOutside(worktree, base, `${specsRel}/`)),
      ...changedRefs(refsBefore, await refSnapshot(o.root)).map((r) => `ref ${r}`),
    ];
    if (outside.length > 0) {
      rounds.push({ round, exit_code: exitCode, accepted: false, refused: 'outside', outside });
      o.progress(`round ${round}: refused: the agent changed ${outside.length} path(s) outside ${specsRel}/`);
      break;
    }
    // An agent that failed may have left half its contracts: what it wrote is not its answer.
    if (exitCode !== 0) {
      rounds.push({ round, exit_code: exitCode, accepted: false, refused: 'agent-failed', outside: [] });
      o.progress(`round ${round}: refused: ${describeAgentExit(exitCode)}`);
      break;
    }
    const evaluation = await evaluateContracts(worktree, scratchConfig, o.features);
    const result: RoundResult = { round, exit_code: exitCode, accepted: true, outside: [], evaluation };
    rounds.push(result);
    kept.set(round, snapshot(scratchConfig.specs));
    o.progress(
      `round ${round}: ${evaluation.contracts} contract(s), ${evaluation.errors} error(s), ` +
        `${evaluation.diagnostics.length - evaluation.errors} warning(s), score ${evaluation.score?.penalty ?? '—'}`,
    );
    const improved = !best || rank(result) < rank(best);
    if (improved) best = result;
    const clean = evaluation.errors === 0 && evaluation.lint_warnings === 0;
    if (clean && (evaluation.score?.penalty === 0 || !improved)) break;
    previous = result;
  }

  const written = best
    ? copyChanged(start, kept.get(best.round) ?? new Map(), o.root, specsRel, o.force)
    : [];
  const refused = rounds.some((r) => !r.accepted);
  if (!refused) await gitRaw(o.root, ['worktree', 'remove', '--force', worktree]);
  return { rounds, best, written, worktree, kept_worktree: refused };
}

/** A failed agent's exit in words: `the agent exited 3`, or killed by a signal. */
export function describeAgentExit(exitCode: number | null): string {
  return exitCode === null ? 'the agent was killed by a signal' : `the agent exited ${exitCode}`;
}

/** Orders rounds: fewer errors, then fewer lint warnings, then a lower score. */
function rank(r: RoundResult): number {
  const e = r.evaluation;
  if (!e) return Number.POSITIVE_INFINITY;
  return e.errors * 1e6 + e.lint_warnings * 1e3 + (e.score?.penalty ?? 999);
}

/** Every file under a folder, relative to it, with its text. */
function snapshot(dir: string): Map<string, string> {
  return new Map(listFiles(dir).map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
}

function listFiles(dir: string, prefix = ''): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    const st = statSync(full);
    if (st.isDirectory()) out.push(...listFiles(full, `${prefix}${name}/`));
    else if (st.isFile()) out.push(`${prefix}${name}`);
  }
  return out;
}

/** Copies the files the agent added or changed into the main specs folder; an existing file only with `force`. */
function copyChanged(
  start: ReadonlyMap<string, string>,
  end: ReadonlyMap<string, string>,
  root: string,
  specsRel: string,
  force: boolean,
): string[] {
  const written: string[] = [];
  for (const [file, text] of end) {
    if (start.get(file) === text) continue;
    const target = join(root, specsRel, file);
    if (existsSync(target) && !force) {
      if (readFileSync(target, 'utf8') === text) continue;
      throw new UserError(
        'decompose/would-overwrite',
        `${specsRel}/${file} appeared while the agent worked; not overwritten`,
        {
          hint: 'Move it away and run again, or pass --force.',
        },
      );
    }
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, text);
    written.push(`${specsRel}/${file}`);
  }
  return written;
}
