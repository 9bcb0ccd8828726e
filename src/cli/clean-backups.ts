/**
 * `baton clean --backups`: lists Baton's backup refs, removes those a branch or tag already holds,
 * keeps the rest (with how to keep each as a branch) unless `--force`.
 */

import {
  type Backup,
  type BackupDecision,
  decideBackups,
  inspectBackups,
  keepAsBranch,
  removeBackups,
  selectBackups,
} from '../clean/backups.js';
import { type BackupDeleteFailure, listBackupRefs } from '../git/backup-refs.js';
import { INTEGRATION_ID } from '../git/refs.js';
import { type Palette, palette } from '../terminal/style.js';
import { escapeControl, stringifyJson } from '../text/escape.js';
import { planIds, refuseUnknownIds } from './clean-ids.js';
import type { CliContext } from './context.js';

/** The flags of `baton clean` that `--backups` reads. */
export interface BackupsFlags {
  force?: boolean;
  dryRun?: boolean;
  json?: boolean;
}

type RemoveDecision = Extract<BackupDecision, { action: 'remove' }>;

/** What `--backups` decided and did, for the renderers. */
interface BackupsOutcome {
  decisions: readonly BackupDecision[];
  failures: readonly BackupDeleteFailure[] | undefined;
  absent: readonly string[];
}

/** One row's leading columns: unit, kind, short tip, date (every part from the repository, escaped). */
function columns(b: Backup, pad: { unit: number; kind: number }): string {
  const date = b.date?.slice(0, 10) ?? '-'.padEnd(10);
  return `  ${escapeControl(b.unit).padEnd(pad.unit)}  ${b.kind.padEnd(pad.kind)}  ${b.tip.slice(0, 8)}  ${escapeControl(date)}`;
}

/** Words for a removed backup: where its tip is kept, or (forced) the sha that still recovers it. */
function removedText(d: RemoveDecision, p: Palette): string {
  const why = escapeControl(d.reasons.join('; '));
  if (!d.forced) return p.dim(why);
  return p.yellow(
    `forced, discarding: ${why}; its tip was ${d.backup.tip} (${keepAsBranch(d.backup)} recovers it until git gc)`,
  );
}

function renderBackups(o: BackupsOutcome, dry: boolean, p: Palette): string {
  const { decisions, failures, absent } = o;
  const backups = decisions.map((d) => d.backup);
  const pad = {
    unit: Math.max(0, ...backups.map((b) => escapeControl(b.unit).length)),
    kind: Math.max(0, ...backups.map((b) => b.kind.length)),
  };
  const failed = (b: Backup) => failures?.find((f) => f.ref === b.ref);
  const removes = decisions.filter((d): d is RemoveDecision => d.action === 'remove');
  const done = removes.filter((d) => failed(d.backup) === undefined);
  const lines: string[] = [];
  if (done.length > 0) {
    lines.push(`${dry ? 'Would remove' : p.green('Removed')} ${done.length} backup ref(s):`);
    for (const d of done) lines.push(`${columns(d.backup, pad)}  ${removedText(d, p)}`);
  }
  const left = removes.filter((d) => failed(d.backup) !== undefined);
  if (left.length > 0) {
    lines.push(`${p.red('Failed')} ${left.length} (left as they are):`);
    for (const d of left) {
      const why = `${escapeControl(d.backup.ref)}: ${escapeControl(failed(d.backup)?.error ?? '')}`;
      lines.push(`${columns(d.backup, pad)}  ${why}`);
    }
  }
  const kept = decisions.filter((d) => d.action === 'keep');
  const unheld = kept.filter((d) => d.backup.symref === undefined);
  if (unheld.length > 0) {
    lines.push(`Kept ${unheld.length} backup ref(s) whose tip is on no branch or tag:`);
    for (const d of unheld) {
      lines.push(`${columns(d.backup, pad)}  ${escapeControl(d.backup.ref)}`);
      lines.push(
        p.dim(
          `    keep it as a branch: ${keepAsBranch(d.backup)}; or \`baton clean --backups --force\` removes it`,
        ),
      );
    }
  }
  for (const d of kept.filter((k) => k.backup.symref !== undefined))
    lines.push(p.yellow(`${escapeControl(d.backup.ref)}: ${escapeControl(d.reasons.join('; '))}`));
  for (const id of absent) lines.push(p.dim(`${escapeControl(id)}: no backup refs`));
  if (decisions.length === 0 && absent.length === 0) lines.push('No backup refs under refs/baton/.');
  return `${lines.join('\n')}\n`;
}

