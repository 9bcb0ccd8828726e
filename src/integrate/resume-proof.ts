/**
 * What `baton integrate --continue` proves before it acts on what the log recorded: any process can
 * append an `integration.started`, so its worktree, its feature commits and its `--into` branch are
 * used only once proven (the test command and the conflict policy are never taken from it at all),
 * and what a dead integration left running is stopped only when its own mark proves it.
 */
import { realpathSync } from 'node:fs';
import { printableArg } from '../agents/shell-words.js';
import { UserError } from '../errors.js';
import { commonGitDir, gitRaw } from '../git/git.js';
import { CLEAN_BACKUP_PREFIX, featureBranch, isObjectId } from '../git/refs.js';
import type { Plan } from '../graph/types.js';
import { integrationMarks, stopDeadIntegrationTests } from '../guard/daemons.js';
import { escapeControl } from '../text/escape.js';
import { type ContinueFlags, continueCommand, freshCommand } from './continue-command.js';
import { intoUnnamed, type ResumeState } from './resume-state.js';
import { provenIntegrationWorktree } from './worktree-proof.js';

/** The refusal of a recorded commit that is not the feature's own. */
function foreignCommit(id: string, commit: string, why: string, fresh: string): UserError {
  const branch = featureBranch(id);
  return new UserError(
    'integrate/recorded-commit',
    `the log records commit ${escapeControl(commit.slice(0, 40))} for ${id}, ${why}; --continue merges only a commit of the feature's own branch ${branch}, and did nothing`,
    {
      hint: `If ${branch} was rewritten since the integration began (a rebase), start over with \`${fresh}\`, which takes its commit now; otherwise something other than Baton wrote that line of .baton/log.jsonl.`,
    },
  );
}

/**
 * The refusal for a feature still to merge whose branch is gone (`baton clean --force` removed it
 * meanwhile), with the `git branch` that puts it back from the tip `baton clean` kept, when one of its
 * backups holds the recorded commit.
 */
async function branchGone(root: string, id: string, commit: string, fresh: string): Promise<UserError> {
  const branch = featureBranch(id);
  const kept = await gitRaw(root, [
    'for-each-ref',
    '--format=%(refname)',
    '--contains',
    commit,
    `${CLEAN_BACKUP_PREFIX}${id}/`,
  ]);
  const backup = kept.exitCode === 0 ? kept.stdout.split('\n').find((l) => l !== '') : undefined;
  return new UserError(
    'integrate/branch-gone',
    `${branch}, which this integration has still to merge, no longer exists (\`baton clean\` removes a feature's branch); --continue did nothing`,
    {
      hint: backup
        ? `Put it back from the tip baton clean kept (git branch ${branch} ${escapeControl(backup)}), then run the --continue again; or start over without it: \`${fresh}\`.`
        : `Start over without it: \`${fresh}\`.`,
    },
  );
}

/**
 * Refuses unless the commit recorded for each feature still to merge (the one stopped at included)
 * is a commit its branch `baton/<id>` holds (`git merge-base --is-ancestor`), the feature in the plan.
 * `fresh` is the start over the refusals offer (`freshCommand`).
 */
export async function proveRecordedCommits(
  root: string,
  plan: Plan,
  r: ResumeState,
  fresh: string,
): Promise<void> {
  const done = new Set(r.steps.map((s) => s.feature_id));
  for (const id of r.order.filter((f) => !done.has(f))) {
    if (!plan.byId.has(id)) {
      throw new UserError(
        'integrate/unknown-feature',
        `the integration to continue names feature ${escapeControl(id)}, which is not in the plan; --continue did nothing`,
        { hint: `Start over with \`${fresh}\`.` },
      );
    }
    const commit = r.commits[id];
    if (commit === undefined) continue; // an old log: the branch itself is merged
    if (!isObjectId(commit)) throw foreignCommit(id, commit, 'which is not a commit id', fresh);
    const held = await gitRaw(root, [
      'merge-base',
      '--is-ancestor',
      commit,
      `refs/heads/${featureBranch(id)}`,
    ]);
    if (held.exitCode === 0) continue;
    // Only a refusal asks further: is the branch there at all (`baton clean --force` removes it)?
    const there = await gitRaw(root, ['rev-parse', '--verify', '-q', `refs/heads/${featureBranch(id)}`]);
    if (there.exitCode !== 0) throw await branchGone(root, id, commit, fresh);
    throw foreignCommit(id, commit, `which ${featureBranch(id)} does not hold`, fresh);
  }
}

/** What `--continue` goes on in, once proven: the integration worktree. */
export interface ProvenResume {
  worktree: string;
}

/**
 * Proves what the log says before `--continue` acts on it, in this order: the branch to move is named
 * on the command line (`intoUnnamed`), the integration worktree is the one git registered
 * (`provenIntegrationWorktree`), and each recorded commit is its feature's (`proveRecordedCommits`).
 */
