/**
 * Every ref name Baton writes, in one place: feature branches, the integration branch, attempts and
 * the ids that would collide with them.
 */

import { attemptUnitId, isUnitId } from '../contracts/feature-id.js';

/** The prefix of every branch Baton makes. */
export const BRANCH_PREFIX = 'baton/';

/** The id under which the integration branch and worktree are named. */
export const INTEGRATION_ID = 'integration';

/** The branch integration merges onto: `baton/integration`. */
export const INTEGRATION_BRANCH = `${BRANCH_PREFIX}${INTEGRATION_ID}`;

/** Feature ids that would collide with Baton's own refs and folders. */
export const RESERVED_IDS: ReadonlySet<string> = new Set([INTEGRATION_ID]);

/**
 * Whether `branch` (a short name, `main`, not `refs/heads/main`) is one of Baton's own: a feature's,
 * an attempt's or the integration branch, all under the one prefix. Baton moves and deletes these
 * itself, so they are never a place for the user's result.
 */
export function isBatonBranch(branch: string): boolean {
  return branch.startsWith(BRANCH_PREFIX);
}

/**
 * What git is given for a branch named by its short name (`baton/a`), or a commit id as it is: the
 * full `refs/heads/<name>`. git resolves a short name through `$GIT_DIR/<name>`, `refs/<name>` and
 * `refs/tags/<name>` before `refs/heads/<name>`, and an agent can write any of those: a planted
 * `.git/baton/a` would be merged, diffed or measured in the branch's place.
 */
export function branchRevision(branchOrCommit: string): string {
  return isObjectId(branchOrCommit) || branchOrCommit.startsWith('refs/')
    ? branchOrCommit
    : `refs/heads/${branchOrCommit}`;
}

/**
 * The unit id of one of Baton's branches (`baton/<id>`, or `refs/heads/baton/<id>`), or undefined for
 * any other name: only ids Baton gives (`isUnitId`). git takes any byte from 0x80 up in a ref name, so
 * an agent's `baton/x<U+009B>31m` is not a feature's branch, nor listed, printed or removed as one.
 */
export function batonUnitOf(branch: string): string | undefined {
  const name = branch.startsWith('refs/heads/') ? branch.slice('refs/heads/'.length) : branch;
  if (!name.startsWith(BRANCH_PREFIX)) return undefined;
  const id = name.slice(BRANCH_PREFIX.length);
  return isUnitId(id) ? id : undefined;
}

/** A feature's branch: `baton/<feature_id>`. */
export function featureBranch(featureId: string): string {
  return `${BRANCH_PREFIX}${featureId}`;
}

/**
 * One attempt's branch for best-of-N: `baton/<feature_id>.a<n>`. Not `baton/<feature_id>/a<n>`: git
 * cannot hold a ref that is both a file and a folder, and the winner is kept on `baton/<feature_id>`
 * (docs/best-of-n.md).
 */
export function attemptBranch(featureId: string, attempt: number): string {
  return `${BRANCH_PREFIX}${attemptUnitId(featureId, attempt)}`;
}

/**
 * A worker's attempt ref in a shared hub: `refs/baton/attempts/<feature_id>/<job>.<attempt>`, where
 * `<job>` names one enqueue of the job (`<job_id>.<enqueue tag>`), so no attempt overwrites another's.
 */
export function attemptRef(featureId: string, job: string, attempt: number): string {
  return `refs/baton/attempts/${featureId}/${job}.${attempt}`;
}

/** Where `--restart` keeps the tips it drops, as `integrate --fresh` keeps its under `INTEGRATION_BACKUP_PREFIX`. */
export const RESTART_BACKUP_PREFIX = 'refs/baton/restart-backup/';

/** Where `baton integrate --fresh` keeps the earlier result it discards: `<prefix><timestamp>`. */
export const INTEGRATION_BACKUP_PREFIX = 'refs/baton/integration-backup/';

/** Where `baton pick --force` keeps the tip of `baton/<id>` it moves away from. */
export const PICK_BACKUP_PREFIX = 'refs/baton/pick-backup/';

/**
 * Where `baton clean` keeps the tip of a branch it deletes with commits merged nowhere (a losing
 * attempt's, or work `--force` discards), so no commit it removes is left unreachable.
 */
export const CLEAN_BACKUP_PREFIX = 'refs/baton/clean-backup/';

/**
 * The backup ref of a unit (a feature, or an attempt `<id>.a<n>`) whose branch tip `tip` a command
 * drops: named by the tip under the command's prefix, so a second drop never overwrites an earlier backup.
 */
export function tipBackupRef(prefix: string, unitId: string, tip: string): string {
  return `${prefix}${unitId}/${tip}`;
}

/** The backup ref of a restarted unit whose branch tip was `tip` (`tipBackupRef`). */
export function restartBackupRef(unitId: string, tip: string): string {
  return tipBackupRef(RESTART_BACKUP_PREFIX, unitId, tip);
}

/** The backup ref of the tip of `baton/<feature_id>` that a pick, or best-of-N's choice in a run, moves away from (`tipBackupRef`). */
export function pickBackupRef(featureId: string, tip: string): string {
  return tipBackupRef(PICK_BACKUP_PREFIX, featureId, tip);
}

/** Every kind of backup ref Baton writes, with the prefix it lives under. */
export const BACKUP_PREFIXES = {
  pick: PICK_BACKUP_PREFIX,
  clean: CLEAN_BACKUP_PREFIX,
  restart: RESTART_BACKUP_PREFIX,
  integration: INTEGRATION_BACKUP_PREFIX,
} as const;

/** A kind of backup ref: which command kept the tip. */
export type BackupKind = keyof typeof BACKUP_PREFIXES;

/**
 * The kind of backup `ref` (a full ref name) is, by its prefix, or undefined for any other ref (pure):
 * the one test of what `baton clean --backups` may delete, so nothing outside these namespaces goes.
 */
export function backupKindOf(ref: string): BackupKind | undefined {
  for (const [kind, prefix] of Object.entries(BACKUP_PREFIXES) as [BackupKind, string][]) {
    if (ref.startsWith(prefix) && ref.length > prefix.length) return kind;
  }
  return undefined;
}

/**
 * A full object id as git writes it, SHA-1's 40 or SHA-256's 64 lowercase hex digits, as a regular
 * expression's source (no anchors, no group): for a pattern of a line that holds ids, as a reflog's does.
 */
export const OBJECT_ID_PATTERN = '[0-9a-f]{40}|[0-9a-f]{64}';

const OBJECT_ID = new RegExp(`^(?:${OBJECT_ID_PATTERN})$`);

/** Whether a text is a full object id as git writes it (`OBJECT_ID_PATTERN`; pure). */
export function isObjectId(text: string): boolean {
  return OBJECT_ID.test(text);
}
