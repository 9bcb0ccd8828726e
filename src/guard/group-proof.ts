/**
 * Proof that a process group named in the log is really one of Baton's agent groups before any
 * signal is sent to it: the log is a file anyone can append to, so a `pgid` read from it is a claim.
 */
import { realpathSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import {
  listProcesses,
  ownProcessGroup,
  type ProcessInfo,
  processEnvVars,
  UNIT_VARS,
  unitOfEnv,
} from './proc.js';

/**
 * What the log claims about a group, and whose it must be. Every field is required: the run id comes
 * from the log, which any process (another repository's Baton included) can write, so only the log
 * the process writes to and the unit it is say it belongs to this repository's run.
 */
export interface GroupClaim {
  pgid: number;
  /** The run it belongs to (`BATON_RUN_ID`); unknown, nothing is proven. */
  runId: string | undefined;
  /** This repository's log (`BATON_LOG`): every repository's runs share the machine's processes. */
  logPath: string;
  /** The unit the process must be (`BATON_UNIT_ID`, else `BATON_FEATURE_ID`; see `unitOfEnv`). */
  unitId: string;
}

/** Either the group's live members, proven to be the run's, or why the group is left alone. */
export type GroupProof = { ok: true; members: number[] } | { ok: false; reason: string };

/**
 * Proves a claimed group is the run's own: `pgid > 1`, not Baton's own group, with live members, one
 * of which carries in its environment `BATON_RUN_ID=<runId>`, this repository's `BATON_LOG` and the
 * unit's id. A process whose environment cannot be read proves nothing. Anything else is refused, with the reason.
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
  if (claim.runId !== undefined && members.some((p) => carriesClaim(p.pid, claim))) {
    return { ok: true, members: members.map((p) => p.pid) };
  }
  return {
    ok: false,
    reason: `group ${pgid} does not belong to run ${claim.runId ?? '(unknown)'} of this repository: its processes lack ${wanted(claim)}`,
  };
}

/** Whether a process's environment carries the claimed run, this repository's log and the unit. */
function carriesClaim(pid: number, claim: GroupClaim): boolean {
  const env = processEnvVars(pid, ['BATON_RUN_ID', 'BATON_LOG', ...UNIT_VARS]);
  return (
    env.BATON_RUN_ID === claim.runId &&
    isLogOf(env.BATON_LOG, claim.logPath) &&
    unitOfEnv(env) === claim.unitId
  );
}

/**
 * Whether a process's `BATON_LOG` names the log at `logPath` (this repository's): the one rule every
 * proof that a process is this repository's Baton's uses. An unset or relative value never does.
 */
export function isLogOf(value: string | undefined, logPath: string): boolean {
  if (value === undefined || !isAbsolute(value)) return false;
  return resolve(value) === resolve(logPath) || realOrSelf(value) === realOrSelf(logPath);
}

function realOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

/** The variables a claim asks a process to carry, in words for the reason (not escaped: callers escape). */
function wanted(claim: GroupClaim): string {
  return `BATON_RUN_ID=${claim.runId ?? '?'} with BATON_FEATURE_ID=${claim.unitId} with BATON_LOG=${claim.logPath}`;
}
