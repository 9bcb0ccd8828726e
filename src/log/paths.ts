import { join } from 'node:path';

/** Path of the event log of the repository whose main checkout is `root`. */
export function logPathFor(root: string): string {
  return join(root, '.baton', 'log.jsonl');
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
