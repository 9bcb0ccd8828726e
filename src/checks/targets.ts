import { undecidedReason } from '../attempts/pick.js';
import { configFileName } from '../config-files.js';
import type { Config } from '../config-schema.js';
import type { Contract } from '../contracts/schema.js';
import { alreadyInBaseWords, deliveredFeatures, runBase } from '../delivered.js';
import { UserError } from '../errors.js';
import { type BranchInProgress, branchesInProgress, branchInProgress } from '../git/branch-in-progress.js';
import { resolveCommit } from '../git/git.js';
import { attemptBranch, BRANCH_PREFIX, featureBranch, INTEGRATION_BRANCH } from '../git/refs.js';
import { noHeadCommit } from '../git/unborn-head.js';
import { listWorktrees, type WorktreeInfo } from '../git/worktree-list.js';
import { symlinkTarget } from '../git/worktree-proof.js';
import type { Plan } from '../graph/types.js';
import type { BatonState } from '../log/fold.js';
import type { FeatureState } from '../log/state.js';
import { shellQuote } from '../text/shell-quote.js';
import { unitPortBlock } from '../unit-ports.js';
import { unitWorktree } from '../unit-worktree.js';
import type { BranchDiff } from './files-check.js';
import { noWorktreeHint } from './no-worktree-hint.js';
import { notOnIntegration } from './not-merged.js';
import { measureFromOwnsBases } from './owns-base.js';
import { checkOutQueued, promotedFromQueue } from './queued-checkout.js';

/** One feature to verify: its contract, where its commands run, its port, and the branch to diff. */
export interface VerifyTarget {
  contract: Contract;
  cwd: string;
  port: number;
  diff: BranchDiff;
}

/**
 * Where a branch is checked out (pure): the recorded path when git still lists it there, else whichever
 * live worktree has the branch; undefined when there is none. A worktree on another branch, or on a
 * detached HEAD, is not the branch's, even at the recorded path: its checks would check other work.
 */
export function locateWorktree(
  branch: string,
  recorded: string | undefined,
  worktrees: readonly WorktreeInfo[],
): string | undefined {
  const live = worktrees.filter((w) => !w.prunable && w.branch === branch);
  return (live.find((w) => w.path === recorded) ?? live[0])?.path;
}

/**
 * The recorded worktree when git still lists it but it has left `branch` (pure): switched to another
 * branch, or to a detached HEAD. Undefined when it is on `branch`, gone, or nothing is recorded.
 */
export function strayWorktree(
  branch: string,
  recorded: string | undefined,
  worktrees: readonly WorktreeInfo[],
): WorktreeInfo | undefined {
  const w = worktrees.find((x) => !x.prunable && x.path === recorded);
  return w && w.branch !== branch ? w : undefined;
}

/** Why checks cannot run somewhere: the `UserError` a named feature gets, or why an unnamed one is skipped. */
export interface Refusal {
  code: string;
  message: string;
  hint: string;
}

/**
 * What to say of a worktree that left the branch its checks are for (pure): they would pass or fail
 * work the branch does not hold, and integrate would refuse the branch for it. `whose` names it
 * (`the worktree of api`); `inProgress` is the rebase or bisect of `branch` under way there, if any.
 */
export function strayRefusal(
  whose: string,
  branch: string,
  w: WorktreeInfo,
  inProgress?: Pick<BranchInProgress, 'operation'>,
): Refusal {
  const where = `${whose} (${w.path})`;
  const git = `git -C ${shellQuote(w.path)}`;
  if (inProgress?.operation === 'rebase') {
    return {
      code: 'verify/wrong-branch',
      message: `${where} is in the middle of a rebase of ${branch}: its HEAD is detached until the rebase ends`,
      hint: `Finish the rebase (\`${git} rebase --continue\`) or give it up (\`${git} rebase --abort\`), then verify again.`,
    };
  }
  if (inProgress?.operation === 'bisect') {
    return {
      code: 'verify/wrong-branch',
      message: `${where} is bisecting ${branch}: its HEAD is detached until the bisect ends`,
      hint: `End the bisect (\`${git} bisect reset\`), then verify again.`,
    };
  }
  const on = w.branch ?? w.head?.slice(0, 8);
  return {
    code: 'verify/wrong-branch',
    message: `${where} is on ${w.branch ?? `a detached HEAD (at ${on})`}, not ${branch}: its checks would not check what ${branch} holds`,
    hint: `Switch it back (\`${git} switch ${branch}\`), merge there what you committed on ${w.branch ?? 'the detached HEAD'} if ${branch} needs it (\`${git} merge ${shellQuote(on ?? 'HEAD')}\`), then verify again.`,
  };
}

