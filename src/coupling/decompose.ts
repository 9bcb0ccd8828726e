import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { stateDirFor } from '../config.js';
import type { Config } from '../config-schema.js';
import { contractJsonSchema } from '../contracts/json-schema.js';
import { formatDiagnostic, UserError } from '../errors.js';
import { gitRaw, resolveCommit } from '../git/git.js';
import { noHeadCommit } from '../git/unborn-head.js';
import { isReadByGit, repositoryPaths } from '../git/work-tree-names.js';
import { type RepoSnapshot, snapshotRepo } from '../guard/repo-snapshot.js';
import { trackedFiles } from '../project.js';
import { describeTimeLimit } from '../runner/outcome.js';
import { palette } from '../terminal/style.js';
import { escapeControl } from '../text/escape.js';
import { couplingSettings } from './analysis.js';
import { readCoChange } from './analyze.js';
import { copyChanged } from './decompose-copy.js';
import { buildDecomposeTask, folderOwners, renderFolderCoupling, renderLayout } from './decompose-task.js';
import {
  changedRefs,
  changesOutside,
  checkoutSnapshot,
  contractsPhrase,
  type Evaluation,
  evaluateContracts,
  repoChanges,
} from './evaluate.js';
import { renderScoreText } from './render.js';

/** One round as it went: what the agent left and how it scored. */
export interface RoundResult {
  round: number;
  exit_code: number | null;
  /** Its agent ran past its time limit (`timeout_minutes`), in ms, and was stopped. */
  timed_out_after_ms?: number;
  /** Accepted rounds' agents exited 0 and changed nothing outside the specs folder. */
  accepted: boolean;
  /**
   * Why a round was refused: it changed files or refs outside the specs folder, its agent failed, it
   * left symbolic links or files git runs or reads (a repository, `.gitattributes`…) in the specs
   * folder, or Ctrl-C stopped its agent.
   */
  refused?: 'outside' | 'agent-failed' | 'symlink' | 'git-files' | 'interrupted';
  /** Files (and refs) changed outside the specs folder, or the links or git's files left in it, when the round was refused for them. */
  outside: string[];
  evaluation?: Evaluation;
}

/** What `runDecompose` needs from the outside: the agent runner and where to report progress. */
export interface DecomposeOptions {
  root: string;
  config: Config;
  spec: string;
  /** Where the spec was read from: never removed on the agent's word, wherever it is. */
  specFile?: string | undefined;
  features: number | undefined;
  rounds: number;
  force: boolean;
  runId: string;
  /** The environment `baton lint` would see: the contracts are linted as it lints them. */
  env: NodeJS.ProcessEnv;
  /** Runs the agent once in `worktree` with `task`; resolves to its exit code, and its time limit when it ran past it. */
  runAgent(args: {
    task: string;
    worktree: string;
    round: number;
  }): Promise<{ exitCode: number | null; timedOutAfterMs?: number | undefined }>;
  progress(line: string): void;
  /** Ctrl-C: `runAgent` stops the agent's process group; the loop then ends, writes nothing and removes its worktree. */
  signal?: AbortSignal;
}

/** The outcome: every round, the one kept, and the files written into the main checkout. */
export interface DecomposeResult {
  rounds: RoundResult[];
  best: RoundResult | undefined;
  written: string[];
  /** Committed contracts the kept round removed (with `--force`: the agent deleted or renamed them), taken out of the main checkout too. */
  removed: string[];
  /** Files the agent removed that stay (no `--force`, not committed, or changed since): named, never removed. */
  kept: string[];
  /** The scratch worktree, kept when a round was refused so the user can look at what the agent did. */
  worktree: string;
  kept_worktree: boolean;
  /** Ctrl-C ended the loop: nothing was written, the scratch worktree was removed. */
  interrupted: boolean;
}

/** Every file of a specs folder (relative path → bytes): bytes, so an image or a PDF is copied as it is. */
type SpecsSnapshot = Map<string, Buffer>;

/** Where the loop runs: the specs folder (relative), the commit the worktree was cut from, the worktree. */
interface Scratch {
  specsRel: string;
  base: string;
  worktree: string;
}

/**
 * Runs the decompose loop: the agent writes contracts in a scratch worktree of HEAD; Baton lints and
 * scores them and hands the findings back, until lint is clean and the score stops improving (or R
 * rounds). A round that changed anything outside the specs folder is refused and ends the loop. The
 * best round's files are then copied into the main checkout's specs folder, never over an existing
 * file without `force`. The scratch worktree is removed unless a round was refused or a refusal was
 * thrown (both name it, for the user to look at).
 */
