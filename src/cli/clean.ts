import { existsSync } from 'node:fs';
import { Option } from 'commander';
import { printableArg } from '../agents/shell-words.js';
import {
  type CleanDecision,
  type CleanResult,
  cleanBackupOf,
  decideClean,
  describeGroups,
  describeRestore,
  detachedBackupOf,
  removeTargets,
} from '../clean/clean.js';
import { type DiskUsage, formatBytes, measureDiskUsage } from '../clean/disk-usage.js';
import { type CleanInspection, type CleanTarget, inspectCleanTargets } from '../clean/inspect.js';
import { cleanDiscard, describeCleanDiscard, foldCleanLog } from '../clean/integration-discard.js';
import type { CleanOrphan } from '../clean/left-behind.js';
import { loadConfig } from '../config.js';
import { UserError } from '../errors.js';
import { findMainWorktree } from '../git/git.js';
import { featureBranch, INTEGRATION_ID } from '../git/refs.js';
import type { WorktreeInfo } from '../git/worktree-list.js';
import { runLiveness } from '../guard/liveness.js';
import { orphanClaim, stopOrphans, withAttemptUnits } from '../guard/orphans.js';
import { batonRunning, lockForCommand } from '../lock/baton-lock.js';
import type { BatonState } from '../log/fold.js';
import { logPathFor, stateDirFor } from '../log/paths.js';
import { createLogSink } from '../log/sink.js';
import { type Palette, palette } from '../terminal/style.js';
import { escapeControl, stringifyJson } from '../text/escape.js';
import { adviceLines, type CleanAdvice, cleanAdvice } from './clean-advice.js';
import { backupsNote, cleanBackups } from './clean-backups.js';
import { CLEAN_HELP_AFTER } from './clean-help.js';
import { detachedAt, planIds, selectTargets, worktreesToLookIn } from './clean-ids.js';
import type { RegisterCommand } from './commands.js';
import type { CliContext } from './context.js';

interface CleanFlags {
  force?: boolean;
  merged?: boolean;
  all?: boolean;
  dryRun?: boolean;
  json?: boolean;
  base?: string;
  backups?: boolean;
}

/** Words for a worktree git lists as prunable (its folder gone, or left without its `.git` file), or on a detached HEAD. */
function worktreeNote(t: CleanTarget, w: NonNullable<CleanTarget['worktree']>): string {
  if (w.removalCutShort) return ' (what an earlier clean, cut short, left of it)';
  if (w.exists && t.detached) return ` (on a detached HEAD at ${t.detached.head.slice(0, 10)})`;
  if (w.exists) return '';
  if (w.locked && !w.strayFolder) return " (its folder missing: git's locked record of it)";
  if (w.strayFolder && w.removable) return ' (its folder, no longer a git worktree: its .git was gone)';
  return w.strayFolder
    ? ' (its folder is no longer a git worktree: its .git file is gone; the folder is kept)'
    : ' (folder already gone)';
}

/** The target's worktree and branch, in words. */
function where(t: CleanTarget): string {
  const parts: string[] = [];
  if (t.worktree) parts.push(`worktree ${t.worktree.path}${worktreeNote(t, t.worktree)}`);
  if (t.tip !== undefined) parts.push(`branch ${t.branch}`);
  return parts.join(', ');
}

function what(t: CleanTarget): string {
  const restore = describeRestore(t);
  return `${where(t)}${restore ? `; ${restore}` : ''}`;
}

