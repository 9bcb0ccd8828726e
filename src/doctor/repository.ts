import { accessSync, constants, type Dirent, existsSync, readdirSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { printableArg } from '../agents/shell-words.js';
import { decideClean } from '../clean/clean.js';
import { formatBytes, measureDiskUsage } from '../clean/disk-usage.js';
import type { CleanInspection, CleanTarget } from '../clean/inspect.js';
import { gitRaw } from '../git/git.js';
import { INTEGRATION_BRANCH } from '../git/refs.js';
import type { StatusEntry } from '../git/status.js';
import type { WorktreeInfo } from '../git/worktree-list.js';
import { detachedCommitsWords, keepOnBranchWords } from '../guard/detached-head.js';
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

/**
 * Worktree records whose folder is gone (git calls them prunable), Baton worktrees whose branch was
 * deleted by hand (`branchGone` among `targets`, as clean finds them), and those on a detached HEAD
 * holding commits merged nowhere (`detached`) (pure).
 */
export function checkStaleRecords(
  worktrees: readonly WorktreeInfo[],
  exists: (path: string) => boolean,
  targets: readonly CleanTarget[] = [],
): DoctorCheck {
  const unborn = targets.filter(
    (t) => t.branchGone !== undefined && t.worktree !== undefined && t.detached === undefined,
  );
  // A feature's own worktree on a detached HEAD: what it committed there is on it alone.
  const detached = targets.filter((t) => t.detached !== undefined && t.detached.unmerged > 0);
  const linked = worktrees.slice(1);
  const named = (ws: readonly WorktreeInfo[]) =>
    ws.map((w) => `${w.path}${w.branch ? ` (${w.branch})` : ''}`).join(', ');
  const missing = linked.filter((w) => !exists(w.path));
  // git never prunes a locked record (a worktree on a disk not mounted is what the lock is for).
  const gone = missing.filter((w) => !w.locked);
  const locked = missing.filter((w) => w.locked);
  // A folder still there, that git no longer takes for the worktree: its `.git` is missing.
  const orphaned = linked.filter((w) => w.prunable && exists(w.path));
  if (missing.length === 0 && orphaned.length === 0 && unborn.length === 0 && detached.length === 0)
    return check('worktree records', 'ok', `${linked.length} linked worktree(s), every folder present`);
  const said = [
    gone.length > 0 ? `${gone.length} worktree record(s) whose folder is gone: ${named(gone)}` : '',
    locked.length > 0
      ? `${locked.length} locked worktree record(s) whose folder is missing (a disk not mounted?), which git never prunes: ${named(locked)}`
      : '',
    orphaned.length > 0
      ? `${orphaned.length} worktree folder(s) left with no .git (a removal cut short, or its .git deleted): ${named(orphaned)}`
      : '',
    unborn.length > 0
      ? `${unborn.length} worktree(s) on a branch deleted by hand (an unborn branch, where every file shows as uncommitted): ${unborn.map((t) => `${t.worktree?.path} (${t.branch})`).join(', ')}`
      : '',
    detached.length > 0
      ? `${detached.length} feature worktree(s) on a detached HEAD holding commits merged nowhere, which removing the worktree would lose: ${detached.map((t) => `${t.worktree?.path} (${t.branch}; ${t.detached ? detachedCommitsWords(t.detached) : ''})`).join(', ')}`
      : '',
  ].filter(Boolean);
  const hints = [
    gone.length > 0
      ? 'Run `git worktree prune` (or `baton clean`, which prunes afterwards) to forget them.'
      : '',
    locked.length > 0
      ? `If a locked one is gone for good: \`${locked.map((w) => `git worktree unlock ${printableArg(w.path)}`).join(' && ')}\`, then \`git worktree prune\` (or \`baton clean\`).`
      : '',
    orphaned.length > 0
      ? 'A folder left with no .git may hold work git no longer tracks: keep what you need from it, then `baton clean --force <id>` removes it and its record.'
      : '',
    ...unborn.map((t) =>
      t.branchGone?.commit !== undefined
        ? `Restore ${t.branch} at the commit its worktree's reflog had: \`git branch ${t.branch} ${t.branchGone.commit}\` (do not commit on the unborn branch).`
        : `${t.branch}: its worktree's reflog names no commit; look at it, then \`baton clean --force ${t.id}\` removes it.`,
    ),
    ...detached.map((t) => {
      const keep = t.detached ? keepOnBranchWords(t.worktree?.path ?? '', t.branch, t.detached) : '';
      return `${t.id}: ${keep}.`;
    }),
  ].filter(Boolean);
  return check('worktree records', 'warn', said.join('; '), hints.join(' '));
}

/**
 * Feature worktrees that are done (terminal status) and that `baton clean --merged` would remove: the
 * same decision (`decideClean`), so a locked worktree, the one doctor runs in, or one with uncommitted
 * work is never offered. When clean cannot judge "merged" at all (`baseProblem`: a main checkout on a
 * detached HEAD, a bad base), its words and its hint instead. An interrupted feature is not done,
 * whatever its branch holds: `baton run --resume` goes on in its worktree (one stopped before its first
 * commit is "merged" only in having nothing to merge).
 */
export function checkFinishedWorktrees(
  inspection: Pick<CleanInspection, 'targets' | 'baseProblem'>,
  state: BatonState,
  disk: ReadonlyMap<string, { bytes: number; complete: boolean }>,
): DoctorCheck {
  const { targets, baseProblem } = inspection;
  const finished = targets.filter((t) => {
    const status = state.features[t.id]?.status;
    return (
      t.kind === 'feature' &&
      t.worktree?.exists &&
      status !== undefined &&
      status !== 'interrupted' &&
      TERMINAL_STATUSES.has(status)
    );
  });
  const total = targets.filter((t) => t.worktree?.exists).map((t) => disk.get(t.worktree?.path ?? ''));
  const bytes = total.reduce((sum, u) => sum + (u?.bytes ?? 0), 0);
  const approx = total.every((u) => u?.complete !== false) ? '' : '≥ ';
  const using = bytes > 0 ? `; Baton's worktrees use ${approx}${formatBytes(bytes)}` : '';
  if (baseProblem && finished.length > 0) {
    return check(
      'finished worktrees',
      'warn',
      `${finished.length} finished feature worktree(s) (${finished.map((t) => t.id).join(', ')}); \`baton clean\` refuses them: ${baseProblem.message} [${baseProblem.code}]${using}`,
      baseProblem.hint ?? '',
    );
  }
  const done = decideClean(finished, { merged: true, force: false })
    .filter((d) => d.action === 'remove')
    .map((d) => d.target);
  if (done.length === 0) {
    return check('finished worktrees', 'ok', `no finished, merged feature worktree left behind${using}`);
  }
  return check(
    'finished worktrees',
    'warn',
    `${done.length} finished feature worktree(s) already merged: ${done.map((t) => t.id).join(', ')}${using}`,
    `Remove them with \`baton clean --merged ${done.map((t) => t.id).join(' ')}\` (it never removes unmerged or uncommitted work).`,
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

/** Measures the folders of the targets' worktrees (budgeted, see `measureDiskUsage`). */
export function worktreeDisk(
  targets: readonly CleanTarget[],
): Map<string, { bytes: number; complete: boolean }> {
  return measureDiskUsage(targets.flatMap((t) => (t.worktree?.exists ? [t.worktree.path] : [])));
}