export async function runDecompose(o: DecomposeOptions): Promise<DecomposeResult> {
  const specsRel = relative(o.root, o.config.specs).split('\\').join('/');
  if (!specsRel || specsRel.startsWith('..')) {
    throw new UserError(
      'decompose/specs-outside',
      `the specs folder ${o.config.specs} is not inside the repository`,
    );
  }
  refuseExistingContracts(o, specsRel);
  const base = await resolveCommit(o.root, 'HEAD');
  if (!base) {
    // The agent works in a worktree of HEAD: decompose has no --base, so the hint names none.
    const why = await noHeadCommit(o.root, 'none');
    throw new UserError('decompose/no-commit', why.message, { hint: why.hint });
  }
  const scratch = { specsRel, base, worktree: await addScratchWorktree(o, base) };
  let keep = false;
  try {
    const { rounds, best, start, kept } = await runRounds(o, scratch);
    const interrupted = o.signal?.aborted === true;
    keep = !interrupted && rounds.some((r) => !r.accepted);
    const written =
      best && !interrupted
        ? await copyChanged(start, kept.get(best.round) ?? new Map(), {
            root: o.root,
            force: o.force,
            specsRel: scratch.specsRel,
            spared: o.specFile,
            committed: async (file) => {
              // By object id, as git would store the file now (its filters applied), not by decoded text.
              const rel = `${scratch.specsRel}/${file}`;
              const [head, now] = await Promise.all([
                gitRaw(o.root, ['rev-parse', '-q', '--verify', `HEAD:${rel}`]),
                gitRaw(o.root, ['hash-object', '--', rel]),
              ]);
              return head.exitCode === 0 && now.exitCode === 0 && head.stdout.trim() === now.stdout.trim();
            },
          })
        : { written: [], removed: [], kept: [] };
    return {
      rounds,
      best,
      written: written.written,
      removed: written.removed,
      kept: written.kept,
      worktree: scratch.worktree,
      kept_worktree: keep,
      interrupted,
    };
  } catch (err) {
    // A refusal keeps what the agent did and says where; anything else is a bug, and the worktree goes.
    if (!(err instanceof UserError)) throw err;
    keep = true;
    throw new UserError(err.code, err.message, {
      hint: `${err.hint ? `${err.hint} ` : ''}The scratch worktree is kept at ${scratch.worktree}.`,
      exitCode: err.exitCode,
      diagnostics: err.diagnostics,
    });
  } finally {
    if (!keep) await removeScratchWorktree(o, scratch.worktree);
  }
}

/**
 * Refuses a specs folder holding a symbolic link or a repository of its own, or contracts that `force`
 * does not allow to rewrite.
 */
function refuseExistingContracts(o: DecomposeOptions, specsRel: string): void {
  const { files, links } = listSpecs(o.config.specs);
  if (links.length > 0) throw symlinkRefused(specsRel, links);
  const repositories = repositoryPaths(files);
  if (repositories.length > 0) {
    throw new UserError(
      'decompose/git-files',
      `${specsRel}/${escapeControl(repositories[0] ?? '')} makes a folder of ${specsRel}/ a git repository${repositories.length > 1 ? ` (and ${repositories.length - 1} more)` : ''}; decompose copies plain files only`,
      { hint: `Move the repository out of ${specsRel}/.` },
    );
  }
  const existing = files.filter((f) => f.endsWith('contract.md'));
  if (existing.length > 0 && !o.force) {
    throw new UserError(
      'decompose/contracts-exist',
      `${existing.length} contract${existing.length === 1 ? '' : 's'} already exist in ${specsRel}/ (${existing.slice(0, 5).join(', ')})`,
      { hint: 'Pass --force to let the agent rewrite them, or move them away first.' },
    );
  }
}

function symlinkRefused(specsRel: string, links: readonly string[]): UserError {
  return new UserError(
    'decompose/symlink',
    `${specsRel}/${escapeControl(links[0] ?? '')} is a symbolic link${links.length > 1 ? ` (and ${links.length - 1} more)` : ''}; decompose copies regular files only`,
    { hint: `Replace the link with the files it points to, or move it out of ${specsRel}/.` },
  );
}

/** Creates the detached scratch worktree of `base` beside the feature worktrees. */
async function addScratchWorktree(o: DecomposeOptions, base: string): Promise<string> {
  const worktree = join(o.config.worktrees, `decompose-${o.runId}`);
  mkdirSync(dirname(worktree), { recursive: true });
  const added = await gitRaw(o.root, ['worktree', 'add', '--detach', worktree, base]);
  if (added.exitCode !== 0) {
    throw new UserError(
      'decompose/worktree',
      `could not create the scratch worktree: ${added.stderr.trim()}`,
    );
  }
  return worktree;
}