function render(
  decisions: readonly CleanDecision[],
  results: readonly CleanResult[] | undefined,
  absent: readonly string[],
  freed: { bytes: number; complete: boolean },
  p: Palette,
  advice: CleanAdvice,
  integrationLeft: CleanTarget | undefined,
  detached: ReadonlyMap<string, WorktreeInfo> = new Map(),
): string {
  const lines: string[] = [];
  const pad = Math.max(0, ...decisions.map((d) => d.target.id.length));
  const row = (id: string, text: string) => `  ${id.padEnd(pad)}  ${text}`;
  // Reasons quote file names, paths and git's words an agent may have chosen: escaped before colouring.
  const reasons = (d: CleanDecision) => escapeControl(d.reasons.join('; '));
  const removes = decisions.filter((d) => d.action === 'remove');
  const dry = results === undefined;
  const failed = (results ?? []).filter((r) => r.error !== undefined);
  const done = removes.filter((d) => !failed.some((f) => f.target === d.target));
  if (done.length > 0) {
    const size =
      freed.bytes > 0
        ? ` (${dry ? 'would free' : 'freed'} ${freed.complete ? '' : '≥ '}${formatBytes(freed.bytes)})`
        : '';
    lines.push(`${dry ? 'Would remove' : p.green('Removed')} ${done.length}${size}:`);
    for (const d of done) {
      const forced = d.forced ? p.yellow(` — forced, discarding: ${reasons(d)}`) : '';
      lines.push(row(d.target.id, `${escapeControl(what(d.target))}${forced}`));
    }
  }
  if (failed.length > 0) {
    lines.push(`${p.red('Failed')} ${failed.length}:`);
    for (const f of failed) lines.push(row(f.target.id, escapeControl(f.error ?? '')));
  }
  const refused = decisions.filter((d) => d.action === 'refuse');
  if (refused.length > 0) {
    lines.push(`${p.red('Refused')} ${refused.length} (nothing of theirs was touched):`);
    for (const d of refused) lines.push(row(d.target.id, reasons(d)));
  }
  const kept = decisions.filter((d) => d.action === 'keep');
  if (kept.length > 0) {
    lines.push(`Kept ${kept.length} not merged (--merged):`);
    for (const d of kept) lines.push(row(d.target.id, p.dim(reasons(d))));
  }
  for (const id of absent) {
    const w = detached.get(id);
    lines.push(
      w
        ? `${id}: no branch ${featureBranch(id)}, but its worktree ${escapeControl(w.path)} is on a detached HEAD${w.head ? ` (at ${w.head.slice(0, 10)})` : ''}, which clean leaves: keep what it holds that no branch has, then \`git worktree remove ${printableArg(w.path)}\``
        : p.dim(`${id}: no worktree or branch to clean`),
    );
  }
  if (decisions.length === 0 && absent.length === 0)
    lines.push(`Nothing to clean: no baton/* ${integrationLeft ? 'feature ' : ''}worktrees or branches.`);
  if (integrationLeft) {
    lines.push(
      p.dim(
        `Left in place: the integration (${escapeControl(where(integrationLeft))}); \`baton clean integration\` or \`baton clean --all\` removes it too.`,
      ),
    );
  }
  lines.push(...adviceLines(decisions, advice));
  return `${lines.join('\n')}\n`;
}

function decisionJson(d: CleanDecision, result: CleanResult | undefined, disk: number | undefined) {
  return {
    feature_id: d.target.id,
    branch: d.target.tip !== undefined ? d.target.branch : null,
    // The commit the branch pointed at: `git branch <branch> <tip>` restores a discarded one.
    tip: d.target.tip ?? null,
    worktree: d.target.worktree?.path ?? null,
    // The commit its worktree's detached HEAD is at, when it is on one.
    detached_head: d.target.detached?.head ?? null,
    reasons: d.reasons,
    ...(d.action === 'remove'
      ? {
          forced: d.forced,
          disk_bytes: disk ?? null,
          // The backup ref keeping a tip merged nowhere: the one written, or for --dry-run the one it would be.
          kept_as: (result ? result.keptAs : cleanBackupOf(d.target)) ?? null,
          // The backup ref keeping a detached HEAD's commit merged nowhere, likewise.
          head_kept_as: (result ? result.headKeptAs : detachedBackupOf(d.target)) ?? null,
        }
      : {}),
    ...(d.target.attempt
      ? {
          attempt: {
            feature_id: d.target.attempt.featureId,
            attempt: d.target.attempt.attempt,
            winner: d.target.attempt.winner,
            commit: d.target.attempt.recorded ?? null,
          },
        }
      : {}),
    ...(result ? { removed_worktree: result.removedWorktree, deleted_branch: result.deletedBranch } : {}),
    ...(result?.error ? { error: result.error } : {}),
  };
}

type RemoveDecision = Extract<CleanDecision, { action: 'remove' }>;

/** The disk space the removed worktrees held (those whose removal failed not counted). */
function freedBy(
  removes: readonly RemoveDecision[],
  results: readonly CleanResult[] | undefined,
  disk: Map<string, DiskUsage>,
): { bytes: number; complete: boolean } {
  const freedParts = removes
    .filter((d) => !results?.some((r) => r.target === d.target && r.error !== undefined))
    .map((d) => (d.target.worktree ? disk.get(d.target.worktree.path) : undefined))
    .filter((u) => u !== undefined);
  return {
    bytes: freedParts.reduce((sum, u) => sum + u.bytes, 0),
    complete: freedParts.every((u) => u.complete),
  };
}

