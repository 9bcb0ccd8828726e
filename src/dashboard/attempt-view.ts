/**
 * Best-of-N in the feature detail: each attempt's figures, in the words `status` and the report use, and
 * its diff. The diff is computed here, by Baton, between two commits it checks itself: the tip of the
 * branch it names for the attempt (`refs/heads/baton/<feature_id>.a<n>`, from a validated id, never a ref
 * read from the log) and the commit the attempt's worktree started from, accepted only as a full object
 * id that is an ancestor of that tip.
 */
import { relative } from 'node:path';
import { describeAttemptState, measureLabel, measureValue } from '../attempts/describe.js';
import { FEATURE_ID_PATTERN } from '../contracts/feature-id.js';
import { gitStream, isAncestor, resolveCommit } from '../git/git.js';
import { attemptBranch, isObjectId } from '../git/refs.js';
import { agentLogPath } from '../log/paths.js';
import type { AttemptState, FeatureState } from '../log/state.js';
import type { AgentTimeFields } from '../metrics/intervals.js';
import { escapeControl } from '../text/escape.js';
import { type FileTail, readAgentLog } from './feature-detail.js';

/** The most of a diff's patch sent to the page, per attempt. */
export const PATCH_BYTES = 64 * 1024;
/** The most of a diff's stat sent to the page, per attempt. */
export const STAT_BYTES = 8 * 1024;

/** One attempt's changes: `git diff --stat` and the patch, cut to size, control characters escaped. */
export interface AttemptDiff {
  /** The commits compared: where the attempt started, and its branch's tip. */
  base: string;
  head: string;
  stat: string;
  patch: string;
  /** The patch or the stat was longer than sent. */
  truncated: boolean;
}

/**
 * One attempt as the detail panel shows it, side by side with the others; its time (`duration_ms` and
 * its flags) is its agent's (`attemptAgentTime`, as `status` and the report give it), not its span.
 */
export interface AttemptView extends AgentTimeFields {
  attempt: number;
  agent?: string | undefined;
  status: AttemptState['status'];
  /** The branch Baton keeps the attempt on. */
  branch: string;
  winner: boolean;
  /** For the winner: why it won (picked by hand, or the rule's reasons); for the others: how they ended. */
  why: string[];
  checks?: AttemptState['checks'];
  /** Measured values in words: `{ criterion: 'latency', label: 'p95', value: '20 ms' }`. */
  measured: Array<{ criterion: string; label: string; value: string }>;
  lines_changed?: number | undefined;
  outside_owns?: number | undefined;
  cost_usd?: number | undefined;
  /** The figures the rule compares, in one line (as `status` prints them). */
  summary?: string | undefined;
  /** The end of the attempt's agent log, from where Baton writes it for the attempt's run. */
  agent_log: FileTail | null;
  /** The attempt's diff; `null` with `diff_note` saying why when there is none to show. */
  diff: AttemptDiff | null;
  diff_note?: string | undefined;
}

/** Where each attempt's worktree started, by attempt number, as the log says (checked before use). */
export type AttemptBases = ReadonlyMap<number, string>;

/** Diffs already computed, by `base..head`: a commit pair's diff never changes. */
const cache = new Map<string, AttemptDiff>();
const CACHE_ENTRIES = 64;

/** The attempts of a feature, attempt order, with their diffs (none for a plain feature). */
export async function readAttemptViews(options: {
  root: string;
  feature: FeatureState;
  /** The commit each attempt's worktree started from (`worktree.created` of `<feature_id>.a<n>`). */
  bases: AttemptBases;
  /** The run's base commit, used when an attempt's own start is unknown. */
  runBase?: string | undefined;
  /** The run each attempt's agent ran in (an earlier one when a resumed run kept the attempt). */
  runs?: ReadonlyMap<number, string> | undefined;
  /** Each attempt's agent time (`attemptAgentTime`), by attempt number. */
  times: ReadonlyMap<number, AgentTimeFields>;
  /** Lines of each attempt's agent log to send. */
  logLines?: number;
}): Promise<AttemptView[]> {
  const { feature } = options;
  const attempts = Object.values(feature.attempts ?? {}).sort((a, b) => a.attempt - b.attempt);
  return Promise.all(
    attempts.map(async (a) => {
      const view = describeAttempt(feature, a, options.times.get(a.attempt) ?? { duration_ms: undefined });
      const logPath = agentLogPath(
        options.root,
        options.runs?.get(a.attempt) ?? feature.run_id,
        feature.feature_id,
        a.attempt,
      );
      const agent_log = logPath
        ? {
            ...readAgentLog(options.root, logPath, options.logLines ?? 40),
            file: relative(options.root, logPath),
          }
        : null;
      const found = await attemptDiff(
        options.root,
        feature.feature_id,
        a.attempt,
        options.bases.get(a.attempt) ?? options.runBase,
      );
      return 'note' in found
        ? { ...view, agent_log, diff: null, diff_note: found.note }
        : { ...view, agent_log, diff: found, diff_note: undefined };
    }),
  );
}

