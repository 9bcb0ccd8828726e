/**
 * The agents a worker's attempts started, recorded in each attempt's folder (`agent.json`) while they
 * run, so that a worker taking over the folder of one that died (`kill -9`) can stop what it left
 * running: a group proven to be that attempt's agent by the rule `run --resume` applies to a dead
 * run's agents (`proveRunGroup`, `stopOrphans`), never on the record's word alone.
 */
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GroupClaim } from '../guard/group-proof.js';
import { proveRunGroup } from '../guard/group-proof.js';
import { type Orphan, stopOrphans } from '../guard/orphans.js';
import { isSameProcess, processInfo } from '../guard/proc.js';
import { readRegular } from '../open-regular.js';
import { groupAlive } from '../process/supervise.js';
import { escapeControl } from '../text/escape.js';
import { z } from '../zod.js';

/** The record's name in an attempt's folder. */
const RECORD = 'agent.json';

/** What an attempt records of its agent: its process group, when its leader started, whose agent it is. */
const AgentRecordSchema = z.object({
  pgid: z.int(),
  /** The leader's start time (ms since the epoch, from /proc); absent where /proc is not. */
  start_ms: z.optional(z.number()),
  run_id: z.string(),
  feature_id: z.string(),
});
type AgentRecord = z.infer<typeof AgentRecordSchema>;

/** Records the agent an attempt just started in its folder `dir` (its log is `dir/log.jsonl`). */
export function recordAttemptAgent(
  dir: string,
  agent: { pgid: number; runId: string; featureId: string },
): void {
  const start = processInfo(agent.pgid)?.startMs;
  const record: AgentRecord = {
    pgid: agent.pgid,
    ...(start !== undefined && Number.isFinite(start) ? { start_ms: start } : {}),
    run_id: agent.runId,
    feature_id: agent.featureId,
  };
  writeFileSync(join(dir, RECORD), JSON.stringify(record));
}

/** Drops an attempt's record once its agent has exited. */
export function forgetAttemptAgent(dir: string): void {
  rmSync(join(dir, RECORD), { force: true });
}

/** The record in one attempt folder; undefined when there is none or it is not one. */
function readRecord(file: string): AgentRecord | undefined {
  const text = readRegular(file)?.toString('utf8');
  if (text === undefined) return undefined;
  try {
    const parsed = AgentRecordSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * What the group a record names must be (`proveRunGroup`): alive, carrying the record's run and feature
 * and the attempt's own log, the one in its folder. A leader alive with another start time than the
 * record's is a reused pid: nothing is proven then.
 */
function claimOf(attemptDir: string, r: AgentRecord): GroupClaim | string {
  if (processInfo(r.pgid) && !isSameProcess(r.pgid, r.start_ms))
    return `process ${r.pgid} started at another time than the recorded agent (a reused pid)`;
  return { pgid: r.pgid, runId: r.run_id, logPath: join(attemptDir, 'log.jsonl'), unitId: r.feature_id };
}

/**
 * Stops the agents a dead worker (`holderPid`) left running from the attempts of the folder `dir` it
 * held: each group its record names, once proven to be that attempt's agent; a group that cannot be
 * proven is left alone, and said. Each stop and each refusal is one line through `say`.
 */
export async function stopLeftAgents(
  dir: string,
  holderPid: number,
  say: (line: string) => void,
): Promise<void> {
  const attempts = join(dir, 'attempts');
  let names: string[];
  try {
    names = readdirSync(attempts);
  } catch {
    return;
  }
  const orphans: Array<Orphan & { attempt: string; claim: GroupClaim }> = [];
  for (const name of names) {
    const file = join(attempts, name, RECORD);
    const record = readRecord(file);
    if (!record) continue;
    const claim = claimOf(join(attempts, name), record);
    const proof = typeof claim === 'string' ? { ok: false as const, reason: claim } : proveRunGroup(claim);
    if (proof.ok && typeof claim !== 'string') {
      orphans.push({ feature_id: record.feature_id, pgid: record.pgid, attempt: name, claim });
    } else if (!proof.ok && groupAlive(record.pgid)) {
      say(
        `left process group ${record.pgid} alone (named in ${escapeControl(file)}): ${escapeControl(proof.reason)}`,
      );
    }
    forgetAttemptAgent(join(attempts, name));
  }
  if (orphans.length === 0) return;
  const claims = new Map(orphans.map((o) => [o.pgid, o.claim]));
  await stopOrphans(orphans, (o) => claims.get(o.pgid)!);
  for (const o of orphans) {
    say(
      `stopped the agent of attempt ${escapeControl(o.attempt)} left running by worker pid ${holderPid} (process group ${o.pgid})`,
    );
  }
}