/** Stops the process groups a dead run left in the worktrees about to be removed (`stopOrphans`, each proven again). */
async function stopCleanOrphans(
  root: string,
  state: BatonState,
  removes: readonly RemoveDecision[],
): Promise<CleanOrphan[]> {
  const orphans = removes.flatMap((d) => d.target.orphans ?? []);
  if (orphans.length > 0) await stopOrphans(orphans, orphanClaim(withAttemptUnits(state), logPathFor(root)));
  return orphans;
}

/** `baton clean --json`: removed, failed, refused and kept, each decision with its reasons. */
function cleanJson(
  outcome: {
    decisions: readonly CleanDecision[];
    removes: readonly RemoveDecision[];
    results: readonly CleanResult[] | undefined;
    disk: Map<string, DiskUsage>;
    absent: readonly string[];
    freed: { bytes: number };
    discard: ReturnType<typeof cleanDiscard>;
  },
  inspection: Pick<CleanInspection, 'mergeTargets' | 'integrationSetAside'>,
  dryRun: boolean,
) {
  const { decisions, removes, results, disk, absent, freed, discard } = outcome;
  const resultOf = (t: CleanTarget) => results?.find((r) => r.target === t);
  const diskOf = (t: CleanTarget) => (t.worktree ? disk.get(t.worktree.path)?.bytes : undefined);
  return {
    dry_run: dryRun,
    merge_targets: inspection.mergeTargets,
    // Why baton/integration is not among merge_targets although it exists (null when it is, or is absent).
    integration_set_aside: inspection.integrationSetAside ?? null,
    removed: removes
      .filter((d) => resultOf(d.target)?.error === undefined)
      .map((d) => decisionJson(d, resultOf(d.target), diskOf(d.target))),
    failed: removes
      .filter((d) => resultOf(d.target)?.error !== undefined)
      .map((d) => decisionJson(d, resultOf(d.target), diskOf(d.target))),
    refused: decisions.filter((d) => d.action === 'refuse').map((d) => decisionJson(d, undefined, undefined)),
    kept: decisions.filter((d) => d.action === 'keep').map((d) => decisionJson(d, undefined, undefined)),
    absent,
    freed_bytes: freed.bytes,
    // The attempt on the removed baton/integration, recorded as discarded (`integration.discarded`).
    integration_discarded: discard
      ? {
          started_at: discard.started_at ?? null,
          commit: discard.commit ?? null,
          backup: discard.backup ?? null,
        }
      : null,
  };
}

/** `baton clean` without `--backups`, once it may go on: inspect, decide, remove, render. */
async function cleanWorktrees(o: {
  root: string;
  ctx: CliContext;
  ids: readonly string[];
  flags: CleanFlags;
  setExit: (code: number) => void;
  stopped: () => boolean;
}): Promise<void> {
  const { root, ctx, ids, flags, setExit, stopped: halted } = o;
  // --dry-run still looks; its hint then says to wait, not to --force.
  const running = flags.dryRun ? batonRunning(root) : undefined;
  const config = loadConfig(root);
  if (!config.ok) {
    throw new UserError('config/invalid', 'the configuration is invalid', { diagnostics: config.errors });
  }
  const { state, last } = foldCleanLog(root);
  const base = flags.base ?? config.value.base;
  const inspection = await inspectCleanTargets({
    root,
    cwd: ctx.cwd,
    ...(base !== undefined ? { base } : {}),
    state,
    alive: runLiveness(root),
    ...(await worktreesToLookIn(root, ctx, config.value)),
    configFile: config.value.file,
  });
  const known = [
    ...new Set([...(await planIds(ctx.cwd)), ...inspection.targets.map((t) => t.id), INTEGRATION_ID]),
  ];
  const { selected, absent } = selectTargets(inspection.targets, ids, known, flags.all === true);
  // Judged against no base (or a wrong one), merged work and lost work look alike: nothing is decided.
  if (inspection.baseProblem && selected.length > 0) throw inspection.baseProblem;
  const decisions = decideClean(selected, {
    force: flags.force === true,
    merged: flags.merged === true,
  });
  const removes = decisions.filter(
    (d): d is Extract<CleanDecision, { action: 'remove' }> => d.action === 'remove',
  );
  const disk = measureDiskUsage(
    removes.flatMap((d) => (d.target.worktree?.exists ? [d.target.worktree.path] : [])),
  );
  // --force removes a worktree a dead run's processes still work in: they are stopped first, or they
  // would go on writing into a folder that is gone.
  const stopped = flags.dryRun ? [] : await stopCleanOrphans(root, state, removes);
  const results = flags.dryRun ? undefined : await removeTargets(root, removes, halted);
  const freed = freedBy(removes, results, disk);
  // Removing baton/integration throws its attempt away as `--fresh` does: the log says so, or the
  // report would count that attempt's merges, conflicts, tests and time as delivered.
  const discard = cleanDiscard(results, last);
  if (discard) createLogSink({ logPath: logPathFor(root), clock: ctx.clock }).emit(discard);
  const failed = results?.some((r) => r.error !== undefined) ?? false;
  if (decisions.some((d) => d.action === 'refuse') || failed) setExit(1);
  // 130: stopped by Ctrl-C, as a shell reports it.
  if (halted()) setExit(130);

  if (flags.json) {
    const outcome = { decisions, removes, results, disk, absent, freed, discard };
    const json = cleanJson(outcome, inspection, flags.dryRun === true);
    ctx.stdout.write(`${stringifyJson(json, 2)}\n`);
    return;
  }
  const advice = cleanAdvice(root, inspection, running);
  if (stopped.length > 0)
    ctx.stdout.write(
      `Stopped what a dead run left working in them: ${escapeControl(describeGroups(stopped))}\n`,
    );
  // With no ids the integration is left unless --all: say so, or "nothing to clean" hides it.
  const integrationLeft =
    ids.length === 0 && flags.all !== true
      ? inspection.targets.find((t) => t.kind === 'integration')
      : undefined;
  const detached = await detachedAt(root, config.value.worktrees, absent);
  ctx.stdout.write(
    render(decisions, results, absent, freed, palette(ctx.color), advice, integrationLeft, detached),
  );
  if (discard) ctx.stdout.write(describeCleanDiscard(discard));
  ctx.stdout.write(await backupsNote(root));
}