/**
 * Where the log says a feature's worktree is on this machine: a queued run's feature has none here (the
 * path its events name is a folder on the worker that ran it, forwarded by that worker).
 */
function localWorktree(f: FeatureState | undefined): string | undefined {
  return f?.queue ? undefined : f?.worktree;
}

/**
 * The git commands that check existing branches out again where their worktrees were (else where Baton
 * puts them). A best-of-N feature's recorded worktree is its winner's: its own `baton/<id>` goes to `<worktrees>/<id>`.
 */
function readdCommand(q: TargetQuery, left: ReadonlyMap<string, string>): string {
  const add = ([id, branch]: [string, string]) => {
    const f = q.state.features[id];
    const recorded = f?.winner !== undefined && branch === featureBranch(id) ? undefined : localWorktree(f);
    const at = recorded ?? unitWorktree(q.config.worktrees, branch.slice(BRANCH_PREFIX.length));
    return `git worktree add ${shellQuote(at)} ${branch}`;
  };
  return ['git worktree prune', ...[...left].map(add)].join(' && ');
}

/** What `resolveVerifyTargets` needs. */
export interface TargetQuery {
  root: string;
  config: Config;
  plan: Plan;
  /** Feature ids the user named; empty for every feature. */
  ids: readonly string[];
  on: 'worktree' | 'integration';
  /** The log folded: recorded worktrees, the run's base commit, the integration. */
  state: BatonState;
}

/** Targets to verify, plus the features left out (with why) when the user named none. */
export interface Targets {
  targets: VerifyTarget[];
  /** `delivered`: no worktree, its work already in the base (`deliveredFeatures`): nothing left to verify. */
  skipped: Array<{ feature_id: string; reason: string; delivered?: true }>;
  /** Queued features whose branch was checked out here to be verified (`checkOutQueued`), and where. */
  checkedOut: Array<{ feature_id: string; path: string; warnings: string[] }>;
}

/** A target of one feature: its contract and port, its checks run in `cwd`, the owns rule diffing `branch`. */
type MakeTarget = (id: string, cwd: string, branch?: string) => VerifyTarget;

/**
 * Finds where each selected feature's checks run: its own worktree, or the integration worktree.
 * A feature the user named that has nowhere to run, or whose worktree cannot be checked as its
 * branch (`Refusal`), is a `UserError` with the command that fixes it; with no ids, such features
 * are skipped (and reported), unless none has a worktree.
 */
export async function resolveVerifyTargets(q: TargetQuery): Promise<Targets> {
  const ids = q.ids.length > 0 ? q.ids : q.plan.order;
  const worktrees = await listWorktrees(q.root);
  // The base as git has it now; the log's `base_commit` only where `ownsBase` proves it; each
  // feature measured from where its own work starts above it (`measureFromOwnsBases`).
  const baseRef = runBase(undefined, q.config);
  const base = await resolveCommit(q.root, baseRef);
  if (base === undefined && baseRef === 'HEAD') {
    const why = await noHeadCommit(q.root, 'config');
    throw new UserError('verify/no-base', `cannot resolve the base HEAD in ${q.root}: ${why.message}`, {
      hint: why.hint,
    });
  }
  if (base === undefined) {
    throw new UserError('verify/no-base', `cannot resolve the base ${baseRef} in ${q.root}`, {
      hint: `Set \`base\` in ${configFileName(q.config.file)} to an existing branch, or commit once.`,
    });
  }
  const target: MakeTarget = (id, cwd, branch = featureBranch(id)) => {
    const contract = q.plan.byId.get(id);
    if (!contract) throw new Error(`feature ${id} is not in the plan`);
    return {
      contract,
      cwd,
      port: unitPortBlock(q.plan, id, q.config.port_base).port,
      diff: { base, branch },
    };
  };
  const made =
    q.on === 'integration'
      ? await integrationTargets(q, ids, worktrees, target)
      : await worktreeTargets(q, ids, worktrees, target);
  await measureFromOwnsBases(q.root, base, q.state, made.targets, q.plan.features);
  return made;
}

