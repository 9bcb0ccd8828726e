/**
 * doctor's checks of the repository and Baton's records in it: the log's health, the main checkout,
 * git's lock files left behind, the last run and the last integration. Baton's worktrees have their
 * own module (worktrees.ts).
 */
import { accessSync, constants, type Dirent, existsSync, readdirSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { printableArg } from '../agents/shell-words.js';
import { formatBytes } from '../clean/disk-usage.js';
import { gitRaw } from '../git/git.js';
import { INTEGRATION_BRANCH } from '../git/refs.js';
import type { StatusEntry } from '../git/status.js';
import { liveLastRun, type OrchestratorProbe, queuedRunToResume, resumeCommand } from '../guard/liveness.js';
import { lockUsers } from '../guard/lock-users.js';
import { listProcesses } from '../guard/proc.js';
import { asSentence } from '../integrate/continue-command.js';
import {
  describeUnfinished,
  type IntegrationOnDisk,
  isUnfinished,
  unfinishedIntegration,
} from '../integrate/unfinished.js';
import type { BatonState } from '../log/fold.js';
import type { LogProblem } from '../log/read.js';
import { TERMINAL_STATUSES } from '../log/statuses.js';
import { dirtyCheckoutRefusal } from '../runner/preflight.js';
import { check, type DoctorCheck } from './check.js';

/** What was learnt from reading the whole log once. */
export interface LogReading {
  path: string;
  exists: boolean;
  bytes: number;
  events: number;
  /** The first bad lines (at most a few dozen are kept). */
  problems: LogProblem[];
  /** How many bad lines there are in all. */
  problemCount: number;
  /** Why the log could not be read, when it could not. */
  error?: string;
  /** The log is no regular file (a folder, a FIFO, a link): every command refuses it, in these words. */
  unusable?: { message: string; hint?: string | undefined };
}

/** Judges the log: readable, how many events, which lines were skipped (pure). */
export function checkLogHealth(log: LogReading): DoctorCheck {
  if (!log.exists) return check('log', 'ok', `no log yet (${log.path} appears with the first run)`);
  if (log.unusable !== undefined) return check('log', 'fail', log.unusable.message, log.unusable.hint ?? '');
  if (log.error !== undefined) {
    return check(
      'log',
      'fail',
      `${log.path} cannot be read: ${log.error}`,
      `Check its permissions: ls -l ${log.path}`,
    );
  }
  const size = `${log.events.toLocaleString('en-US')} event${log.events === 1 ? '' : 's'}, ${formatBytes(log.bytes)}`;
  if (log.problemCount === 0) return check('log', 'ok', `${log.path}: ${size}, every line readable`);
  const lines = log.problems.slice(0, 8).map((p) => p.line);
  const more = log.problemCount > lines.length ? ` and ${log.problemCount - lines.length} more` : '';
  const first = log.problems[0];
  return check(
    'log',
    'warn',
    `${log.path}: ${size}; ${log.problemCount} bad line${log.problemCount === 1 ? '' : 's'} skipped: ${lines.join(', ')}${more}` +
      (first ? ` (line ${first.line}: ${first.message})` : ''),
    'Bad lines are skipped, never fatal; a torn last line comes from an interrupted write. To see them: baton status (they are printed on stderr).',
  );
}

/**
 * The main checkout as `baton run` will judge it (pure): uncommitted changes that a run without
 * `--base` refuses (the same rule, the same fix), unless the config's `base` means it never looks.
 */
export function checkMainCheckout(status: readonly StatusEntry[], runRefusesDirty: boolean): DoctorCheck {
  const refusal = runRefusesDirty ? dirtyCheckoutRefusal(status) : undefined;
  if (!refusal) {
    return check(
      'main checkout',
      'ok',
      runRefusesDirty ? 'no uncommitted changes' : "not checked: the config's `base` is what runs start from",
    );
  }
  // The refusal lists the paths one a line; a doctor line holds them in one.
  const [first, ...paths] = refusal.message.split('\n');
  return check(
    'main checkout',
    'warn',
    `\`baton run\` will refuse it [${refusal.code}]: ${first} ${paths.map((p) => p.trim()).join(', ')}`,
    refusal.hint,
  );
}

/** A lock file git left, and how long ago it was last written. */
export interface StaleLock {
  path: string;
  ageMs: number;
}

/**
 * The lock files of a git folder (pure but for reading folders): every `*.lock` at its top (`index`,
 * `HEAD`, `packed-refs`, `config`, `shallow`…) and under its `refs/` (a branch's: `git branch`, and so
 * `baton run`, cannot make that branch while it is there). Links are not followed.
 */
function lockFilesOf(gitDir: string): string[] {
  const found: string[] = [];
  const walk = (dir: string, deep: boolean) => {
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const path = join(dir, e.name);
      if (e.isFile() && e.name.endsWith('.lock')) found.push(path);
      else if (e.isDirectory() && (deep || e.name === 'refs')) walk(path, true);
    }
  };
  walk(gitDir, false);
  return found;
}

/**
 * Lock files left by a git that died: those of the common git folder and of each worktree's
 * (`lockFilesOf`) older than `minAgeMs` (a git holds one for much less while it works) and used by no
 * live process (`lockUsers`: one holding it open, or a git working in one of `dirs`, such as a
 * `git commit -a` waiting on its editor). Without /proc the age alone decides.
 */
