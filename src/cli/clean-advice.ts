/**
 * What `baton clean` says under its lists: why `baton/integration` did not count as merged, and what
 * to run for what it left, each kind of target with the command that fits it (the integration
 * branch, a best-of-N feature not decided yet, a feature's work).
 */
import { printableArg } from '../agents/shell-words.js';
import { type CleanDecision, decideClean, holdsDetachedWork } from '../clean/clean.js';
import type { CleanInspection, CleanTarget } from '../clean/inspect.js';
import { featureOfUnit } from '../contracts/feature-id.js';
import { featureBranch } from '../git/refs.js';
import { keepOnBranchWords } from '../guard/detached-head.js';
import {
  ANY_BRANCH,
  continueCommand,
  freshCommand,
  loggedFlags,
  TEST_FROM_LOG,
} from '../integrate/continue-command.js';
import { resumeStateFrom } from '../integrate/resume-state.js';
import { type LockHolder, stopHolderHint } from '../lock/baton-lock.js';
import { logPathFor } from '../log/paths.js';
import { readLog } from '../log/read.js';
import { resumeRunCommand } from '../runner/resume-command.js';
import { escapeControl } from '../text/escape.js';

/** What the hints are worked out from, besides the decisions. */
export interface CleanAdvice {
  /** Another Baton holding its lock (a `--dry-run` looks while it runs). */
  running?: (LockHolder & { lockPath: string }) | undefined;
  /** Why `baton/integration` exists but did not count as merged (`integrationSetAside`). */
  integrationSetAside?: string | undefined;
  /** What to do with `baton/integration` itself, when clean leaves it (`integrationHint`). */
  integrationHint?: (() => string) | undefined;
}

/**
 * What to do with `baton/integration`, by the rule integrate goes on with (`resumeStateFrom`): go
 * on with the last integration and move the base to it, or start a new one.
 */
export function integrationHint(root: string, base: string | undefined): string {
  const events = readLog(logPathFor(root), undefined, { final: true }).events;
  const verdict = resumeStateFrom(events, base !== undefined ? { into: base } : {});
  if (!verdict.ok) return verdict.refusal.hint;
  // The flags it began with, which `--continue` and a start over must be given again (neither reads
  // the log's): its test command, --test-timeout and --on-conflict; a start over, its features, --base
  // and --include too.
  const flags = loggedFlags(verdict.state.started, verdict.state.testTimeoutS);
  const note = flags.test !== undefined ? TEST_FROM_LOG : '';
  if (verdict.state.promotionRefused) {
    return `No branch can be moved to it (${verdict.state.promotionRefused}): start a new one with \`${freshCommand(flags)}\`${note}.`;
  }
  const command = continueCommand({ ...flags, into: base ?? ANY_BRANCH });
  return `Go on with it and move ${base ?? 'your branch'} to it: \`${command}\`${note}.`;
}

/** The advice for what `inspectCleanTargets` found, with another Baton that holds its lock, if any. */
export function cleanAdvice(
  root: string,
  inspection: Pick<CleanInspection, 'integrationSetAside' | 'base'>,
  running: (LockHolder & { lockPath: string }) | undefined,
): CleanAdvice {
  return {
    running,
    integrationSetAside: inspection.integrationSetAside,
    integrationHint: () => integrationHint(root, inspection.base),
  };
}

/** A best-of-N attempt whose feature has no winner yet: `baton run --resume` decides it, not an integration. */
function undecidedFeature(t: CleanTarget): string | undefined {
  return t.attempt?.known && !t.attempt.decided ? t.attempt.featureId : undefined;
}

/** The hint for best-of-N features not decided yet, one line per feature, naming its attempts. */
function undecidedHints(targets: readonly CleanTarget[]): string[] {
  const byFeature = new Map<string, string[]>();
  for (const t of targets) {
    const id = undecidedFeature(t);
    if (id !== undefined) byFeature.set(id, [...(byFeature.get(id) ?? []), t.id]);
  }
  return [...byFeature].map(
    ([id, units]) =>
      `hint: finish best-of-N for ${id} first (\`baton run --resume ${id}\` decides it), or discard its attempts with \`baton clean --force ${units.join(' ')}\`.`,
  );
}

