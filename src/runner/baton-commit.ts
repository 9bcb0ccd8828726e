/**
 * Baton's commit of an agent's work, told apart from any other commit: its message ends with
 * trailers naming the run, the unit and how the agent ended (`batonCommitMessage` writes them,
 * `readBatonTrailers` reads them back: the one source of their names and format). A run killed after
 * that commit but before its `agent.exited` reached the log left the agent's end on the branch alone;
 * a resume reads it there (`provenBatonCommit`) instead of paying for a second agent session.
 */
import { gitRaw } from '../git/git.js';
import { isObjectId } from '../git/refs.js';
import { parseRawDiff } from '../git/sequence.js';
import type { ProvenWorktree } from '../git/worktree-proof.js';
import type { ProcessExit } from '../process/supervise.js';
import type { FinishedAgent } from './resume.js';
import { findUnmergeable } from './unmergeable.js';

/** The trailer names, in the order they are written. */
const TRAILERS = { run: 'Baton-Run', unit: 'Baton-Unit', agentExit: 'Baton-Agent-Exit' } as const;

/** What Baton's commit of an agent's work says of itself. */
export interface BatonTrailers {
  /** The run that made the commit. */
  run: string;
  /** The unit (feature, or best-of-N attempt) whose agent did the work. */
  unit: string;
  /** How the agent ended (`agentExitTrailer`): `0` alone is an agent that finished. */
  agentExit: string;
}

/** The trailer value of an agent's end (pure): its exit code, else `timeout`, `stopped` (the radar) or its signal. */
export function agentExitTrailer(
  exit: Pick<ProcessExit, 'exitCode' | 'signal' | 'timedOut'>,
  stopped: boolean,
): string {
  // An agent stopped at its timeout or by the radar may still exit 0: that is not an agent that finished.
  if (exit.timedOut) return 'timeout';
  if (stopped) return 'stopped';
  return exit.exitCode !== null ? String(exit.exitCode) : `signal ${exit.signal ?? 'unknown'}`;
}

/** The message of Baton's commit (pure): `head`, then the trailers as its last paragraph. */
export function batonCommitMessage(head: string, t: BatonTrailers): string {
  const lines = (Object.keys(TRAILERS) as Array<keyof BatonTrailers>).map((k) => `${TRAILERS[k]}: ${t[k]}`);
  return `${head}\n\n${lines.join('\n')}`;
}

/**
 * The trailers of a commit message as `batonCommitMessage` writes them (pure): its last paragraph is
 * exactly the three lines, in order; anything else (no trailers, one missing, another line) is undefined.
 */
export function readBatonTrailers(message: string): BatonTrailers | undefined {
  const last =
    message
      .trimEnd()
      .split(/\n[ \t]*\n/)
      .at(-1) ?? '';
  const lines = last.split('\n');
  const keys = Object.keys(TRAILERS) as Array<keyof BatonTrailers>;
  if (lines.length !== keys.length) return undefined;
  const out: Partial<BatonTrailers> = {};
  for (const [i, key] of keys.entries()) {
    const prefix = `${TRAILERS[key]}: `;
    const line = lines[i] ?? '';
    if (!line.startsWith(prefix) || line.length === prefix.length) return undefined;
    out[key] = line.slice(prefix.length);
  }
  return out as BatonTrailers;
}

/** What the dead run is known by: its id, the unit, and the commits the unit's work is measured from. */
export interface CutOffAgent {
  /** The run that started the agent and never logged its end. */
  runId: string;
  unitId: string;
  /** The commit the branch was cut from (it must descend from it). */
  base: string;
  /** The commit the unit's changed files are counted from. */
  forkPoint: string;
}

/**
 * The branch's tip as a finished agent's work (`FinishedAgent`), when it is proven Baton's commit of
 * it: its trailers name the dead run and this unit and an exit 0, it descends from the branch's base,
 * it changes files, and it holds nothing a branch must never carry (`findUnmergeable`: a run killed
 * between its commit and taking it back left it). Undefined otherwise, and the agent runs again as
 * before: an agent's own commit, one for another unit or run, or an agent that failed, timed out or
 * was stopped (its commit stays on the branch, so the rerun loses no work, as a resume reruns every
 * agent that failed). Agents are untrusted and one could forge these trailers: the most that buys it
 * is its checks run without its agent running again. The checks (owns included) still decide whether
 * the feature is complete, and nothing reaches the user's branches unless they pass.
 */
export async function provenBatonCommit(
  worktree: ProvenWorktree,
  agent: CutOffAgent,
): Promise<FinishedAgent | undefined> {
  // In the worktree's own git folder and real folder, as proven (as `inspectResumedBranch` does).
  const ownEnv = { GIT_DIR: worktree.gitDir, GIT_WORK_TREE: worktree.realPath };
  const own = (args: string[]) => gitRaw(worktree.realPath, args, undefined, ownEnv);
  const tip = (await own(['rev-parse', '--verify', `refs/heads/${worktree.branch}^{commit}`])).stdout.trim();
  if (!isObjectId(tip)) return undefined;
  const raw = await own(['cat-file', 'commit', tip]);
  const cut = raw.stdout.indexOf('\n\n');
  const trailers = raw.exitCode === 0 && cut >= 0 ? readBatonTrailers(raw.stdout.slice(cut + 2)) : undefined;
  if (trailers?.run !== agent.runId || trailers.unit !== agent.unitId || trailers.agentExit !== '0')
    return undefined;
  if (tip === agent.base || (await own(['merge-base', '--is-ancestor', agent.base, tip])).exitCode !== 0)
    return undefined;
  const diff = await own(['diff', '--raw', '-z', '--no-renames', `${agent.forkPoint}..${tip}`]);
  if (diff.exitCode !== 0) return undefined;
  const changed = parseRawDiff(diff.stdout);
  if (changed.files.length === 0) return undefined;
  const refused = await findUnmergeable(worktree.realPath, changed, tip);
  if (refused.state.length > 0 || refused.nested.length > 0) return undefined;
  return { commit: tip, files: changed.files };
}
