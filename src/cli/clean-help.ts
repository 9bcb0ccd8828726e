/** What `baton clean --help` adds after the options: what counts as merged, attempts, exit codes. */
export const CLEAN_HELP_AFTER =
  '\nA branch counts as merged when its tip is in baton/integration or in the base (--base, else config\n' +
  'base, else the branch your main checkout is on); a branch with no commits beyond the base is merged.\n' +
  'baton/integration counts only when the last integration ended clean; otherwise clean says why not.\n' +
  'With no base named, clean refuses outright (clean/no-base) while your main checkout is on a detached\n' +
  'HEAD, a baton/* branch or an orphan branch (no commit yet), and a named base that does not exist, is\n' +
  'a baton/* branch however spelled, or is a commit no branch, tag or remote-tracking branch of yours\n' +
  'holds is refused too (clean/bad-base).\n' +
  'Never removed: your main checkout, a branch checked out there, a branch a rebase or bisect is under\n' +
  'way on (in any worktree), the worktree you run from. A branch removed with commits merged nowhere\n' +
  '(--force, or a losing attempt) has its tip kept under refs/baton/clean-backup/<id>/<sha> first, and\n' +
  "printed (git branch <branch> <sha> restores it). Removing baton/integration with the log's last\n" +
  'attempt on it, one no branch took (--into, or a merge by hand), records it as discarded\n' +
  '(integration.discarded) as `integrate --fresh` does: `baton report` no longer counts it. While\n' +
  "another Baton runs (its run, integrate or verify lock, or another clean's, held by a live process)\n" +
  'clean refuses, --force or not (--dry-run still looks). `git worktree prune` runs afterwards.\n' +
  "A worktree a dead run's agents or setup still work in (a run killed outright; found by their\n" +
  'environment, as `baton run --resume` finds them) is refused, naming their process groups; --force\n' +
  'stops them (SIGTERM, then SIGKILL) before it removes the worktree.\n' +
  'A folder left where Baton puts a worktree with no .git in it (a removal cut short, or its .git\n' +
  "deleted) is refused, and --force removes it; what a clean killed mid-removal left (its note in git's\n" +
  'record of the worktree) is finished without --force.\n' +
  'A locked worktree (git worktree lock) is refused, naming the git worktree unlock; so is one whose\n' +
  'folder is missing (git keeps a locked record: its disk may be unmounted). --force removes either.\n' +
  'A worktree whose branch was deleted by hand is refused, naming the git branch <branch> <sha> that\n' +
  'restores it from its reflog; --force keeps that commit under refs/baton/clean-backup/ first.\n' +
  "A feature's own worktree on a detached HEAD (at <worktrees>/<id>, proven this repository's) is\n" +
  'judged with its branch, even once that is gone: refused while HEAD holds commits merged nowhere,\n' +
  'naming the git switch that keeps them on the branch; --force keeps that HEAD under\n' +
  'refs/baton/clean-backup/ first.\n' +
  'Best-of-N attempts (baton/<id>.a<n>) go with their feature (`baton clean <id>`) or alone\n' +
  "(`baton clean <id>.a<n>`). A losing attempt's branch whose tip is the commit the log recorded is\n" +
  'removed even though it is merged nowhere: its tip is kept under refs/baton/clean-backup/ (the log is\n' +
  'a claim, so nothing rests on it alone); uncommitted changes in its worktree still need --force, and so\n' +
  'does an attempt whose feature has no winner yet (`baton run --resume` decides it).\n' +
  'With --backups, clean lists instead the backup refs Baton keeps of the tips it drops (under\n' +
  'refs/baton/: pick-backup/, clean-backup/, restart-backup/, integration-backup/), each with its kind,\n' +
  'feature, tip and date, and removes those whose tip a branch or tag holds: nothing is lost. One whose\n' +
  'tip is on no branch or tag is kept, with the `git branch` that keeps it as a branch of your own;\n' +
  '--force removes it too and prints its sha (git branch <name> <sha> recovers it until git gc). A ref\n' +
  'moved or deleted meanwhile is left and named. Nothing outside those four namespaces is touched.\n' +
  'Exit code: 0 when everything selected was removed (or kept by --merged, or a backup kept), 1 when\n' +
  'anything was refused or failed, 2 on a usage error (--backups with --merged, --all or --base).';