/** `--on integration`: every feature's checks in the integration worktree, those it left out skipped unless named. */
async function integrationTargets(
  q: TargetQuery,
  ids: readonly string[],
  worktrees: readonly WorktreeInfo[],
  target: MakeTarget,
): Promise<Targets> {
  const explicit = q.ids.length > 0;
  const branch = q.state.integration.branch ?? INTEGRATION_BRANCH;
  const cwd = locateWorktree(branch, q.state.integration.worktree, worktrees);
  if (!cwd) {
    const stray = strayWorktree(branch, q.state.integration.worktree, worktrees);
    if (stray) {
      const doing = await branchInProgress(q.root, branch);
      throw refusalError(strayRefusal('the integration worktree', branch, stray, doing));
    }
    throw new UserError(
      'verify/no-integration',
      `no integration worktree: nothing is checked out on ${branch}`,
      {
        hint: 'Run `baton integrate` first; `--on integration` checks the merged result.',
      },
    );
  }
  // Features integration left out, or has not merged, would fail for that reason alone; name them instead.
  const left = notOnIntegration(q.state.integration.merges, ids);
  const skipped = explicit ? [] : [...left].map(([feature_id, reason]) => ({ feature_id, reason }));
  const chosen = ids.filter((id) => explicit || !left.has(id));
  return { targets: chosen.map((id) => target(id, cwd)), skipped, checkedOut: [] };
}

function refusalError(r: Refusal): UserError {
  return new UserError(r.code, r.message, { hint: r.hint });
}

/**
 * The branch a feature's worktree checks run on (pure): `baton/<id>`, or for best-of-N the winner's
 * attempt branch, in whose worktree a fix is made (a pass there moves `baton/<id>` on to it:
 * attempts/advance.ts). Undecided best-of-N has none: the rule `baton pick` and `baton clean` refuse by.
 */
export function checkedBranch(
  id: string,
  f: FeatureState | undefined,
): { branch: string; attempt?: number } | { refusal: Refusal } {
  const undecided = undecidedReason(f);
  if (undecided !== undefined) {
    return {
      refusal: {
        code: 'verify/undecided',
        message: `${id} has no winner yet: ${undecided}, so no attempt is its work to check`,
        hint: `Run \`baton run --resume ${id}\`: it stops what the dead run left running, runs the attempts that did not end and selects the winner; verify after.`,
      },
    };
  }
  if (f?.attempts === undefined || f.winner === undefined) return { branch: featureBranch(id) };
  return { branch: attemptBranch(id, f.winner.attempt), attempt: f.winner.attempt };
}

/** A best-of-N feature whose `baton/<id>` is gone (`baton clean` removed it): a pass would have nothing to move. */
function noFeatureBranch(id: string, attempt: number): Refusal {
  const branch = featureBranch(id);
  return {
    code: 'verify/no-branch',
    message: `${branch} does not exist (\`baton clean\` removes it), so checks passing on the winner's branch ${attemptBranch(id, attempt)} would have no branch to move on`,
    hint: `Run \`baton pick ${id} ${attempt}\`: it puts attempt ${attempt}'s recorded commit back on ${branch}; verify after.`,
  };
}

/** Where one feature's worktree checks run, or why they cannot; `missing` when no worktree holds its branch. */
type Located =
  | { id: string; branch: string; cwd: string; checkout?: true }
  | { id: string; branch: string; missing: true }
  | { id: string; refusal: Refusal };

async function locateFeature(
  q: TargetQuery,
  id: string,
  worktrees: readonly WorktreeInfo[],
  inProgress: () => Promise<BranchInProgress[]>,
): Promise<Located> {
  const f = Object.hasOwn(q.state.features, id) ? q.state.features[id] : undefined;
  const checked = checkedBranch(id, f);
  if ('refusal' in checked) return { id, refusal: checked.refusal };
  const { attempt } = checked;
  if (attempt !== undefined && !(await resolveCommit(q.root, `refs/heads/${featureBranch(id)}`))) {
    return { id, refusal: noFeatureBranch(id, attempt) };
  }
  // `baton clean <id>.a<n>` of the winner removes its branch, whose work `baton/<id>` holds: checked there.
  const gone = attempt !== undefined && !(await resolveCommit(q.root, `refs/heads/${checked.branch}`));
  const branch = gone ? featureBranch(id) : checked.branch;
  const recorded = gone ? unitWorktree(q.config.worktrees, id) : localWorktree(f);
  const cwd = locateWorktree(branch, recorded, worktrees);
  const link = cwd === undefined ? undefined : symlinkTarget(cwd);
  if (cwd !== undefined && link !== undefined) return { id, refusal: symlinkedWorktree(id, cwd, link) };
  if (cwd) return { id, branch, cwd };
  const stray = strayWorktree(branch, recorded, worktrees);
  // A queued feature's branch has no worktree here (its `worktree` is a path on the worker): made to verify it.
  if (!stray && promotedFromQueue(f) && (await resolveCommit(q.root, `refs/heads/${branch}`)))
    return { id, branch, cwd: unitWorktree(q.config.worktrees, id), checkout: true };
  if (!stray) return { id, branch, missing: true };
  const doing = stray.branch ? undefined : (await inProgress()).find((p) => p.branch === branch);
  return { id, refusal: strayRefusal(`the worktree of ${id}`, branch, stray, doing) };
}