/** `baton clean`: removes feature worktrees and branches, never uncommitted or unmerged work without `--force`. */
export const registerClean: RegisterCommand = (program, ctx: CliContext, setExit) => {
  program
    .command('clean')
    .description(
      "remove feature worktrees and their baton/<id> branches (best-of-N attempts' baton/<id>.a<n> too), " +
        'refusing those whose work would be lost (uncommitted changes, commits not merged into ' +
        'baton/integration or the base) unless --force',
    )
    .addHelpText('after', CLEAN_HELP_AFTER)
    .argument(
      '[ids...]',
      'features to clean (default: every baton/* feature worktree and branch); `integration` names the integration worktree',
    )
    .option(
      '--force',
      'also remove worktrees with uncommitted changes (lost) and branches with unmerged commits (their tips kept under refs/baton/clean-backup/)',
    )
    .option(
      '--merged',
      'remove exactly those already merged into baton/integration or the base; leave the rest',
    )
    .option(
      '--base <branch>',
      'judge "merged" against this branch (default: config base, else the branch your main checkout is on)',
    )
    .option('--all', 'with no ids, include the integration worktree and branch (baton/integration)')
    .addOption(
      new Option(
        '--backups',
        "list Baton's backup refs (refs/baton/*-backup/); remove those whose tip a branch or tag holds, and with --force the rest",
      ).conflicts(['merged', 'all', 'base']),
    )
    .option('--dry-run', 'print what would be removed and refused, and change nothing')
    .option('--json', 'print { removed, refused, kept, failed, ... } as JSON')
    .action(async (ids: string[], flags: CleanFlags) => {
      const root = await findMainWorktree(ctx.cwd);
      // A live run's agents work in these worktrees: nothing is removed under them, --force or not.
      // Its lock refuses that (any other Baton's lock held), and keeps two cleans from removing at
      // once; a repository where no Baton ever ran (no state folder) has nothing to keep apart from.
      const lock =
        flags.dryRun || !existsSync(stateDirFor(root))
          ? undefined
          : lockForCommand(root, 'clean', ctx.stderr);
      // Ctrl-C lets a removal git began finish (never half a worktree), begins no other, and
      // releases the lock: the note of a removal not begun is taken back (`removeTargets`).
      let halted = false;
      const unsubscribe = flags.backups
        ? () => {}
        : ctx.onInterrupt(() => {
            if (!halted)
              ctx.stderr.write('\nbaton: stopping: a removal under way finishes, no other begins\n');
            halted = true;
          });
      try {
        if (flags.backups) return await cleanBackups({ root, ctx, ids, flags, setExit });
        await cleanWorktrees({ root, ctx, ids, flags, setExit, stopped: () => halted });
      } finally {
        unsubscribe();
        lock?.release();
      }
    });
};
