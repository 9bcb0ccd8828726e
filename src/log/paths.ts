import { dirname, join, resolve, sep } from 'node:path';
import { attemptUnitId, FEATURE_ID_PATTERN } from '../contracts/feature-id.js';

/** Path of the event log of the repository whose main checkout is `root`. */
export function logPathFor(root: string): string {
  return join(root, '.baton', 'log.jsonl');
}

/** Whether `path` is where Baton keeps a repository's log (`<root>/.baton/log.jsonl`), not one a user chose. */
export function isBatonLogPath(path: string): boolean {
  const full = resolve(path);
  return logPathFor(dirname(dirname(full))) === full;
}

/** Folder for Baton's own files that are never committed (task files, agent logs). */
export function stateDirFor(root: string): string {
  return join(root, '.baton');
}

/** Whether a repository path is Baton's state folder or inside it: never a feature's work, never committed. */
export function isStatePath(path: string): boolean {
  return path === '.baton' || path.startsWith('.baton/');
}

/** One unit's files for one run, kept outside its worktree (never committed). */
export interface UnitFiles {
  /** The folder holding the rest. */
  dir: string;
  /** The task the agent was given: rules, contract and spec. */
  taskFile: string;
  /** Settings and homes Baton writes for the agent (its hooks, its config copies). */
  scratchDir: string;
  /** The agent's own output. */
  logFile: string;
}

/** The files of a unit kept in `dir`: the one layout a run, a queue worker and the agents' listing share. */
export function unitFilesIn(dir: string): UnitFiles {
  return {
    dir,
    taskFile: join(dir, 'task.md'),
    scratchDir: join(dir, 'scratch'),
    logFile: join(dir, 'agent.log'),
  };
}

/** A unit's folder for one run: `.baton/runs/<run>/<unit>` (a feature, or an attempt `<feature>.a<n>`). */
export function unitRunDir(stateDir: string, runId: string, unit: string): string {
  return join(stateDir, 'runs', runId, unit);
}

/** The shape of a run id Baton makes (`20261201T081555Z-1a2b3c`), loosely: no separators, no dots. */
export const RUN_ID_SHAPE = /^[0-9A-Za-z][0-9A-Za-z_-]{0,63}$/;

/**
 * Where Baton writes a feature's agent log: `<root>/.baton/runs/<run>/<feature>/agent.log`, or a best-of-N
 * attempt's, `<root>/.baton/runs/<run>/<feature>.a<n>/agent.log`, computed from validated ids — never a
 * path read from the log. Undefined when an id has another shape.
 */
export function agentLogPath(
  root: string,
  runId: string | undefined,
  featureId: string,
  attempt?: number,
): string | undefined {
  if (runId === undefined || !RUN_ID_SHAPE.test(runId) || !FEATURE_ID_PATTERN.test(featureId))
    return undefined;
  if (attempt !== undefined && (!Number.isSafeInteger(attempt) || attempt < 1)) return undefined;
  const stateDir = stateDirFor(resolve(root));
  const runs = resolve(stateDir, 'runs');
  const unit = attempt === undefined ? featureId : attemptUnitId(featureId, attempt);
  const path = resolve(unitFilesIn(unitRunDir(stateDir, runId, unit)).logFile);
  return path.startsWith(`${runs}${sep}`) ? path : undefined;
}

/**
 * The agent log of a feature the log says has one (`log_file` set), where Baton wrote it: a best-of-N
 * feature's is its winner's (the fold copies the winner's log file onto the feature). Computed by
 * `agentLogPath` from the feature's ids (the winner's run's, for a best-of-N feature); the `log_file`
 * a line names is never the path.
 */
export function featureAgentLog(
  root: string,
  f: {
    feature_id: string;
    run_id?: string | undefined;
    log_file?: string | undefined;
    winner?: { attempt: number } | undefined;
    attempts?: Readonly<Record<string, { run_id?: string | undefined }>> | undefined;
  },
): string | undefined {
  if (f.log_file === undefined) return undefined;
  // A winner kept from an earlier run (a resume ran only the other attempts) logged under that run.
  const winner = f.winner?.attempt;
  const runId = (winner !== undefined ? f.attempts?.[String(winner)]?.run_id : undefined) ?? f.run_id;
  return agentLogPath(root, runId, f.feature_id, winner);
}
