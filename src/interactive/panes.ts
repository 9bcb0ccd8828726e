/**
 * Which panes of a run's tmux session are that run's agents. tmux is asked which panes the session
 * has, but a window's name proves nothing: the user can rename one or open another of the same name,
 * an agent can open windows, and the session name comes from the log, which any `run.started` line
 * can name. A pane is the run's agent only when its program carries the run's `BATON_RUN_ID`, this
 * repository's `BATON_LOG` and a unit's id in its environment: the proof that guards every signal
 * Baton sends to a group it did not just start (`proveRunGroup`).
 */
import { proveRunGroup } from '../guard/group-proof.js';
import { listProcesses, processEnvVars, UNIT_VARS, unitOfEnv } from '../guard/proc.js';
import { escapeControl } from '../text/escape.js';
import { type LiveWindow, listWindows, type Tmux } from './tmux.js';

/** A pane proven to be an agent of the run: its window, and the unit its program is. */
export interface AgentPane extends LiveWindow {
  unitId: string;
}

/** A run's session split by proof: its agents' panes, and every other pane (left alone). */
export interface SessionPanes {
  agents: AgentPane[];
  others: LiveWindow[];
}

/** The panes of `session` split into the run's proven agents and the others (see the file's comment). */
export async function sessionPanes(
  tmux: Tmux,
  session: string,
  run: { runId: string; logPath: string },
): Promise<SessionPanes> {
  const panes = await listWindows(tmux, session);
  const all = panes.length > 0 ? listProcesses() : [];
  const agents: AgentPane[] = [];
  const others: LiveWindow[] = [];
  for (const w of panes) {
    const unitId = unitOfEnv(processEnvVars(w.panePid, UNIT_VARS));
    if (unitId !== undefined && proveRunGroup({ pgid: w.panePid, ...run, unitId }, all).ok)
      agents.push({ ...w, unitId });
    else others.push(w);
  }
  return { agents, others };
}

/** Whether a pane's program is still the proven agent `p` (before a second signal: pids are recycled). */
export function stillAgent(p: AgentPane, run: { runId: string; logPath: string }): boolean {
  return proveRunGroup({ pgid: p.panePid, runId: run.runId, logPath: run.logPath, unitId: p.unitId }).ok;
}

/** Panes left alone, named for one line: `ib (window @3, pid 1234)`, their names escaped. */
export function namePanes(panes: readonly LiveWindow[]): string {
  return panes.map((w) => `${escapeControl(w.name)} (window ${w.windowId}, pid ${w.panePid})`).join(', ');
}
