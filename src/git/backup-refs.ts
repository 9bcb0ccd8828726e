/**
 * Baton's backup refs as git holds them: listing them, finding which branch or tag holds each tip,
 * and deleting them only at the tip that was read. A fixed number of git processes however many there are.
 */

import { git, gitRaw } from './git.js';
import { BACKUP_PREFIXES, type BackupKind, backupKindOf } from './refs.js';

/** One backup ref as `for-each-ref` read it. */
export interface BackupRefRecord {
  /** The full ref name (`refs/baton/pick-backup/<id>/<sha>`); from the repository, so untrusted. */
  ref: string;
  kind: BackupKind;
  /** The object it points at (full sha). */
  tip: string;
  /** `commit` for every ref Baton writes; anything else was put there by someone else. */
  type: string;
  /** The commit's committer date (ISO 8601), or undefined when it is no commit. */
  date: string | undefined;
  /**
   * The ref it points to when it is a symbolic ref (`refs/heads/main`): none Baton writes, and `tip`
   * is then that ref's commit; such a ref is never deleted (a delete would follow it to the branch).
   */
  symref?: string;
}

/** Every ref under Baton's backup prefixes (`BACKUP_PREFIXES`), by name, from one git process. */
export async function listBackupRefs(cwd: string): Promise<BackupRefRecord[]> {
  const format = '%(refname)%00%(objectname)%00%(objecttype)%00%(committerdate:iso-strict)%00%(symref)';
  const out = await git(cwd, ['for-each-ref', `--format=${format}`, ...Object.values(BACKUP_PREFIXES)]);
  const records: BackupRefRecord[] = [];
  for (const line of out.split('\n')) {
    const [ref = '', tip = '', type = '', date = '', symref = ''] = line.split('\0');
    const kind = backupKindOf(ref);
    if (kind === undefined || tip === '') continue;
    records.push({
      ref,
      kind,
      tip,
      type,
      date: date === '' ? undefined : date,
      ...(symref ? { symref } : {}),
    });
  }
  return records;
}

/** What `holdersOf` says when a branch or tag holds a commit but git's name for it is none of them. */
const SOME_BRANCH_OR_TAG = 'a branch or tag';

/**
 * For each of `commits` that a branch or tag holds, the name of one that does (`main`, `tags/v1`), else
 * absent: three git processes for all. Whether one holds it is exact (`rev-list <commits> --not
 * --branches --tags`: what it lists, no branch or tag holds). The name is `git name-rev`'s, taken only
 * when it names an existing branch or tag — its `--refs` pattern also matches refs elsewhere that merely
 * end like one (`refs/original/refs/heads/old`) — else `SOME_BRANCH_OR_TAG`.
 */
export async function holdersOf(cwd: string, commits: readonly string[]): Promise<Map<string, string>> {
  const held = new Map<string, string>();
  const asked = [...new Set(commits)];
  if (asked.length === 0) return held;
  const [unheld, named, refs] = await Promise.all([
    git(cwd, ['rev-list', ...asked, '--not', '--branches', '--tags']),
    // `--exclude`: `--refs` also matches a ref that only ends like a branch (`refs/original/refs/heads/x`).
    git(cwd, ['name-rev', '--refs=refs/heads/*', '--refs=refs/tags/*', '--exclude=*/refs/*', ...asked]),
    git(cwd, ['for-each-ref', '--format=%(refname)', 'refs/heads/', 'refs/tags/']),
  ]);
  const nowhere = new Set(unheld.split('\n'));
  const real = new Set(refs.split('\n'));
  const names = new Map<string, string>();
  for (const line of named.split('\n')) {
    const space = line.indexOf(' ');
    // `main~2^2`: the ref's name ends where the path from it begins (a ref name holds no `~` or `^`).
    const name = line.slice(space + 1).replace(/[~^].*$/, '');
    if (space > 0 && (real.has(`refs/heads/${name}`) || real.has(`refs/${name}`)))
      names.set(line.slice(0, space), name);
  }
  for (const c of asked) if (!nowhere.has(c)) held.set(c, names.get(c) ?? SOME_BRANCH_OR_TAG);
  return held;
}

/** Why one backup ref was not deleted: it moved or went since it was read, or git refused. */
export interface BackupDeleteFailure {
  ref: string;
  error: string;
}

/**
 * Deletes each backup ref only while it still points at `tip`, all in one `update-ref --stdin`
 * transaction; when that fails (one moved meanwhile), one guarded `update-ref -d <ref> <tip>` each, so
 * the rest still go and the moved ones are named. A ref outside Baton's backup namespaces
 * (`backupKindOf`) is never deleted. Returns the refs left, with why.
 */
export async function deleteBackupRefs(
  cwd: string,
  refs: readonly { ref: string; tip: string }[],
): Promise<BackupDeleteFailure[]> {
  const failures: BackupDeleteFailure[] = refs
    .filter((r) => backupKindOf(r.ref) === undefined)
    .map((r) => ({ ref: r.ref, error: 'not a Baton backup ref; left alone' }));
  const ours = refs.filter((r) => backupKindOf(r.ref) !== undefined);
  if (ours.length === 0) return failures;
  const input = ours.map((r) => `delete ${r.ref}\0${r.tip}\0`).join('');
  // `--no-deref`: a symbolic ref found there since it was listed is deleted itself, never followed to
  // the branch it names (a plain delete would take the branch).
  const all = await gitRaw(cwd, ['update-ref', '--no-deref', '-z', '--stdin'], input);
  if (all.exitCode === 0) return failures;
  for (const r of ours) {
    const one = await gitRaw(cwd, ['update-ref', '--no-deref', '-d', r.ref, r.tip]);
    if (one.exitCode !== 0) failures.push({ ref: r.ref, error: await whyLeft(cwd, r, one.stderr) });
  }
  return failures;
}

/** Words for a backup ref a guarded delete left: gone, moved (to where), or git's own words. */
async function whyLeft(cwd: string, r: { ref: string; tip: string }, stderr: string): Promise<string> {
  const now = await gitRaw(cwd, ['rev-parse', '--verify', '--quiet', r.ref]);
  if (now.exitCode !== 0) return 'gone since it was listed (another process deleted it)';
  const at = now.stdout.trim();
  if (at !== r.tip) return `moved since it was listed (now at ${at.slice(0, 8)}); it was left`;
  return stderr.trim().replace(/^(fatal|error): /, '');
}