/** Removes the scratch worktree, and the worktrees folder when it was made for it alone. */
async function removeScratchWorktree(o: DecomposeOptions, worktree: string): Promise<void> {
  await gitRaw(o.root, ['worktree', 'remove', '--force', worktree]);
  try {
    rmdirSync(dirname(worktree));
  } catch {
    // Not empty (feature worktrees live there too) or already gone: left as it is.
  }
}

/** The task's parts every round shares: the spec, the layout, the folder coupling, the schema. */
async function commonTask(o: DecomposeOptions, { specsRel, worktree }: Scratch) {
  const files = await trackedFiles(worktree);
  const ignore = [`${specsRel}/`, '.baton/'];
  const folders = folderOwners(files, ignore);
  const stateDir = stateDirFor(o.root);
  const history = await readCoChange(worktree, folders, couplingSettings(o.config), {
    ignore,
    // The scratch worktree shares the repository's commits, so it shares their cache too.
    ...(existsSync(stateDir) ? { cacheFile: join(stateDir, 'cache', 'history.txt') } : {}),
  });
  return {
    spec: o.spec,
    specsDir: specsRel,
    layout: renderLayout(files, ignore),
    coupling: renderFolderCoupling(history, folders.length),
    schema: JSON.stringify(contractJsonSchema(), null, 2),
    features: o.features,
    rounds: o.rounds,
  };
}

/**
 * The rounds: the agent runs, the round is checked (Ctrl-C, paths and refs outside the specs folder, the
 * agent's exit, links), then linted and scored. Returns every round, the best, the specs folder as it
 * was before the first round and as each accepted round left it.
 */
async function runRounds(o: DecomposeOptions, scratch: Scratch) {
  const { specsRel, worktree } = scratch;
  const scratchConfig: Config = { ...o.config, root: worktree, specs: join(worktree, specsRel) };
  // The agent starts from the specs folder as it is in the checkout, not as HEAD has it: contracts not
  // yet committed are there (it may rewrite them with --force), and ones deleted since are not.
  rmSync(scratchConfig.specs, { recursive: true, force: true });
  if (existsSync(o.config.specs)) cpSync(o.config.specs, scratchConfig.specs, { recursive: true });
  const start = snapshot(scratchConfig.specs);
  const common = await commonTask(o, scratch);
  const before = { repo: await snapshotRepo(o.root), checkout: await checkoutSnapshot(o.root) };
  const rounds: RoundResult[] = [];
  const kept = new Map<number, SpecsSnapshot>();
  let best: RoundResult | undefined;
  let previous: RoundResult | undefined;
  for (let round = 1; round <= o.rounds && !o.signal?.aborted; round++) {
    const last = previous?.evaluation;
    const task = buildDecomposeTask({
      ...common,
      round,
      ...(last ? { findings: last.diagnostics.map((d) => `- ${formatDiagnostic(d)}`).join('\n') } : {}),
      ...(last?.score ? { score: renderScoreText(last.score, palette(false)) } : {}),
    });
    o.progress(`round ${round}: running the agent`);
    const { exitCode, timedOutAfterMs } = await o.runAgent({ task, worktree, round });
    const refusal = await checkRound(o, scratch, exitCode, { ...before, specs: start });
    if (refusal) {
      const refused: RoundResult = {
        round,
        exit_code: exitCode,
        ...(timedOutAfterMs !== undefined ? { timed_out_after_ms: timedOutAfterMs } : {}),
        accepted: false,
        ...refusal,
      };
      rounds.push(refused);
      o.progress(`round ${round}: refused: ${describeRefusal(refused, specsRel)}`);
      break;
    }
    const evaluation = await evaluateContracts(worktree, scratchConfig, { features: o.features, env: o.env });
    const result: RoundResult = { round, exit_code: exitCode, accepted: true, outside: [], evaluation };
    rounds.push(result);
    kept.set(round, snapshot(scratchConfig.specs));
    o.progress(
      `round ${round}: ${contractsPhrase(evaluation)}, ${evaluation.errors} error(s), ` +
        `${evaluation.diagnostics.length - evaluation.errors} warning(s), score ${evaluation.score?.penalty ?? '—'}`,
    );
    const improved = !best || rank(result) < rank(best);
    if (improved) best = result;
    const clean = evaluation.errors === 0 && evaluation.lint_warnings === 0;
    if (clean && (evaluation.score?.penalty === 0 || !improved)) break;
    previous = result;
  }
  return { rounds, best, start, kept };
}

