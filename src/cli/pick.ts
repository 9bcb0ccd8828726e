import { leftOnNoBranch, moveKeepingTip } from '../attempts/keep-tip.js';
import {
  checksOnCommit,
  integrationNote,
  type PickPlan,
  planPick,
  unprovenRefusal,
} from '../attempts/pick.js';
import { unprovenCommit } from '../attempts/proof.js';
import { dependentsBuiltOn, rebuildLine } from '../attempts/stale-dependents.js';
import { criteriaFor } from '../checks/criteria.js';
import { parseAttemptUnitId } from '../contracts/feature-id.js';
import { UserError } from '../errors.js';
import { commitsNotIn, localBranchTips } from '../git/branches.js';
import { isAncestor } from '../git/git.js';
import {
  attemptBranch,
  BRANCH_PREFIX,
  featureBranch,
  PICK_BACKUP_PREFIX,
  pickBackupRef,
} from '../git/refs.js';
import type { Plan } from '../graph/types.js';
import { lockForCommand } from '../lock/baton-lock.js';
import type { LogEvent } from '../log/events.js';
import { foldEvents } from '../log/fold.js';
import { readLog } from '../log/read.js';
import { createLogSink } from '../log/sink.js';
import type { AttemptState, FeatureState } from '../log/state.js';
import { loadProject, unknownFeaturesError } from '../project.js';
import { escapeControl } from '../text/escape.js';
import { someOf } from '../text/some-of.js';
import type { RegisterCommand } from './commands.js';
import type { CliContext } from './context.js';

interface PickFlags {
  force?: boolean;
}

/** `baton pick <id> <attempt>`: overrides best-of-N's choice, moving `baton/<id>` to that attempt's commit. */
export const registerPick: RegisterCommand = (program, ctx) => {
  program
    .command('pick')
    .description(
      "best-of-N: keep another attempt instead of the checks' choice (moves baton/<id> to its commit)",
    )
    .argument('<id>', 'the feature')
    .argument('<attempt>', 'the attempt number (`baton status` lists them)')
    .option(
      '--force',
      `move baton/<id> even when it holds commits no attempt has (its old tip is kept under ${PICK_BACKUP_PREFIX}), or dependents are built on it`,
    )
    .addHelpText(
      'after',
      "\nThe pick is logged (attempt.picked); the feature takes the picked attempt's status, checks and files.\n" +
        'The branch moves to the commit the log recorded when the attempt ended (the one its checks ran on);\n' +
        'picking an attempt that failed its checks, or was never checked, warns on stderr and still picks;\n' +
        'an attempt that left no commit (stopped before it wrote anything) cannot be picked. The record must be\n' +
        "proven (pick/unproven): what it says passed, the attempt's own checks passed on that commit, and the\n" +
        "commit is on baton/<id>.a<n>, or the attempt's checks ran on it (the log is a file any process appends to).\n" +
        'Refused while best-of-N for the feature is undecided (`baton run --resume <id>` decides it), and when\n' +
        'baton/<id> holds commits that no attempt has (made there by hand): --force moves it anyway. An\n' +
        'attempt has a commit when its branch baton/<id>.a<n> holds it, or, once `baton clean` removed that\n' +
        'branch, when the log recorded it. Whenever the old tip is left on no other branch, forced or not,\n' +
        `it is kept under ${PICK_BACKUP_PREFIX}<id>/<sha> and pick says so. Also refused when a feature\n` +
        'depending on <id> has a branch built on the attempt baton/<id> held (with --wait-for-deps): --force\n' +
        'picks, and says how to build it again on the pick. The branch moves only from the tip pick read: if\n' +
        'another process moved it meanwhile, pick leaves it there and picks nothing (pick/branch-moved): a backup\n' +
        'of the old tip it had just written is removed again, unless that tip is now on no branch (then it says so).\n' +
        "Where a worktree has baton/<id> checked out, Baton's own (<worktrees>/<id>) moves along, its files\n" +
        'following as with git checkout; any other checkout of it (your main checkout) refuses the pick\n' +
        '(git/branch-checked-out), as does a change in the way, nothing moved.\n' +
        'When an integration under way recorded another attempt, it warns: only `baton integrate --fresh`\n' +
        'takes the pick. The other attempts keep their branches (baton/<id>.a<n>) until `baton clean`, which\n' +
        "keeps each loser's commit under refs/baton/clean-backup/ as it removes it.\n" +
        "Picking the attempt baton/<id> holds while the feature's record is of another commit (checks passed on\n" +
        'an amended winner verify could not move baton/<id> to) records that attempt again.\n' +
        'Exit code: 0 when the branch moved (or already held the attempt), 1 when it could not, 2 on a usage\n' +
        'error. See docs/best-of-n.md.',
    )
    .action((id: string, attemptText: string, flags: PickFlags) => pickAction(ctx, id, attemptText, flags));
};

