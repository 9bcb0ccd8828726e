import { printableArg } from '../agents/shell-words.js';
import type { Contract } from '../contracts/schema.js';
import type { DeletedSide, MergeMessage } from '../git/merge.js';
import { featureBranch } from '../git/refs.js';
import { conflictsOwnChangesTouch } from './own-work.js';
import { ownersOf } from './ownership.js';
import { otherSides } from './sides.js';

/** A merge that stopped at a conflict, with what a person needs to resolve it. */
export interface ConflictReport {
  feature_id: string;
  files: string[];
  /** Already-merged features that also changed those files; none: the base did (see `otherSides`). */
  with: string[];
  /** The base the integration started from, as the user names it (`main`); unset: "the base". */
  base?: string;
  /** Per file, the features whose contracts own it. */
  owners: Record<string, string[]>;
  /** Per file neither side changed itself, git's message tying it to their changes (`gitTies`). */
  ties?: Record<string, string>;
  /** 1-based position of this merge, and how many merges the integration has. */
  index: number;
  total: number;
  worktree: string;
  branch: string;
  /** Conflicted files git wrote no markers into (a binary file, or one a side deleted): one side is kept, not edited. */
  unmarked?: string[];
  /** Conflicted files one side deleted (modify/delete), and which: `ours` is the integration branch, `theirs` the feature's. */
  deleted?: Record<string, DeletedSide>;
  /** The commit the feature's branch was cut from when the integration did not hold it (`cutLackedByIntegration`), and what its own work changed since. */
  cut?: { commit: string; own: readonly string[] };
}

/**
 * Which already-merged features' own changes take part in the conflict on any of `files` (pure), by
 * the rule prediction uses (`conflictsOwnChangesTouch`), with git's `messages` about the merge: a
 * feature that renamed the folder git moved a conflicted file out of is named, not the base.
 */
export function featuresTouching(
  files: readonly string[],
  merged: readonly string[],
  changed: Readonly<Record<string, readonly string[]>>,
  messages: readonly MergeMessage[] = [],
): string[] {
  return merged.filter((id) => conflictsOwnChangesTouch(files, changed[id] ?? [], messages).length > 0);
}

/** The owners of each file according to the contracts (pure). */
export function ownersByFile(
  files: readonly string[],
  contracts: readonly Contract[],
): Record<string, string[]> {
  return Object.fromEntries(files.map((f) => [f, ownersOf(f, contracts)]));
}

function list(ids: readonly string[]): string {
  if (ids.length <= 1) return ids.join('');
  return `${ids.slice(0, -1).join(', ')} and ${ids.at(-1)}`;
}

/**
 * Why a file conflicts that a feature's own work did not change (pure): the base does not hold the
 * commit its branch was cut from (rewritten since the run, or another branch), and the two differ on it.
 */
export function notOwnConflict(
  file: string,
  featureId: string,
  base: string | undefined,
  cut: string,
): string {
  return `${featureId}'s own work did not change ${file}: ${base ?? 'the base'} does not hold ${cut.slice(0, 10)}, the commit ${featureId} was cut from, and the two differ on it`;
}

/**
 * Says, in terms of the decomposition, why a file conflicted (pure): "feature-002 and feature-001
 * both changed src/db.ts, which only feature-001 owns"; for a file none of them changed itself,
 * git's message that ties it to their changes (`tie`) says how.
 */
export function explainFile(
  file: string,
  featureId: string,
  others: readonly string[],
  owners: readonly string[],
  tie?: string,
): string {
  const who =
    tie !== undefined
      ? `${list([featureId, ...others])} changed what git brings together at ${file} (${tie.replace(/\.$/, '')})`
      : others.length === 0
        ? `${featureId} changed ${file}`
        : others.length === 1
          ? `${featureId} and ${others[0]} both changed ${file}`
          : `${list([featureId, ...others])} all changed ${file}`;
  if (owners.length === 0) return `${who}, which no contract owns`;
  if (owners.length === 1) return `${who}, which only ${owners[0]} owns`;
  if (owners.length === 2) return `${who}, which both ${list(owners)} claim to own`;
  return `${who}, which ${list(owners)} all claim to own`;
}

/**
 * The lines printed when integration stops at a conflict: what, why, and the commands to go on (pure);
 * `next` is the `--continue` to run and `skip` the start over that skips the conflict (each with the
 * flags this integration was given: `continueCommand`, `freshCommand` with `--on-conflict skip`).
 */