/** A target whose worktree folder clean would remove only with `--force`: no `.git` left in it. */
function isLeftover(t: CleanTarget): boolean {
  return t.worktree?.strayFolder === true && t.worktree.removable === true && !t.worktree.removalCutShort;
}

/**
 * The hint for worktrees a dead run's processes still work in: the command that stops them (their
 * groups), or `--force`, which stops them and removes the worktrees with whatever they had not committed.
 */
function orphanHint(targets: readonly CleanTarget[]): string {
  const groups = targets.flatMap((t) => (t.orphans ?? []).map((o) => `-${o.pgid}`));
  const ids = targets.map((t) => t.id).join(' ');
  return `hint: a dead run's agents or setup still work in ${ids}: stop them (\`kill -TERM -- ${groups.join(' ')}\`) and clean again, or \`baton clean --force ${ids}\` stops them and removes what they had not committed; \`baton run --resume\` instead stops them and goes on with the run.`;
}

/**
 * The hint for a worktree whose branch was deleted by hand: restore the branch at the commit its
 * reflog had (committing there would start a history of its own), then clean judges it as usual.
 */
function branchGoneHint(t: CleanTarget): string {
  const sha = t.branchGone?.commit;
  if (sha === undefined)
    return `hint: ${t.id}: its branch is gone and no commit of it is known; look at its worktree, then \`baton clean --force ${t.id}\` removes it.`;
  return `hint: ${t.id}: restore its branch with \`git branch ${t.branch} ${sha}\` (do not commit on the unborn branch: that starts a history of its own), then clean again; or \`baton clean --force ${t.id}\` removes it, keeping that commit under refs/baton/clean-backup/ when it is merged nowhere.`;
}

/**
 * The hint for a worktree on a detached HEAD holding commits merged nowhere: put it back on its branch
 * keeping them (`keepOnBranchWords`), then go on with it; or `--force`, which keeps that HEAD's commit
 * under a backup ref before the worktree goes.
 */
function detachedHint(t: CleanTarget): string {
  const keep = t.detached ? keepOnBranchWords(t.worktree?.path ?? '', t.branch, t.detached) : '';
  const on =
    t.kind === 'integration' ? '' : ` (\`${resumeRunCommand([featureOfUnit(t.id)])}\`, or integrate it)`;
  return `hint: ${t.id}: ${keep}, then go on with it${on}; or \`baton clean --force ${t.id}\` removes the worktree, keeping its HEAD under refs/baton/clean-backup/.`;
}

/** Whether the lock is all that keeps clean from removing a target: unlocked, the same decision removes it. */
function onlyLocked(t: CleanTarget): boolean {
  const w = t.worktree;
  if (w?.locked !== true) return false;
  const [d] = decideClean([{ ...t, worktree: { ...w, locked: false } }], { force: false, merged: false });
  return d?.action === 'remove';
}

/**
 * The hint for locked worktrees (`git worktree lock`): the `git worktree unlock` of each, then clean
 * again (or `--force`, which removes a locked worktree, and the record of one whose folder is missing).
 */
function lockedHint(targets: readonly CleanTarget[]): string {
  const unlock = targets.map((t) => `git worktree unlock ${printableArg(t.worktree?.path ?? '')}`);
  const ids = targets.map((t) => t.id).join(' ');
  return `hint: ${ids}: locked (\`git worktree lock\`, as for a worktree on a removable disk): once you are done with it, \`${unlock.join(' && ')}\`, then \`baton clean ${ids}\`; or \`baton clean --force ${ids}\` removes it locked.`;
}