async function pickAction(ctx: CliContext, id: string, attemptText: string, flags: PickFlags): Promise<void> {
  const attempt = Number(attemptText);
  if (!/^\d+$/.test(attemptText) || !Number.isInteger(attempt) || attempt < 1) {
    throw new UserError('pick/bad-attempt', `the attempt is a number from 1, got "${attemptText}"`, {
      exitCode: 2,
    });
  }
  const project = await loadProject(ctx.cwd);
  if (!project.plan.byId.has(id)) throw unknownFeaturesError([id], project.plan.order);
  // A pick while a run is deciding would race its own choice: the run lock keeps them apart.
  const lock = lockForCommand(project.root, 'run', ctx.stderr, 'pick');
  try {
    const { events } = readLog(project.logPath, undefined, { final: true });
    const state = foldEvents(events);
    const criteria = criteriaFor(project.plan.byId.get(id)!, 'worktree').length;
    const plan = planPick(state, id, attempt, criteria);
    if (!plan.ok) throw new UserError(plan.code, plan.message, { hint: plan.hint });
    const f = state.features[id] as FeatureState;
    const branch = featureBranch(id);
    const tips = await localBranchTips(project.root);
    await refuseUnprovenCommit(project.root, { id, a: f.attempts![String(attempt)]!, plan, tips });
    const tip = tips.get(branch);
    // Already held only when the feature's record is of that commit too: after checks passed on another
    // commit of the attempt (an amended winner verify could not move the branch to), the pick records
    // the attempt's commit again, the way back to what its checks passed on.
    if (f.winner?.attempt === attempt && tip !== undefined && tip === (f.commit ?? plan.commit)) {
      ctx.stdout.write(`${escapeControl(branch)} already holds attempt ${attempt} (${tip.slice(0, 8)})\n`);
      return;
    }
    const force = Boolean(flags.force);
    const built = await builtOnOld(project.root, project.plan, {
      id,
      old: tip ?? f.commit,
      plan,
      tips,
      force,
    });
    // After a plain rerun (`run --resume` once every attempt failed) the branch holds that run's commits.
    const rerun = f.attempts_superseded === true && tip !== undefined && tip === f.commit;
    const backup = await keepOldTip(project.root, id, tip, plan, tips, { force, rerun });
    const why = `baton pick: attempt ${attempt}${backup?.forced ? ' (--force)' : ''}`;
    const move = await moveKeepingTip(project.root, {
      featureId: id,
      from: tip,
      to: plan.commit,
      why,
      keep: backup !== undefined,
      worktrees: project.config.worktrees,
    });
    if (!move.moved) throw branchMovedError(id, attempt, tip, move.backup);
    createLogSink({ logPath: project.logPath, clock: ctx.clock }).emit({
      type: 'attempt.picked',
      feature_id: id,
      attempt,
      ...(plan.previous !== undefined ? { previous: plan.previous } : {}),
      commit: plan.commit,
    });
    const line =
      tip === plan.commit
        ? recordedAgainLine(branch, attempt, plan.commit, f.commit)
        : movedLine(branch, attempt, plan.commit, tip, plan.previous);
    ctx.stdout.write(`${escapeControl(line)}\n`);
    if (backup) ctx.stdout.write(`${backup.note}\n`);
    if (plan.warning) ctx.stderr.write(`warning: ${escapeControl(plan.warning)}\n`);
    if (built) ctx.stderr.write(`warning: ${escapeControl(built)}\n`);
    const integration = integrationNote(foldEvents(events), events, {
      featureId: id,
      commit: plan.commit,
      hasBranch: (b) => tips.has(b),
    });
    if (integration) ctx.stderr.write(`warning: ${escapeControl(integration)}\n`);
    const ahead = await aheadNote(project.root, { id, attempt, commit: plan.commit, tips, events });
    if (ahead) ctx.stdout.write(`${ahead}\n`);
  } finally {
    lock.release();
  }
}