/** An attempt's figures, its agent time (`time`) and why it won or how it ended, without its diff (pure). */
export function describeAttempt(
  feature: FeatureState,
  a: AttemptState,
  time: AgentTimeFields,
): Omit<AttemptView, 'diff' | 'agent_log'> {
  const winner = feature.winner?.attempt === a.attempt;
  const measured = Object.entries(a.measured).flatMap(([criterion, values]) =>
    Object.entries(values).map(([key, value]) => ({
      criterion: escapeControl(criterion),
      label: measureLabel(key),
      value: measureValue(key, value),
    })),
  );
  const summary = describeAttemptState(a, time.duration_ms);
  const why = winner ? (feature.winner?.reasons ?? []) : a.reason ? [a.reason] : [];
  return {
    attempt: a.attempt,
    agent: a.agent === undefined ? undefined : escapeControl(a.agent),
    status: a.status,
    branch: attemptBranch(feature.feature_id, a.attempt),
    winner,
    why: why.map((w) => escapeControl(w)),
    checks: a.checks,
    measured,
    lines_changed: a.lines_changed,
    outside_owns: a.outside_owns,
    cost_usd: a.cost_usd,
    ...time,
    summary: summary === undefined ? undefined : escapeControl(summary),
  };
}

/**
 * The diff of attempt `n` of a feature from `base` to its branch's tip, or a note saying why there is
 * none. Only refs and commits checked here reach git: the branch from the validated id, the base as a
 * full object id reachable from the tip. External diff drivers and textconv filters are off (a
 * repository's attributes could otherwise run a program).
 */
export async function attemptDiff(
  root: string,
  featureId: string,
  n: number,
  base: string | undefined,
): Promise<AttemptDiff | { note: string }> {
  if (!FEATURE_ID_PATTERN.test(featureId) || !Number.isSafeInteger(n) || n < 1)
    return { note: 'not an attempt Baton names' };
  const branch = attemptBranch(featureId, n);
  const head = await resolveCommit(root, `refs/heads/${branch}`);
  if (!head) return { note: `no branch ${branch} (not started yet, or removed by baton clean)` };
  if (base === undefined || !isObjectId(base) || !(await resolveCommit(root, base)))
    return { note: 'the commit the attempt started from is unknown' };
  if (!(await isAncestor(root, base, head)))
    return { note: `${branch} does not descend from the commit the attempt started from` };
  const key = `${base}..${head}`;
  const known = cache.get(key);
  if (known) return known;
  const diff = ['diff', '--no-color', '--no-ext-diff', '--no-textconv', '--no-renames'];
  const [stat, patch] = await Promise.all([
    readCapped(root, [...diff, '--stat=100', '--end-of-options', base, head], STAT_BYTES),
    readCapped(root, [...diff, '--patch', '--end-of-options', base, head], PATCH_BYTES),
  ]);
  if (stat === undefined || patch === undefined) return { note: 'git could not compute the diff' };
  const result: AttemptDiff = {
    base,
    head,
    stat: escapeLines(stat.text),
    patch: escapeLines(patch.text),
    truncated: stat.truncated || patch.truncated,
  };
  cache.set(key, result);
  if (cache.size > CACHE_ENTRIES) cache.delete(cache.keys().next().value as string);
  return result;
}

/** Reads git's output up to `max` bytes (the rest is read and dropped); undefined when git fails. */
async function readCapped(
  root: string,
  args: string[],
  max: number,
): Promise<{ text: string; truncated: boolean } | undefined> {
  let text = '';
  let truncated = false;
  const r = await gitStream(root, args, (chunk) => {
    if (truncated) return;
    if (text.length + chunk.length > max) {
      text += chunk.slice(0, max - text.length);
      // Cut at the last whole line.
      text = text.slice(0, text.lastIndexOf('\n') + 1);
      truncated = true;
    } else text += chunk;
  });
  return r.exitCode === 0 ? { text, truncated } : undefined;
}

/**
 * Control characters shown as `\xNN` (a patch can carry escape codes); line breaks kept, and tabs, so
 * tab-indented code reads as it is written (the page shows a tab as a tab).
 */
function escapeLines(text: string): string {
  return escapeControl(text, { keepNewlines: true, keepTabs: true });
}

/** Exposed for tests: forgets the computed diffs. */
export function clearAttemptDiffCache(): void {
  cache.clear();
}