export async function proveResume(
  o: { root: string; plan: Plan; branch: string },
  r: ResumeState,
  flags: ContinueFlags,
): Promise<ProvenResume> {
  // The hints' commands carry `flags`: the --test, --test-timeout, --into and --on-conflict given
  // here, and what only a start takes as the integration began with it.
  const unnamed = intoUnnamed(r, flags);
  if (unnamed) throw new UserError(unnamed.code, unnamed.message, { hint: unnamed.hint });
  const fresh = freshCommand(flags);
  const worktree = await provenIntegrationWorktree(o.root, o.branch, fresh);
  await proveRecordedCommits(o.root, o.plan, r, fresh);
  return { worktree };
}

/** The test command a `--continue` runs, and the one the integration began with (the log's, never run). */
export interface TestChoice {
  /** What the log records the integration began with: compared with, never run. */
  logged: string | undefined;
  /** What this `--continue` runs: `--test`, else the config's `test`. */
  used: string | undefined;
  /** Whether `used` is the config's, not given with `--test`. */
  fromConfig: boolean;
  /** The branch this `--continue` moves, for the command the hint names. */
  into: string | undefined;
  /**
   * What else the commands the hint names carry: this `--continue`'s `--test-timeout` and
   * `--on-conflict`, and what only a start takes as the integration began with it.
   */
  flags?: Omit<ContinueFlags, 'test' | 'into'>;
}

/**
 * The refusal of a `--continue` that would not run the test command the integration began with,
 * unasked: none at all (no `--test`, no config `test`; going on would merge the rest untested), or
 * the config's where the integration began with another (`--test 'sleep 10'`, then a `--continue`
 * that names none: the config's `true` would test and promote what the user meant to test otherwise).
 * An explicit `--test` is the user's choice and is taken (`testCommandNote` says so). The log's command
 * is never run: the hint names it, printed so that it cannot act on the terminal, for the user to read
 * and give back with `--test`.
 */
export function testRefusal(t: TestChoice): UserError | undefined {
  const { logged, used } = t;
  if (logged === undefined || logged === used || (used !== undefined && !t.fromConfig)) return undefined;
  const flags = { ...t.flags, test: undefined, into: t.into };
  const asBegun = `\`${continueCommand({ ...flags, test: logged })}\``;
  const fresh = `or start over: \`${freshCommand(flags)}\``;
  if (used === undefined) {
    return new UserError(
      'integrate/test-unnamed',
      `this integration began with the test command ${printableArg(logged)}, and --continue runs a test command only when you give it (--test, or \`test\` in the config)`,
      {
        hint: `If it is the command you gave (read it first: the log is anyone's to write), go on with it: ${asBegun}; ${fresh}.`,
      },
    );
  }
  return new UserError(
    'integrate/test-differs',
    `this integration began with the test command ${printableArg(logged)}, and this --continue would run the config's ${printableArg(used)} instead; it runs another only when you name it with --test`,
    {
      hint: `Go on with the one it began with (read it first: the log is anyone's to write): ${asBegun}; or, to test the rest with the config's, say so: \`${continueCommand({ ...flags, test: used })}\`; ${fresh}. Nothing was merged or moved.`,
    },
  );
}

/**
 * The note when the log records another test command than the one `--continue` runs: it is never
 * taken from the log, and the user should know what runs instead (the one their `--test` named).
 */
export function testCommandNote(logged: string | undefined, used: string | undefined): string | undefined {
  if (logged === undefined || used === undefined || logged === used) return undefined;
  return `the integration began with the test command \`${escapeControl(logged)}\`; this --continue runs \`${escapeControl(used)}\`, as its --test asks`;
}

/** The repository as the integration marks name it: its common git folder, real. */
async function repoIdentity(root: string): Promise<string> {
  return realpathSync(await commonGitDir(root));
}

/** The marks this invocation gives the test commands and checks it starts (`integrationMarks`). */
export async function marksFor(root: string): Promise<Record<string, string>> {
  return integrationMarks(await repoIdentity(root));
}

/**
 * Stops what a dead integration of this repository left running (its test command, a check), proven
 * by the marks Baton gave it; the note naming them, when there were any.
 */
export async function stopDeadIntegration(root: string): Promise<string | undefined> {
  const stopped = await stopDeadIntegrationTests(await repoIdentity(root));
  if (stopped.length === 0) return undefined;
  const some = stopped
    .slice(0, 3)
    .map((p) => `pid ${p.pid} (${p.command})`)
    .join(', ');
  return `stopped ${stopped.length} process(es) a killed integration left running: ${some}${stopped.length > 3 ? ', …' : ''}`;
}