/** The refusal when another process moved `baton/<id>` from `tip` while pick ran; `backup` keeps that tip, if one does. */
function branchMovedError(
  id: string,
  attempt: number,
  tip: string | undefined,
  backup: string | undefined,
): UserError {
  const kept = backup && tip ? `; its old tip ${tip.slice(0, 8)} is kept as ${backup}` : '';
  return new UserError(
    'pick/branch-moved',
    `${featureBranch(id)} moved while pick ran (it was ${tip === undefined ? 'absent' : `at ${tip.slice(0, 8)}`}): it was left as it is and nothing was picked${kept}`,
    { hint: `Run \`baton pick ${id} ${attempt}\` again; it looks at the branch anew.` },
  );
}

/** Refuses to pick a recorded commit that is neither on the attempt's branch nor checked as its (`unprovenCommit`). */
async function refuseUnprovenCommit(
  root: string,
  o: { id: string; a: AttemptState; plan: { commit: string }; tips: ReadonlyMap<string, string> },
): Promise<void> {
  const hasBranch = o.tips.has(attemptBranch(o.id, o.a.attempt));
  const why = await unprovenCommit(root, { featureId: o.id, a: o.a, commit: o.plan.commit, hasBranch });
  if (why === undefined) return;
  const r = unprovenRefusal(o.id, o.a.attempt, why);
  throw new UserError(r.code, r.message, { hint: r.hint });
}

/**
 * What a pick of the attempt the branch already holds says when the feature's record was of another
 * commit (`recorded`, where its last checks ran): the attempt's commit is recorded again.
 */
function recordedAgainLine(
  branch: string,
  attempt: number,
  commit: string,
  recorded: string | undefined,
): string {
  const was = recorded === undefined ? '' : ` (its checks last ran on ${recorded.slice(0, 8)})`;
  return `${branch} already holds attempt ${attempt} (${commit.slice(0, 8)}); the feature's record${was} is that attempt's again`;
}

/**
 * What the pick did to the branch: moved from the attempt it held, or, after `baton clean <id>`
 * deleted it, created (it held no attempt, whatever the log's last winner was).
 */
function movedLine(
  branch: string,
  attempt: number,
  commit: string,
  tip: string | undefined,
  previous: number | undefined,
): string {
  const sha = commit.slice(0, 8);
  if (tip === undefined) return `${branch} created at attempt ${attempt} (${sha}); it did not exist`;
  return `${branch} now holds attempt ${attempt} (${sha})${previous !== undefined ? `; it held attempt ${previous}` : ''}`;
}

/**
 * Dependents whose branch was built on what `baton/<id>` held (`dependentsBuiltOn`) would bring that
 * attempt into the integration beside the pick: refused without `--force`; with it, the warning to say.
 */
async function builtOnOld(
  root: string,
  plan: Plan,
  o: {
    id: string;
    old: string | undefined;
    plan: { commit: string; previous?: number | undefined };
    tips: ReadonlyMap<string, string>;
    force: boolean;
  },
): Promise<string | undefined> {
  if (o.old === undefined || o.old === o.plan.commit) return undefined;
  const built = await dependentsBuiltOn(root, plan, { featureId: o.id, old: o.old, tips: o.tips });
  if (built.length === 0) return undefined;
  const held = `${o.old.slice(0, 8)}${o.plan.previous !== undefined ? `, attempt ${o.plan.previous}` : ''}`;
  const what = `${built.join(', ')} ${built.length === 1 ? 'is' : 'are'} built on what ${featureBranch(o.id)} held (${held}): integrating ${built.length === 1 ? 'it' : 'them'} would merge that attempt beside the pick`;
  if (o.force) return `${what}; ${rebuildLine(built)}`;
  throw new UserError('pick/dependents-built', `${what}, so nothing was changed`, {
    hint: `Run again with --force, then ${rebuildLine(built)}.`,
  });
}

/**
 * What moving `baton/<id>` off `tip` would leave behind. Commits no attempt has (made there by hand)
 * are refused without `--force`. An attempt has a commit when its branch `baton/<id>.a<n>` holds it,
 * or, its branch gone (`baton clean`), when the log recorded it: a claim any process can append. So
 * the old tip is to be kept under a backup ref (`moveKeepingTip`) whenever no other branch holds it,
 * forced or not: undefined when it need not be, else the note that says which.
 */