export function explainConflict(
  c: ConflictReport,
  next = 'baton integrate --continue',
  skip = 'baton integrate --fresh --on-conflict skip',
): string[] {
  const withWhom =
    c.with.length > 0
      ? `with ${list(c.with)}, already merged`
      : c.cut
        ? `with ${c.base ?? 'the base'}, which does not hold ${c.cut.commit.slice(0, 10)}, the commit baton/${c.feature_id} was cut from`
        : `with ${c.base ?? 'the base'}, which changed them since baton/${c.feature_id} was cut from it`;
  const lines = [
    `Merging baton/${c.feature_id} (merge ${c.index} of ${c.total}) conflicts in ${c.files.length} file(s) ${withWhom}:`,
  ];
  for (const file of c.files) {
    const why =
      c.cut && c.with.length === 0 && !c.cut.own.includes(file)
        ? notOwnConflict(file, c.feature_id, c.base, c.cut.commit)
        : explainFile(file, c.feature_id, otherSides(c), c.owners[file] ?? [], c.ties?.[file]);
    lines.push(`  ${file}: ${why}`);
  }
  lines.push(
    '',
    `The merge is left in progress in ${c.worktree} (branch ${c.branch}); your checkout is untouched.`,
    'To resolve it:',
    `  cd ${printableArg(c.worktree)}`,
    ...resolveSteps(c),
    // -A: a file deleted to resolve it is staged as deleted (a plain `git rm` would make this line fail).
    `  git add -A -- ${c.files.map(printableArg).join(' ')}`,
    `  ${next}`,
    `Or skip the feature instead: git -C ${printableArg(c.worktree)} merge --abort, then ${skip}`,
  );
  return lines;
}

/**
 * What to do to each conflicted file before the `git add` (pure): edit the ones with markers; keep one
 * side of a binary file; keep or delete one a side deleted (its other side's version is in the worktree;
 * `--ours` names no version of a file the integration deleted). Each command works as printed, then the
 * `git add -A --` stages what was kept and what was deleted alike.
 */
function resolveSteps(c: ConflictReport): string[] {
  const deleted = c.deleted ?? {};
  const sideGone = (f: string) => (Object.hasOwn(deleted, f) ? deleted[f] : undefined);
  const unmarked = new Set(c.unmarked ?? []);
  const marked = c.files.filter((f) => !unmarked.has(f) && sideGone(f) === undefined);
  const binary = c.files.filter((f) => unmarked.has(f) && sideGone(f) === undefined);
  const feature = featureBranch(c.feature_id);
  const steps: string[] = [];
  if (marked.length > 0)
    steps.push(
      `  # edit ${marked.length === c.files.length ? (marked.length === 1 ? 'the file' : 'the files') : marked.map(printableArg).join(' ')}, keeping both features' intent, and remove the conflict markers`,
    );
  for (const f of c.files) {
    const gone = sideGone(f);
    if (gone === undefined) continue;
    const file = printableArg(f);
    const kept =
      gone === 'ours'
        ? `${c.branch} deleted it, ${feature} changed it: keep ${feature}'s (as it is in the worktree, or git checkout --theirs -- ${file})`
        : gone === 'theirs'
          ? `${feature} deleted it, ${c.branch} changed it: keep ${c.branch}'s (as it is in the worktree, or git checkout --ours -- ${file})`
          : 'neither side has it at this path: keep it as it is in the worktree';
    steps.push(`  # ${file}: ${kept}, or delete it: rm -- ${file}`);
  }
  if (binary.length > 0)
    steps.push(
      `  # ${binary.map(printableArg).join(' ')} ${binary.length === 1 ? 'holds' : 'hold'} no conflict markers (a binary file): keep one side: git checkout --ours -- <file> (${c.branch}'s), or --theirs (${feature}'s)`,
    );
  return steps;
}

function describeContract(c: Contract): string {
  const lines = [`### ${c.feature_id}${c.title && c.title !== c.feature_id ? ` — ${c.title}` : ''}`];
  const provides = Object.entries(c.provides);
  if (provides.length > 0) {
    lines.push('Provides:');
    for (const [kind, items] of provides) lines.push(`- ${kind}: ${items.join('; ')}`);
  }
  if (c.owns.length > 0) lines.push(`Owns: ${c.owns.join(', ')}`);
  if (c.depends_on.features.length > 0) lines.push(`Depends on: ${c.depends_on.features.join(', ')}`);
  if (c.acceptance_criteria.length > 0) {
    lines.push('Acceptance criteria:');
    for (const k of c.acceptance_criteria) lines.push(`- ${k.text}${k.run ? ` (\`${k.run}\`)` : ''}`);
  }
  if (c.body.trim()) lines.push('', c.body.trim());
  return lines.join('\n');
}

/** The task handed to an agent resolving a merge conflict: the conflict, the rules, both contracts (pure). */
export function buildConflictTask(c: ConflictReport, feature: Contract, others: readonly Contract[]): string {
  const why = c.files.map(
    (f) => `- ${f}: ${explainFile(f, c.feature_id, otherSides(c), c.owners[f] ?? [], c.ties?.[f])}`,
  );
  return [
    `# Resolve a merge conflict`,
    '',
    `You are in ${c.worktree}, on branch ${c.branch}, in the middle of \`git merge baton/${c.feature_id}\`.`,
    `The merge conflicts in these files:`,
    ...why,
    '',
    'Rules:',
    "- Resolve every conflict so that both features' contracts below still hold; keep the intent of both sides.",
    '- Remove every conflict marker (<<<<<<<, =======, >>>>>>>), then `git add` each resolved file.',
    '- Change nothing else, and do not commit: Baton commits the merge, then runs the tests.',
    '',
    '## Contracts',
    '',
    describeContract(feature),
    ...others.flatMap((o) => ['', describeContract(o)]),
    '',
  ].join('\n');
}
