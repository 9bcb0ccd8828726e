/**
 * Escapes of a run: writes into the main checkout and changes to the shared config or other refs.
 * Looked at together, only when no agent is running (a wave's last agent ended) and once more at the
 * run's end if an agent ended since the last look — a `git status` and a `for-each-ref` per wave,
 * not per agent (issue #17). Changes are attributed best-effort by the agents' run windows (#15).
 */

import { gitDeadlineMs } from '../git/deadline.js';
import { commonGitDir } from '../git/git.js';
import { gitInfoFilesProblem } from '../git/info-files.js';
import { type GitStepOutput, gitSequence, throwOnFailure } from '../git/sequence.js';
import { parsePorcelainStatus, STATUS_ARGS } from '../git/status.js';
import { type Attribution, escapeEvents } from '../guard/attribution.js';
import type { CheckoutChange, CheckoutWatch } from '../guard/checkout-watch.js';
import type { RepoChange } from '../guard/repo-change.js';
import { type RepoGuard, repoEscapeEvents } from '../guard/repo-guard.js';
import { SNAPSHOT_REFS_ARGS, snapshotFrom } from '../guard/repo-snapshot.js';
import type { EventSink } from '../log/sink.js';
import type { RunContext } from './context.js';

/** What one look found that was not reported before. */
export interface Escapes {
  checkout: CheckoutChange[];
  repo: Array<RepoChange & Attribution>;
}

const NONE: Escapes = { checkout: [], repo: [] };

/**
 * Looks when idle. A caller with no agent ended since the last look began (under way or done) gets
 * nothing, once that look has ended: its agent's writes were there to be seen, and the caller that
 * started the look reports them (each change once). A wave's features settling one after another so
 * cost one look, not one each (issue #17).
 */
export function escapeLooker(
  root: string,
  checkout: CheckoutWatch,
  repo: RepoGuard,
  signal?: AbortSignal,
): () => Promise<Escapes> {
  let last: { since: number; look: Promise<Escapes> } | undefined;
  return () => {
    const windows = repo.windows;
    if (windows.some((w) => w.endMs === undefined)) return Promise.resolve(NONE);
    const prev = last;
    if (prev && windows.every((w) => (w.endMs ?? 0) < prev.since)) return prev.look.then(() => NONE);
    const since = Date.now();
    const look = (async () => {
      // The status and the refs from one process; no status while git would wait on an `info/`
      // file an agent replaced (a FIFO): the repository guard reports that change.
      const blocked = gitInfoFilesProblem(await commonGitDir(root)) !== undefined;
      const steps = [
        ...(blocked ? [] : [{ args: STATUS_ARGS, mayFail: true }]),
        { args: SNAPSHOT_REFS_ARGS },
      ];
      // Under a deadline: a FIFO `.gitignore` an agent left in the checkout would block the status.
      const out = await gitSequence(root, steps, {
        deadlineMs: gitDeadlineMs(),
        ...(signal ? { signal } : {}),
        what: "Baton's look at the main checkout (git status)",
      });
      throwOnFailure(steps, out);
      const status = blocked ? undefined : (out[0] as GitStepOutput);
      const refs = out[out.length - 1] as GitStepOutput;
      const snapshot = await snapshotFrom(root, refs.stdout);
      const seen = status === undefined ? [] : parsePorcelainStatus(status.stdout);
      const c = await checkout.checkWhenIdle(windows, Date.now, seen);
      return { checkout: c, repo: await repo.check(snapshot) };
    })();
    const mine = { since, look };
    last = mine;
    // A look that failed is no answer: the next caller looks again.
    look.catch(() => {
      if (last === mine) last = undefined;
    });
    return look;
  };
}

/** The `feature.escaped` events of a look, changes no one agent explains filed under `endingFeature`. */
export function emitEscapes(sink: EventSink, found: Escapes, endingFeature: string): void {
  const checkout = escapeEvents(
    found.checkout.map((c) => ({ text: c.path, agent: c.agent, by: c.by })),
    endingFeature,
    'checkout',
  );
  for (const e of [...checkout, ...repoEscapeEvents(found.repo, endingFeature)]) sink.emit(e);
}

/**
 * At the run's end: one more look when an agent ended since the last one (its feature stopped
 * before its settle step looked, e.g. on a branch problem), filed under the last agent to start.
 */
export async function reportEscapes(ctx: RunContext): Promise<void> {
  const last = ctx.repoGuard.windows.at(-1);
  if (!last || !ctx.repoGuard.unchecked) return;
  emitEscapes(ctx.sink, await ctx.findEscapes(), last.feature_id);
}
