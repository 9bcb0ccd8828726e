/**
 * `baton clean --backups`: the backup refs Baton keeps of the tips it drops (a pick's, a clean's, a
 * restart's, `integrate --fresh`'s), which of them a branch or tag already holds, and removing them.
 */

import { printableArg } from '../agents/shell-words.js';
import { featureOfUnit } from '../contracts/feature-id.js';
import {
  type BackupDeleteFailure,
  type BackupRefRecord,
  deleteBackupRefs,
  holdersOf,
  listBackupRefs,
} from '../git/backup-refs.js';
import { BACKUP_PREFIXES, INTEGRATION_ID } from '../git/refs.js';

/** One backup ref, with whose it is and where else its tip is kept. */
export interface Backup extends BackupRefRecord {
  /** The unit whose tip it holds: a feature id, an attempt `<id>.a<n>`, or `integration` (untrusted). */
  unit: string;
  /** The feature of that unit (an attempt's feature; the unit itself otherwise). */
  featureId: string;
  /** A branch or tag that holds its tip (`holdersOf`), when one does. */
  on?: string;
}

/** What happens to one backup ref, and why. */
export type BackupDecision =
  | { action: 'remove'; backup: Backup; forced: boolean; reasons: string[] }
  | { action: 'keep'; backup: Backup; reasons: string[] };

/**
 * The unit a backup ref is of, read from its name (pure): `<prefix><unit>/<tip>` for a pick, clean or
 * restart backup, the integration for `integrate --fresh`'s `<prefix><timestamp>`.
 */
function unitOfBackup(record: Pick<BackupRefRecord, 'ref' | 'kind'>): string {
  if (record.kind === 'integration') return INTEGRATION_ID;
  const rest = record.ref.slice(BACKUP_PREFIXES[record.kind].length);
  const slash = rest.lastIndexOf('/');
  return slash > 0 ? rest.slice(0, slash) : rest;
}

/** Every backup ref with its unit and the branch or tag holding its tip: two git processes for all. */
export async function inspectBackups(root: string): Promise<Backup[]> {
  const records = await listBackupRefs(root);
  const commit = (r: BackupRefRecord) => r.type === 'commit' && r.symref === undefined;
  const held = await holdersOf(
    root,
    records.filter(commit).map((r) => r.tip),
  );
  return records.map((r) => {
    const unit = unitOfBackup(r);
    const on = commit(r) ? held.get(r.tip) : undefined;
    const featureId = featureOfUnit(unit);
    return { ...r, unit, featureId, ...(on !== undefined ? { on } : {}) };
  });
}

/** The backups of the features or units `ids` names (all when none), and the ids that have none (pure). */
export function selectBackups(
  backups: readonly Backup[],
  ids: readonly string[],
): { selected: Backup[]; absent: string[] } {
  if (ids.length === 0) return { selected: [...backups], absent: [] };
  const named = (b: Backup, id: string) => b.unit === id || b.featureId === id;
  return {
    selected: backups.filter((b) => ids.some((id) => named(b, id))),
    absent: ids.filter((id) => !backups.some((b) => named(b, id))),
  };
}

/** Why a backup's tip would be lost with it: on no branch or tag, or no commit at all. */
function lostWith(b: Backup): string {
  return b.type === 'commit'
    ? 'on no branch or tag'
    : `not a commit (a ${b.type}); Baton keeps only commits there`;
}

/**
 * Removes a backup whose tip a branch or tag holds (nothing is lost); keeps one whose tip is held
 * nowhere, unless `force`; never touches a symbolic ref, which Baton never writes (pure).
 */
export function decideBackups(backups: readonly Backup[], o: { force: boolean }): BackupDecision[] {
  return backups.map((backup): BackupDecision => {
    if (backup.symref !== undefined) {
      const to = `a symbolic ref to ${backup.symref}, which Baton never writes: left alone (git symbolic-ref --delete removes it)`;
      return { action: 'keep', backup, reasons: [to] };
    }
    if (backup.on !== undefined) {
      return { action: 'remove', backup, forced: false, reasons: [`kept elsewhere: on ${backup.on}`] };
    }
    const reasons = [lostWith(backup)];
    return o.force
      ? { action: 'remove', backup, forced: true, reasons }
      : { action: 'keep', backup, reasons };
  });
}

/** The command that keeps a backup's tip as a branch of its own, named after the unit and the tip. */
export function keepAsBranch(b: Pick<Backup, 'unit' | 'tip'>): string {
  return `git branch ${printableArg(`kept/${b.unit}-${b.tip.slice(0, 8)}`)} ${b.tip}`;
}

/** What removing the backups did: the refs a guarded delete left, with why (`deleteBackupRefs`). */
export async function removeBackups(
  root: string,
  removes: readonly Extract<BackupDecision, { action: 'remove' }>[],
): Promise<BackupDeleteFailure[]> {
  if (removes.length === 0) return [];
  return deleteBackupRefs(
    root,
    removes.map((d) => ({ ref: d.backup.ref, tip: d.backup.tip })),
  );
}
