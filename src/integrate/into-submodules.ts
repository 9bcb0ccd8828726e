/**
 * After `--into` moved the user's branch: the submodule commits it now records that the main
 * checkout's copy of the submodule lacks (an agent committed in a worktree's checked-out submodule and
 * nothing pushed it: a commit that copy's remote-tracking refs contain is on the submodule's remote). `git submodule update` cannot fetch them, and only Baton's worktree holds them:
 * a note names each and the `git push` that keeps it in the main checkout's copy (`baton clean` refuses
 * to remove that worktree until then, src/clean/submodules.ts).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { printableArg } from '../agents/shell-words.js';
import { gitlinksMainLacks, keptOnlyIn, type UniqueSubmoduleCommit } from '../clean/submodules.js';
import { missingCommits } from '../git/git.js';
import { listWorktrees } from '../git/worktree-list.js';

/** Notes for the submodule commits `branch` (now at `tip`) records that the main checkout's copy lacks. */
export async function unkeptSubmoduleNotes(root: string, branch: string, tip: string): Promise<string[]> {
  const lacking = await gitlinksMainLacks(root, tip);
  if (lacking.length === 0) return [];
  const worktrees = (await listWorktrees(root)).slice(1).map((w) => w.path);
  const notes: string[] = [];
  for (const u of lacking) {
    const { holder, pushed } = await worktreeHolding(worktrees, u);
    // On the submodule's remote: `git submodule update` fetches it.
    if (pushed) continue;
    const from = holder === undefined ? `<the worktree that holds it>/${u.path}` : join(holder, u.path);
    const keep = `git -C ${printableArg(from)} push ${printableArg(u.mainStore ?? 'origin')} ${u.commit}:refs/heads/<a branch>`;
    notes.push(
      `${branch} now records submodule ${u.path} at ${u.commit.slice(0, 12)}, which your checkout's copy of it (${u.mainStore}) lacks: only ${holder === undefined ? "a worktree's copy" : `the worktree ${holder}`} holds it, and git submodule update cannot fetch it; keep it (${keep}), and push it to the submodule's own remote before you push ${branch}`,
    );
  }
  return notes;
}

/**
 * The first worktree whose checked-out submodule at `u.path` holds `u.commit`, and whether any such
 * copy knows it is on the submodule's remote (`keptOnlyIn` decides, as for `baton clean`).
 */
async function worktreeHolding(
  worktrees: readonly string[],
  u: UniqueSubmoduleCommit,
): Promise<{ holder: string | undefined; pushed: boolean }> {
  let holder: string | undefined;
  for (const w of worktrees) {
    const folder = join(w, u.path);
    if (!existsSync(join(folder, '.git'))) continue;
    if ((await missingCommits(folder, [u.commit])).length > 0) continue;
    if ((await keptOnlyIn(folder, u.mainStore, [u.commit])).length === 0) return { holder: w, pushed: true };
    holder ??= w;
  }
  return { holder, pushed: false };
}
