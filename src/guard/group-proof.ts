/**
 * Proof that a process group named in the log is really one of Baton's agent groups before any
 * signal is sent to it: the log is a file anyone can append to, so a `pgid` read from it is a claim.
 */
import { resolve } from 'node:path';
import {
  listProcesses,
  ownProcessGroup,
  type ProcessInfo,
  processEnvVars,
  readProcessEnv,
  UNIT_VARS,
  unitOfEnv,
} from './proc.js';

/** What the log claims about a group: its id, the run it belongs to and when it started. */
export interface GroupClaim {
  pgid: number;
  runId: string | undefined;
  /** `feature.started`'s timestamp: the leader was spawned just before it was written. */
  startedAt?: string | undefined;
  /**
   * The log the run writes (`BATON_LOG`), when the claim comes from outside the run (a tmux pane):
   * every repository's interactive runs may share one tmux server, and any log can name any run id.
   */
  logPath?: string | undefined;
  /** The unit the process must be (`BATON_UNIT_ID`, else `BATON_FEATURE_ID`; see `unitOfEnv`). */
  unitId?: string | undefined;
}

/** Either the group's live members, proven to be the run's, or why the group is left alone. */
export type GroupProof = { ok: true; members: number[] } | { ok: false; reason: string };

/** How far before its `feature.started` line an agent's leader may have started. */
const START_WINDOW_MS = 5000;

/**
 * Proves a claimed group is the run's own: `pgid > 1`, not Baton's own group, with live members, and
 * a member carries `BATON_RUN_ID=<runId>` in its environment or (only when no environment can be
 * read) the leader's start time matches the recorded start. Anything else is refused, with the reason.
 */
export function proveRunGroup(claim: GroupClaim, all: readonly ProcessInfo[] = listProcesses()): GroupProof {
  const { pgid } = claim;
  if (!Number.isInteger(pgid) || pgid <= 1)
    return { ok: false, reason: `pgid ${pgid} is not an agent group` };
  if (pgid === process.pid || pgid === ownProcessGroup()) {
    return { ok: false, reason: `pgid ${pgid} is Baton's own process group` };
  }
  const members = all.filter((p) => p.pgid === pgid);
  if (members.length === 0) return { ok: false, reason: `no live process in group ${pgid}` };
  const envs = members.map((p) => readProcessEnv(p.pid, 'BATON_RUN_ID'));
  if (
    claim.runId !== undefined &&
    members.some((p, i) => envs[i] === claim.runId && carriesRest(p.pid, claim))
  ) {
    return { ok: true, members: members.map((p) => p.pid) };
  }
  // The start time is a fallback only for environments that cannot be read: a readable environment
  // without the run's id is decisive (a forged line can name a group started a moment before it).
  const unreadable = envs.every((v) => typeof v === 'object');
  const leader = members.find((p) => p.pid === pgid);
  const recorded = claim.startedAt ? Date.parse(claim.startedAt) : Number.NaN;
  if (unreadable && leader && Number.isFinite(recorded) && Number.isFinite(leader.startMs)) {
    const delta = recorded - leader.startMs;
    if (delta >= -1000 && delta <= START_WINDOW_MS) return { ok: true, members: members.map((p) => p.pid) };
  }
  return {
    ok: false,
    reason: `group ${pgid} does not belong to run ${claim.runId ?? '(unknown)'}: its processes lack ${wanted(claim)} and its start time does not match the log`,
  };
}

/** Whether a process carrying the claimed run id also carries the claimed log and unit, if any. */
function carriesRest(pid: number, claim: GroupClaim): boolean {
  if (claim.logPath === undefined && claim.unitId === undefined) return true;
  const env = processEnvVars(pid, ['BATON_LOG', ...UNIT_VARS]);
  if (
    claim.logPath !== undefined &&
    (env.BATON_LOG === undefined || resolve(env.BATON_LOG) !== resolve(claim.logPath))
  )
    return false;
  return claim.unitId === undefined || unitOfEnv(env) === claim.unitId;
}

/** The variables a claim asks a process to carry, in words for the reason (not escaped: callers escape). */
function wanted(claim: GroupClaim): string {
  const vars = [`BATON_RUN_ID=${claim.runId ?? '?'}`];
  if (claim.unitId !== undefined) vars.push(`BATON_FEATURE_ID=${claim.unitId}`);
  if (claim.logPath !== undefined) vars.push(`BATON_LOG=${claim.logPath}`);
  return vars.join(' with ');
}