function backupJson(d: BackupDecision, failure: BackupDeleteFailure | undefined) {
  const b = d.backup;
  return {
    ref: b.ref,
    kind: b.kind,
    feature_id: b.unit,
    // The commit the ref held: `git branch <name> <tip>` keeps it, until git gc once the ref is gone.
    tip: b.tip,
    date: b.date ?? null,
    // The branch or tag holding the tip (git's short name), or null when none does.
    on: b.on ?? null,
    reasons: d.reasons,
    ...(d.action === 'remove' ? { forced: d.forced } : {}),
    ...(failure ? { error: failure.error } : {}),
  };
}

/** `baton clean --backups --json`: removed, kept and failed, as `baton clean --json` shapes its lists. */
function backupsJson(o: BackupsOutcome, dry: boolean) {
  const failure = (d: BackupDecision) => o.failures?.find((f) => f.ref === d.backup.ref);
  const removes = o.decisions.filter((d) => d.action === 'remove');
  return {
    dry_run: dry,
    removed: removes.filter((d) => failure(d) === undefined).map((d) => backupJson(d, undefined)),
    failed: removes.filter((d) => failure(d) !== undefined).map((d) => backupJson(d, failure(d))),
    kept: o.decisions.filter((d) => d.action === 'keep').map((d) => backupJson(d, undefined)),
    absent: o.absent,
  };
}

/**
 * Runs `baton clean --backups` in `root` (the caller has refused it already while another Baton runs,
 * as for every clean): exit 1 when a ref could not be deleted.
 */
export async function cleanBackups(o: {
  root: string;
  ctx: CliContext;
  ids: readonly string[];
  flags: BackupsFlags;
  setExit: (code: number) => void;
}): Promise<void> {
  const { root, ctx, ids, flags } = o;
  const backups = await inspectBackups(root);
  if (ids.length > 0) {
    const fromRefs = backups.flatMap((b) => [b.featureId, b.unit]);
    refuseUnknownIds(ids, [...new Set([...(await planIds(ctx.cwd)), ...fromRefs, INTEGRATION_ID])]);
  }
  const { selected, absent } = selectBackups(backups, ids);
  const decisions = decideBackups(selected, { force: flags.force === true });
  const removes = decisions.filter((d): d is RemoveDecision => d.action === 'remove');
  const failures = flags.dryRun ? undefined : await removeBackups(root, removes);
  if ((failures?.length ?? 0) > 0) o.setExit(1);
  const outcome = { decisions, failures, absent };
  if (flags.json) {
    ctx.stdout.write(`${stringifyJson(backupsJson(outcome, flags.dryRun === true), 2)}\n`);
    return;
  }
  ctx.stdout.write(renderBackups(outcome, flags.dryRun === true, palette(ctx.color)));
}

/**
 * The line plain `baton clean` ends with while backup refs are kept: how many, and the command that
 * lists and removes them; empty when there are none.
 */
export async function backupsNote(root: string): Promise<string> {
  const n = (await listBackupRefs(root)).length;
  if (n === 0) return '';
  return `note: ${n} backup ref${n === 1 ? '' : 's'} of dropped tips kept under refs/baton/: \`baton clean --backups\` lists them and removes those a branch or tag holds.\n`;
}