export function findStaleLocks(
  gitCommonDir: string,
  now: number,
  minAgeMs: number,
  dirs: readonly string[],
): StaleLock[] {
  const gitDirs = [gitCommonDir];
  const worktrees = join(gitCommonDir, 'worktrees');
  if (existsSync(worktrees)) {
    for (const name of readdirSync(worktrees)) gitDirs.push(join(worktrees, name));
  }
  const aged: StaleLock[] = [];
  for (const path of gitDirs.flatMap(lockFilesOf).sort()) {
    try {
      const ageMs = now - statSync(path).mtimeMs;
      if (ageMs >= minAgeMs) aged.push({ path, ageMs });
    } catch {
      // gone since it was listed
    }
  }
  if (aged.length === 0) return aged;
  const all = listProcesses();
  return aged.filter((l) => (lockUsers({ lock: l.path, dirs }, all) ?? []).length === 0);
}

/** Judges git lock files left behind (pure); the hint's `rm` names each one quoted for the shell. */
export function checkLocks(locks: readonly StaleLock[]): DoctorCheck {
  if (locks.length === 0) return check('git locks', 'ok', 'no lock file left behind');
  return check(
    'git locks',
    'warn',
    `${locks.length} git lock file(s) left behind: ${locks.map((l) => `${l.path} (${Math.round(l.ageMs / 60_000)} min old)`).join(', ')}`,
    `A git that crashed leaves these and every later git command that needs one fails (a branch's lock: that branch cannot be made or moved). If no git is running: rm ${locks.map((l) => printableArg(l.path)).join(' ')}`,
  );
}

/** Judges the last run: finished, in progress, or interrupted (its orchestrator is gone) (pure). */
export function checkLastRun(state: BatonState, alive: OrchestratorProbe): DoctorCheck {
  if (!state.run_id) return check('last run', 'ok', 'no run yet');
  if (state.run_ended_at !== undefined) {
    // A queued run detached with Ctrl-C ended here, but its jobs go on on the workers until re-attached.
    const detached = queuedRunToResume(state)?.queue;
    if (detached) {
      return check(
        'last run',
        'warn',
        `${state.run_id} was detached from its queue: its jobs go on on the workers, and their results are promoted only on re-attaching`,
        `Re-attach to its jobs with ${resumeCommand(detached)}.`,
      );
    }
    return check('last run', 'ok', `${state.run_id} ended (${state.run_outcome ?? 'unknown outcome'})`);
  }
  const live = liveLastRun(state, alive);
  if (live) return check('last run', 'ok', `${state.run_id} is in progress (baton pid ${live.pid})`);
  const pid = state.orchestrator_pid;
  const unfinished = state.run_feature_ids.filter((id) => {
    const s = state.features[id]?.status;
    return s === undefined || !TERMINAL_STATUSES.has(s);
  });
  const queue = queuedRunToResume(state)?.queue;
  return check(
    'last run',
    'warn',
    `${state.run_id} was interrupted: its orchestrator${pid !== undefined ? ` (pid ${pid})` : ''} is gone and it never ended` +
      (unfinished.length > 0 ? `; unfinished: ${unfinished.join(', ')}` : ''),
    queue
      ? `Re-attach to its jobs with ${resumeCommand(queue)}.`
      : state.run_interactive
        ? 'Resume it with `baton run --resume` (it re-attaches to the agents still in their tmux windows, stops any other orphaned agent, and reuses the worktrees).'
        : 'Resume it with `baton run --resume` (it stops orphaned agents and reuses the worktrees).',
  );
}

/**
 * Judges the last integration (pure): none, finished, in progress (`integrateLive`: a live Baton holds
 * the integrate lock), gone (`disk`: its branch no longer exists, `baton clean` removed it), or
 * unfinished with nothing working on it (killed, interrupted, stopped at a conflict or failed tests),
 * with what goes on (`describeUnfinished`, as `status` says it).
 */
export function checkLastIntegration(
  state: BatonState,
  integrateLive: boolean,
  disk: IntegrationOnDisk,
): DoctorCheck {
  const integration = state.integration;
  if (integration.started_at === undefined) return check('last integration', 'ok', 'no integration yet');
  if (integrateLive) return check('last integration', 'ok', 'in progress (baton integrate holds its lock)');
  const u = unfinishedIntegration(integration, false, disk);
  if (!u && isUnfinished(integration, false)) {
    return check('last integration', 'ok', `none to go on with: ${INTEGRATION_BRANCH} no longer exists`);
  }
  if (!u) return check('last integration', 'ok', `ended (${integration.outcome ?? 'unknown outcome'})`);
  const { what, goOn } = describeUnfinished(u);
  return check('last integration', 'warn', what, asSentence(goOn));
}

/** The git folder shared by all worktrees (`.git` of the main checkout), absolute. */
export async function gitCommonDir(root: string): Promise<string | undefined> {
  const r = await gitRaw(root, ['rev-parse', '--git-common-dir']);
  if (r.exitCode !== 0) return undefined;
  const dir = r.stdout.trim();
  return isAbsolute(dir) ? dir : join(root, dir);
}

/** Whether a file can be opened for reading; the error's code when not. */
export function readable(path: string): string | undefined {
  try {
    accessSync(path, constants.R_OK);
    return undefined;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code ?? String(err);
  }
}