/** A worktree folder made a symbolic link: its checks would run, and judge, whatever it points to. */
function symlinkedWorktree(id: string, path: string, target: string): Refusal {
  return {
    code: 'verify/worktree-symlink',
    message: `the worktree of ${id}, ${path}, is a symbolic link (to ${target}): Baton runs no check through it`,
    hint: `Move the link away (mv ${shellQuote(path)} ${shellQuote(`${path}.moved`)}), then run \`git worktree prune\` and \`baton run --resume ${id}\`.`,
  };
}

/** A refused feature as a skipped one: why, with its code and what to do. */
function refusalReason(r: Refusal): string {
  return `${r.message} [${r.code}]; ${r.hint}`;
}

/** Each feature's own worktree, on the branch its checks are for (`checkedBranch`). */
async function worktreeTargets(
  q: TargetQuery,
  ids: readonly string[],
  worktrees: readonly WorktreeInfo[],
  target: MakeTarget,
): Promise<Targets> {
  const explicit = q.ids.length > 0;
  let progress: Promise<BranchInProgress[]> | undefined;
  const inProgress = () => {
    progress ??= branchesInProgress(q.root);
    return progress;
  };
  const located = await Promise.all(ids.map((id) => locateFeature(q, id, worktrees, inProgress)));
  const refused = located.flatMap((l) => ('refusal' in l ? [l.refusal] : []));
  if (explicit && refused[0]) throw refusalError(refused[0]);
  const missing = located.flatMap((l) => ('missing' in l ? [l] : []));
  // A branch whose worktree folder was removed by hand: `baton run` refuses an existing branch.
  const orphaned = new Map<string, string>();
  for (const m of missing)
    if (await resolveCommit(q.root, `refs/heads/${m.branch}`)) orphaned.set(m.id, m.branch);
  // Branch gone and its work in the base (integrated, then `clean --merged`): `baton run`'s rule.
  const base = runBase(undefined, q.config);
  const gone = missing.filter((m) => !orphaned.has(m.id)).map((m) => m.id);
  const delivered =
    gone.length > 0 ? await deliveredFeatures(q.root, q.state.features, gone, base) : new Map();
  const unchecked = missing.filter((m) => !delivered.has(m.id));
  if (explicit ? missing.length > 0 : unchecked.length > 0 && missing.length === located.length) {
    const shown = explicit ? missing : unchecked;
    const [one] = shown;
    const which =
      shown.length === 1 && one
        ? `feature ${one.id} has no worktree to verify (nothing is checked out on ${one.branch})`
        : `features ${shown.map((m) => m.id).join(', ')} have no worktree to verify`;
    const hint = noWorktreeHint(
      shown.map((m) => m.id),
      orphaned,
      (left) => readdCommand(q, left),
      { ids: shown.map((m) => m.id).filter((id) => delivered.has(id)), base },
    );
    throw new UserError('verify/no-worktree', which, { hint });
  }
  const checkedOut: Targets['checkedOut'] = [];
  for (const c of located) {
    if ('checkout' in c)
      checkedOut.push({
        feature_id: c.id,
        path: c.cwd,
        warnings: await checkOutQueued(q.root, c.branch, c.cwd),
      });
  }
  return {
    checkedOut,
    targets: located.flatMap((l) => ('cwd' in l ? [target(l.id, l.cwd, l.branch)] : [])),
    skipped: located.flatMap((l) => {
      if ('refusal' in l) return [{ feature_id: l.id, reason: refusalReason(l.refusal) }];
      if (!('missing' in l)) return [];
      if (delivered.has(l.id))
        return [
          {
            feature_id: l.id,
            reason: `its work is ${alreadyInBaseWords(base, 1)}`,
            delivered: true as const,
          },
        ];
      const left = orphaned.get(l.id);
      const reason = left
        ? `its worktree is gone but its branch is not (\`${readdCommand(q, new Map([[l.id, left]]))}\` checks it out again)`
        : 'it has no worktree yet (run `baton run` first)';
      return [{ feature_id: l.id, reason }];
    }),
  };
}