/** The lines under the lists: the note on `baton/integration`, then a hint for each kind of target left. */
export function adviceLines(decisions: readonly CleanDecision[], advice: CleanAdvice): string[] {
  const lines: string[] = [];
  const left = decisions.filter((d) => d.action === 'keep' || (d.action === 'refuse' && !d.target.protected));
  // Shown when it decided something: a feature's commits it holds were judged against the base alone.
  if (
    advice.integrationSetAside !== undefined &&
    left.some((d) => d.target.kind !== 'integration' && d.target.unmerged > 0)
  ) {
    lines.push(`note: baton/integration not counted as merged: ${escapeControl(advice.integrationSetAside)}`);
  }
  const forceable = decisions.filter((d) => d.action === 'refuse' && !d.target.protected);
  if (forceable.length > 0 && advice.running) {
    const { pid, command } = advice.running;
    // --force and integrate are both refused while it runs: waiting is the only way on.
    lines.push(
      `hint: another Baton is running (pid ${pid}: baton ${escapeControl(String(command))}), and clean removes nothing while it runs: wait for it to finish, or ${stopHolderHint(advice.running, advice.running.lockPath)}, then clean.`,
    );
    return lines;
  }
  const integration = left.find((d) => d.target.kind === 'integration');
  if (integration && advice.integrationHint) {
    const discard =
      integration.action === 'refuse' ? ' Or discard it: `baton clean --force integration`.' : '';
    lines.push(
      `hint: baton/integration holds the last integration's result. ${advice.integrationHint()}${discard}`,
    );
  }
  lines.push(...undecidedHints(forceable.map((d) => d.target)));
  const orphaned = forceable.filter((d) => d.target.orphans !== undefined);
  if (orphaned.length > 0) lines.push(orphanHint(orphaned.map((d) => d.target)));
  const leftover = forceable.filter((d) => d.target.orphans === undefined && isLeftover(d.target));
  if (leftover.length > 0) {
    const ids = leftover.map((d) => d.target.id).join(' ');
    lines.push(
      `hint: ${ids}: a worktree folder with no .git left (its removal cut short, or its .git deleted): look in it, then \`baton clean --force ${ids}\` removes it.`,
    );
  }
  for (const d of forceable) if (d.target.branchGone) lines.push(branchGoneHint(d.target));
  for (const d of forceable) if (holdsDetachedWork(d.target)) lines.push(detachedHint(d.target));
  const locked = forceable.filter((d) => d.target.worktree?.locked === true);
  if (locked.length > 0) lines.push(lockedHint(locked.map((d) => d.target)));
  const rest = forceable.filter(
    (d) =>
      d.target.kind !== 'integration' &&
      undecidedFeature(d.target) === undefined &&
      d.target.orphans === undefined &&
      !isLeftover(d.target) &&
      !onlyLocked(d.target) &&
      d.target.branchGone === undefined &&
      !holdsDetachedWork(d.target),
  );
  // Integrate merges `baton/<id>` only, never an attempt's branch: an attempt's work has hints of its own.
  const features = rest.filter((d) => d.target.kind !== 'attempt');
  if (features.length > 0) {
    lines.push(
      `hint: commit and integrate that work first (baton integrate), or discard it with \`baton clean --force ${features
        .map((d) => d.target.id)
        .join(' ')}\`.`,
    );
  }
  for (const d of rest) if (d.target.kind === 'attempt') lines.push(attemptWorkHint(d.target));
  return lines;
}

/**
 * The hint for a best-of-N attempt holding work `baton/<id>` lacks: only what is on `baton/<id>` is
 * integrated, and `baton verify <id>` moves it on to what it checked on the winner's branch
 * (`advanceWinnerBranch`), so the work is kept by making its attempt the winner (`baton pick`, when
 * the log recorded a commit of it) and verifying; or discarded, its tip kept under a backup ref.
 */
function attemptWorkHint(t: CleanTarget): string {
  const discard = `discard it with \`baton clean --force ${t.id}\` (its tip is kept as a backup)`;
  const a = t.attempt;
  if (a === undefined || !a.known)
    return `hint: ${t.id}: the log records no such attempt; look at its work, then ${discard}.`;
  const id = a.featureId;
  const commit = t.dirty.length > 0 ? 'commit it in its worktree, then ' : '';
  const pick = a.winner ? '' : `\`baton pick ${id} ${a.attempt}\`, then `;
  if (!a.winner && a.recorded === undefined)
    return `hint: ${t.id}: attempt ${a.attempt} recorded no commit \`baton pick\` could take; ${discard}.`;
  return `hint: ${t.id}: integrate takes ${featureBranch(id)} only; to keep that work, ${commit}${pick}\`baton verify ${id}\` (it moves ${featureBranch(id)} on to the commit it checked, once every check passes there); or ${discard}.`;
}
