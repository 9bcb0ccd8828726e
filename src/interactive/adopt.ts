/**
 * Re-attaching to an interactive run whose orchestrator died: its tmux session `baton-<run_id>`
 * outlives it, and so do the agents in their windows. A resumed run follows each window it can
 * prove is the run's own instead of stopping the agent and starting it over. It then continues that
 * run (same run id, same session, same run folder), so the windows' hooks (stamped with the run id
 * in their environment), `status`, `report` and `attach` keep attributing the features to one run.
 */

import type { Config } from '../config-schema.js';
import type { Contract } from '../contracts/schema.js';
import { type GroupClaim, type GroupProof, proveRunGroup } from '../guard/group-proof.js';
import { listProcesses } from '../guard/proc.js';
import type { BatonState } from '../log/fold.js';
import { TERMINAL_STATUSES } from '../log/statuses.js';
import { isInteractive, type WindowToAdopt } from './launch.js';
import { type LiveWindow, listWindows, sessionName, tmuxFor } from './tmux.js';

/** A window a resumed run follows: its feature, and where and what it is. */
export interface AdoptedWindow extends WindowToAdopt {
  feature_id: string;
}

/** A live window named after a feature that Baton left alone, and why (the `pgid` is its pane's program). */
export interface RefusedWindow {
  feature_id: string;
  pgid: number;
  reason: string;
}

/** What a resume does with the dead run's session: the run it continues, the windows it follows, those it leaves. */
export interface AdoptionPlan {
  /** The dead run's id, continued by the resumed run when at least one window is adopted. */
  runId?: string;
  adopted: AdoptedWindow[];
  refused: RefusedWindow[];
}

/** No session to re-attach to. */
export const NO_ADOPTION: AdoptionPlan = { adopted: [], refused: [] };

/**
 * Decides which of the session's windows a resumed run adopts (pure; `prove` reads the processes).
 * A window is adopted when it is the only one named after a feature the run may adopt (`candidates`),
 * the log shows that feature unfinished in this run, one of its panes runs the group the log names,
 * and `prove` shows that group is the run's agent for that feature, writing this repository's log
 * (`logPath`). Panes the user split beside the agent's are left alone, unreported; any other window
 * named after a candidate is refused, each of its panes named.
 */
export function planAdoption(
  state: BatonState,
  panes: readonly LiveWindow[],
  opts: { candidates: ReadonlySet<string>; logPath: string; prove: (claim: GroupClaim) => GroupProof },
): AdoptionPlan {
  const runId = state.run_id;
  if (runId === undefined) return NO_ADOPTION;
  const adopted: AdoptedWindow[] = [];
  const refused: RefusedWindow[] = [];
  for (const [name, windows] of windowsByName(panes)) {
    const f = state.features[name];
    if (!opts.candidates.has(name) || !f) continue;
    // A window of a feature that ended, never started, or belongs to an older run is not this resume's to judge.
    if (TERMINAL_STATUSES.has(f.status) || f.status === 'pending' || (f.run_id ?? runId) !== runId) continue;
    const refuse = (ps: readonly LiveWindow[], reason: string) => {
      for (const p of ps)
        refused.push({ feature_id: name, pgid: p.panePid, reason: `window ${p.windowId}: ${reason}` });
    };
    if (windows.length > 1) {
      refuse(windows.flat(), `${sessionName(runId)} has more than one window named ${name}`);
      continue;
    }
    const window = windows[0] ?? [];
    const w = window.find((p) => p.panePid === f.pgid);
    if (!w) {
      for (const p of window)
        refuse([p], `its program (pid ${p.panePid}) is not the group ${f.pgid ?? '(none)'} the log names`);
      continue;
    }
    const proof = opts.prove({ pgid: w.panePid, runId, logPath: opts.logPath, unitId: name });
    if (!proof.ok) {
      refuse([w], proof.reason);
      continue;
    }
    adopted.push({
      feature_id: name,
      windowId: w.windowId,
      paneId: w.paneId,
      pgid: w.panePid,
      startedAt: f.started_at,
    });
  }
  return adopted.length > 0 ? { runId, adopted, refused } : { adopted, refused };
}

/** The panes of a session grouped by window name, then by window (tmux lists a window's panes together). */
function windowsByName(panes: readonly LiveWindow[]): Map<string, LiveWindow[][]> {
  const byId = new Map<string, LiveWindow[]>();
  for (const p of panes) byId.set(p.windowId, [...(byId.get(p.windowId) ?? []), p]);
  const byName = new Map<string, LiveWindow[][]>();
  for (const window of byId.values()) {
    const name = window[0]?.name ?? '';
    byName.set(name, [...(byName.get(name) ?? []), window]);
  }
  return byName;
}

/**
 * The features a resume may re-attach to: selected, not asked to start over (`--restart`), and
 * running interactively in the resumed run (a headless resume stops the old agents, as before).
 */
export function adoptionCandidates(opts: {
  featureIds: readonly string[];
  restart?: readonly string[] | undefined;
  plan: { byId: ReadonlyMap<string, Contract> };
  config: Config;
}): Set<string> {
  return new Set(
    opts.featureIds.filter((id) => {
      const feature = opts.plan.byId.get(id);
      return (
        feature !== undefined &&
        !(opts.restart ?? []).includes(id) &&
        isInteractive({ feature, config: opts.config })
      );
    }),
  );
}

/** Looks at the dead run's tmux session, if it is still there, and plans the adoption (see `planAdoption`). */
export async function scanAdoptableWindows(
  state: BatonState,
  env: NodeJS.ProcessEnv,
  opts: { candidates: ReadonlySet<string>; logPath: string },
): Promise<AdoptionPlan> {
  const { candidates, logPath } = opts;
  if (state.run_id === undefined || candidates.size === 0) return NO_ADOPTION;
  const windows = await listWindows(tmuxFor(env), sessionName(state.run_id));
  if (windows.length === 0) return NO_ADOPTION;
  const all = listProcesses();
  return planAdoption(state, windows, { candidates, logPath, prove: (claim) => proveRunGroup(claim, all) });
}
