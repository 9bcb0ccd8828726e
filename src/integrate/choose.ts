/**
 * What an integration takes, from the repository and the log: each selected branch and the commit it is
 * at, the features' folded states, and which dependencies the base already holds; the rule itself is
 * `selectForIntegration`'s (pure). A dependency not merged in this integration (not selected, or never
 * run) counts as merged only when its commit — its branch's tip, or the last one the log recorded once
 * the branch is gone (`baton clean` after an integration) — is an ancestor of the base.
 */

import type { Config } from '../config-schema.js';
import { localBranchTips } from '../git/branches.js';
import { isAncestor } from '../git/git.js';
import { featureBranch, isObjectId } from '../git/refs.js';
import type { Plan } from '../graph/types.js';
import { interruptionEvents, type RunInProgress, runInProgress, runLiveness } from '../guard/liveness.js';
import type { FeatureStatus } from '../log/events.js';
import { applyEvent, type FeatureState } from '../log/fold.js';
import { foldForFeatures } from '../log/fold-from-end.js';
import { heldWorkFinder } from './carried-work.js';
import { type IntegrationSelection, type SelectionInput, selectForIntegration } from './selection.js';

/** Selects what an integration takes (see `selectForIntegration`), reading git and the log. */
export async function chooseForIntegration(q: {
  root: string;
  logPath: string;
  plan: Plan;
  selected: readonly string[];
  base: string;
  include: readonly FeatureStatus[];
  config: Pick<Config, 'trust_workers'>;
}): Promise<
  IntegrationSelection & {
    commits: Record<string, string>;
    bases: Record<string, string>;
    /** The run in progress, if one is, and its features it has not finished with (`runInProgress`). */
    running?: RunInProgress;
  }
> {
  const tips = await localBranchTips(q.root);
  const tipOf = (id: string) => tips.get(featureBranch(id));
  const withBranch = q.selected.filter((id) => tipOf(id) !== undefined);
  const deps = outsideDependencies(q.plan, withBranch);
  // Statuses span runs (a feature finished two runs ago still merges): each one is read back to where
  // it last started over (never from the status snapshot, which an agent can rewrite).
  // Selected features without a branch whose work the base already holds (integrated, then removed by
  // `baton clean`) are done with, not "not run": the rule is the dependencies' (`dependenciesInBase`).
  const withoutBranch = q.selected.filter((id) => tipOf(id) === undefined);
  const state = foldForFeatures(q.logPath, [...withBranch, ...deps, ...withoutBranch]);
  // A run whose orchestrator is gone left its features unfinished: they read `interrupted`, as in status.
  const alive = runLiveness(q.root);
  const running = runInProgress(state, alive);
  for (const e of interruptionEvents(state, alive)) applyEvent(state, e);
  const stateOf = (id: string) => (Object.hasOwn(state.features, id) ? state.features[id] : undefined);
  const input: SelectionInput = {
    plan: q.plan,
    selected: q.selected,
    hasBranch: (id) => tipOf(id) !== undefined,
    stateOf,
    include: q.include,
    tipOf,
    inBase: await dependenciesInBase({ root: q.root, base: q.base, deps, tipOf, stateOf }),
    trust: { trustWorkers: q.config.trust_workers },
  };
  let selection = selectForIntegration(input);
  // Only when some feature is left out is git asked whether a taken branch carries its work.
  const find = await heldWorkFinder({
    root: q.root,
    since: q.base,
    contracts: q.plan.features,
    tips: selection.merge.flatMap((id) => tipOf(id) ?? []),
    candidates: q.plan.order
      .filter((id) => !selection.merge.includes(id))
      .map((id) => ({
        feature_id: id,
        commits: [
          ...new Set([tipOf(id), stateOf(id)?.commit].flatMap((c) => (c && isObjectId(c) ? [c] : []))),
        ],
      })),
    branchTip: tipOf,
  });
  if (find) {
    selection = selectForIntegration({
      ...input,
      holds: (id, leftOut) => {
        const tip = tipOf(id);
        return tip === undefined ? undefined : find(tip, leftOut);
      },
    });
  }
  const done = await dependenciesInBase({ root: q.root, base: q.base, deps: withoutBranch, tipOf, stateOf });
  selection.notRun = selection.notRun.filter((id) => !done.has(id));
  // The commit each feature is merged at: its tip now, which the selection found to be the checked one.
  const commits = Object.fromEntries(
    selection.merge.flatMap((id) => (tips.has(featureBranch(id)) ? [[id, tipOf(id) as string]] : [])),
  );
  return {
    ...selection,
    commits,
    bases: basesOf(selection.merge, stateOf),
    ...(running ? { running } : {}),
  };
}

/**
 * The commit each of `ids` was cut from, where the log recorded it as a full object id (`--into` must
 * hold it; pure). The log is anyone's to write: anything else (a revision git would resolve by a
 * commit message, `:/…`) is no record, never passed on to git or into a hint.
 */
export function basesOf(
  ids: readonly string[],
  stateOf: (id: string) => FeatureState | undefined,
): Record<string, string> {
  return Object.fromEntries(
    ids.flatMap((id) => {
      const base = stateOf(id)?.base_commit;
      return base === undefined || !isObjectId(base) ? [] : [[id, base]];
    }),
  );
}

/** The dependencies of `order`'s features that are not in `order` themselves (pure). */
export function outsideDependencies(plan: Plan, order: readonly string[]): string[] {
  const inside = new Set(order);
  const deps = order.flatMap((id) => plan.byId.get(id)?.depends_on.features ?? []);
  return [...new Set(deps)].filter((d) => !inside.has(d));
}

/** Those of `deps` whose work `base` holds, asked of git one dependency at a time (there are few). */
export async function dependenciesInBase(opts: {
  root: string;
  base: string;
  deps: readonly string[];
  tipOf: (id: string) => string | undefined;
  stateOf: (id: string) => FeatureState | undefined;
}): Promise<Set<string>> {
  const held = await Promise.all(
    opts.deps.map(async (d) => {
      const commit = opts.tipOf(d) ?? opts.stateOf(d)?.commit;
      return commit !== undefined && (await isAncestor(opts.root, commit, opts.base));
    }),
  );
  return new Set(opts.deps.filter((_, i) => held[i]));
}