/** Why a round that just ended is refused, if it is. */
async function checkRound(
  o: DecomposeOptions,
  { specsRel, base, worktree }: Scratch,
  exitCode: number | null,
  before: { repo: RepoSnapshot; checkout: ReadonlyMap<string, string>; specs: SpecsSnapshot },
): Promise<Pick<RoundResult, 'refused' | 'outside'> | undefined> {
  if (o.signal?.aborted) return { refused: 'interrupted', outside: [] };
  // The main checkout too: an agent that left its scratch worktree to write there is refused, the
  // paths named (and left as they are for the user: never silently reverted).
  const checkout = await checkoutSnapshot(o.root);
  const outside = [
    ...(await changesOutside(worktree, base, `${specsRel}/`)),
    ...(await repoChanges(o.root, before.repo)),
    ...changedRefs(before.checkout, checkout).map((p) => `main checkout ${p}`),
  ];
  if (outside.length > 0) return { refused: 'outside', outside };
  // An agent that failed may have left half its contracts: what it wrote is not its answer.
  if (exitCode !== 0) return { refused: 'agent-failed', outside: [] };
  // A link could make the copy read outside the repository (or loop): only regular files are taken.
  const dir = join(worktree, specsRel);
  const { files, links } = listSpecs(dir);
  if (links.length > 0) return { refused: 'symlink', outside: links.map((l) => `${specsRel}/${l}`) };
  // A repository would run its own config (core.fsmonitor, hooks) in your checkout; the files git
  // reads there (.gitattributes, .gitignore) change what it does with your contracts: never copied.
  const gitFiles = [...repositoryPaths(files), ...touchedReadByGit(dir, files, before.specs)];
  if (gitFiles.length > 0) return { refused: 'git-files', outside: gitFiles.map((f) => `${specsRel}/${f}`) };
  return undefined;
}

/** The files git reads (`.gitattributes`, `.gitignore`, `.gitmodules`) the agent added, changed or removed. */
function touchedReadByGit(dir: string, files: readonly string[], start: SpecsSnapshot): string[] {
  const now = new Set(files);
  return [...new Set([...files, ...start.keys()])]
    .filter((f) => isReadByGit(basename(f)))
    .filter((f) => {
      const before = start.get(f);
      return !(before && now.has(f) && readFileSync(join(dir, f)).equals(before));
    })
    .sort();
}

/** A refused round's reason in words, for the progress line. */
function describeRefusal(r: RoundResult, specsRel: string): string {
  if (r.refused === 'interrupted') return 'interrupted; the agent was stopped';
  if (r.refused === 'symlink') return `the agent left ${r.outside.length} symbolic link(s) in ${specsRel}/`;
  if (r.refused === 'git-files')
    return `the agent left ${r.outside.length} path(s) git runs or reads in ${specsRel}/`;
  if (r.refused === 'outside') return `the agent changed ${r.outside.length} path(s) outside ${specsRel}/`;
  return describeAgentExit(r);
}

/** A failed agent's exit in words: `the agent exited 3`, past its time limit, or killed by a signal. */
export function describeAgentExit(r: Pick<RoundResult, 'exit_code' | 'timed_out_after_ms'>): string {
  if (r.timed_out_after_ms !== undefined) {
    return `the agent ran past its timeout of ${describeTimeLimit({ ms: r.timed_out_after_ms, where: 'timeout_minutes in the config' })} and was stopped`;
  }
  return r.exit_code === null ? 'the agent was killed by a signal' : `the agent exited ${r.exit_code}`;
}

/** Orders rounds: fewer errors, then fewer lint warnings, then a lower score. */
function rank(r: RoundResult): number {
  const e = r.evaluation;
  if (!e) return Number.POSITIVE_INFINITY;
  return e.errors * 1e6 + e.lint_warnings * 1e3 + (e.score?.penalty ?? 999);
}

/** Every regular file under a specs folder, relative to it, with its bytes (links are refused before). */
function snapshot(dir: string): SpecsSnapshot {
  return new Map(listSpecs(dir).files.map((f) => [f, readFileSync(join(dir, f))]));
}

/**
 * The regular files and the symbolic links under a folder, relative to it, sorted. Never follows a link
 * (`withFileTypes` reads the entries themselves): a link to a folder outside the repository, or to `..`,
 * is listed as a link, not walked.
 */
function listSpecs(dir: string, prefix = ''): { files: string[]; links: string[] } {
  const found = { files: [] as string[], links: [] as string[] };
  if (!existsSync(dir)) return found;
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const entry of entries) {
    const rel = `${prefix}${entry.name}`;
    if (entry.isSymbolicLink()) found.links.push(rel);
    else if (entry.isDirectory()) {
      const inner = listSpecs(join(dir, entry.name), `${rel}/`);
      found.files.push(...inner.files);
      found.links.push(...inner.links);
    } else if (entry.isFile()) found.files.push(rel);
  }
  return found;
}