async function keepOldTip(
  root: string,
  id: string,
  tip: string | undefined,
  plan: Extract<PickPlan, { ok: true }>,
  tips: ReadonlyMap<string, string>,
  o: { force: boolean; rerun: boolean },
): Promise<{ note: string; forced: boolean } | undefined> {
  if (tip === undefined) return undefined;
  const attemptTips = attemptBranchTips(id, tips);
  const claimed = plan.recorded.filter((r) => !attemptTips.has(r.attempt)).map((r) => r.commit);
  const lost = await commitsNotIn(root, tip, [plan.commit, ...attemptTips.values(), ...claimed]);
  const backup = pickBackupRef(id, tip);
  const shas = (commits: readonly string[]) =>
    someOf(
      commits.map((c) => c.slice(0, 8)),
      5,
    );
  if (lost.length > 0 && !o.force) {
    const whose = o.rerun ? 'that its plain rerun (`baton run --resume`) made and' : 'that';
    throw new UserError(
      'pick/unrecorded-commits',
      `${featureBranch(id)} holds ${lost.length} commit(s) ${whose} no attempt has (${shas(lost)}); moving it would leave them behind, so nothing was changed`,
      {
        hint: `Keep them on an attempt or another branch first, or run again with --force (its tip ${tip.slice(0, 8)} is then kept as ${backup}).`,
      },
    );
  }
  if (lost.length > 0)
    return {
      note: `its old tip ${tip.slice(0, 8)} (${lost.length} commit(s) no attempt has: ${shas(lost)}) is kept as ${backup}`,
      forced: true,
    };
  const orphaned = await leftOnNoBranch(root, { featureId: id, tip, to: plan.commit, tips });
  if (orphaned.length === 0) return undefined;
  return {
    note: `its old tip ${tip.slice(0, 8)} is on no other branch (${orphaned.length} commit(s): ${shas(orphaned)}), so it is kept as ${backup}`,
    forced: false,
  };
}

/** The tips of the feature's attempt branches `baton/<id>.a<n>`, by attempt number. */
function attemptBranchTips(id: string, tips: ReadonlyMap<string, string>): Map<number, string> {
  const byAttempt = new Map<number, string>();
  for (const [branch, commit] of tips) {
    const unit = branch.startsWith(BRANCH_PREFIX)
      ? parseAttemptUnitId(branch.slice(BRANCH_PREFIX.length))
      : undefined;
    if (unit?.featureId === id) byAttempt.set(unit.attempt, commit);
  }
  return byAttempt;
}

/**
 * A note when the picked attempt's branch moved past the commit the log recorded, or went another way
 * (it holds commits the recorded one lacks, and not that commit): what the log's checks say of its tip
 * (`checksOnCommit`), and what `baton verify` does then, which moves `baton/<id>` on only fast-forward.
 */
async function aheadNote(
  root: string,
  o: {
    id: string;
    attempt: number;
    commit: string;
    tips: ReadonlyMap<string, string>;
    events: readonly LogEvent[];
  },
): Promise<string | undefined> {
  const branch = attemptBranch(o.id, o.attempt);
  const tip = o.tips.get(branch);
  if (tip === undefined || tip === o.commit) return undefined;
  const ahead = await commitsNotIn(root, tip, [o.commit]);
  if (ahead.length === 0) return undefined;
  const diverged = !(await isAncestor(root, o.commit, tip));
  const where = diverged
    ? `has diverged from it (${ahead.length} commit(s) of its own, without it)`
    : `has ${ahead.length} commit(s) past it`;
  const onward = diverged
    ? `\`baton verify ${o.id}\` checks its tip, but moves ${featureBranch(o.id)} on only to a tip that holds the recorded commit`
    : `\`baton verify ${o.id}\` checks them and moves ${featureBranch(o.id)} on when they pass`;
  const c = checksOnCommit(o.events, o.id, tip);
  const said =
    c === undefined
      ? `no check has passed on its tip ${tip.slice(0, 8)}`
      : c.passed === c.total && !c.dirty
        ? `its checks passed on its tip ${tip.slice(0, 8)} (${c.passed}/${c.total}), but ${featureBranch(o.id)} holds the recorded commit`
        : `the last checks on its tip ${tip.slice(0, 8)} did not all pass (${c.passed}/${c.total}${c.dirty ? ', on uncommitted changes' : ''})`;
  return `note: ${escapeControl(branch)} ${where}; ${said}; ${onward}`;
}
