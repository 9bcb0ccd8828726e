/**
 * The one rule of running an agent until it exits for good, which the local runner (`launchAgent`) and
 * a `baton worker` (`src/queue/attempt.ts`) both follow: each attempt's usage read from its output by
 * the adapter and summed, a rate-limited exit retried with backoff (config `retry`), any other failure
 * up to the contract's `retries`.
 */
import { lstatSync } from 'node:fs';
import type { AgentAdapter } from '../agents/adapter.js';
import { addUsage } from '../agents/agent-output.js';
import type { Config } from '../config-schema.js';
import { usageWithinBounds } from '../log/event-fields.js';
import type { AgentRetrying, AgentUsage } from '../log/events.js';
import { pause } from '../process/pause.js';
import type { ProcessExit, Supervised } from '../process/supervise.js';
import { timerMs } from '../timer-span.js';
import { readAttemptOutput } from './attempt-output.js';

/** A retry as `agent.retrying` tells it. */
export type AgentRetry = Omit<AgentRetrying, 'type' | 'feature_id' | 'v' | 'ts' | 'run_id'>;

/** What running an agent with retries needs: the adapter, the rules, and the caller's own start of one attempt. */
export interface AgentAttemptsOptions {
  adapter: AgentAdapter;
  /** The agent's output log; each attempt appends to it. */
  logFile: string;
  /** The config's rate-limit retry policy. */
  retry: Config['retry'];
  /** The contract's `retries`: how many times an agent that failed (not rate-limited) is run again. */
  retries: number;
  /** Ctrl-C, or a worker's lost lock: no attempt is started or waited for after it. */
  signal: AbortSignal;
  /** Starts attempt `attempt` (1 first); `ended` is called once that agent has exited. */
  start(attempt: number): Promise<{ child: Supervised; ended?: () => void }>;
  /** Whether the agent was stopped on purpose (a collision): it is not run again. */
  stopped?: () => boolean;
  /** Says a retry, before its wait (`agent.retrying`). */
  retrying(retry: AgentRetry): void;
}

/** How long the agent log already is (a retry appends to it); nothing but a regular file counts. */
function logLength(file: string): number {
  const s = lstatSync(file, { throwIfNoEntry: false });
  return s?.isFile() ? s.size : 0;
}

/** A failed attempt's retry, or undefined when the agent is not run again. */
function nextRetry(
  retry: Config['retry'],
  rateLimited: boolean,
  exit: ProcessExit,
  done: { rateLimited: number; failed: number; maxFailed: number },
): AgentRetry | undefined {
  if (rateLimited && done.rateLimited < retry.attempts) {
    return {
      reason: 'rate-limited',
      exit_code: exit.exitCode,
      retry: done.rateLimited + 1,
      of: retry.attempts,
      // Growing by `factor` each time, held to what a timer can wait.
      delay_ms: timerMs(Math.round(retry.initial_delay_s * retry.factor ** done.rateLimited * 1000)),
    };
  }
  if (done.failed < done.maxFailed) {
    return {
      reason: 'failed',
      exit_code: exit.exitCode,
      retry: done.failed + 1,
      of: done.maxFailed,
      delay_ms: 0,
    };
  }
  return undefined;
}

/**
 * Runs the agent until it exits for good: a rate-limited exit (as the adapter reads it, an exit 0
 * included) is retried with backoff, any other failure up to `retries`; an agent interrupted, timed
 * out or stopped is not. Resolves to the last attempt's exit and the usage of every attempt summed
 * (a retry is paid for too).
 */
export async function runAgentAttempts(
  o: AgentAttemptsOptions,
): Promise<{ exit: ProcessExit; usage?: AgentUsage }> {
  let rateLimitRetries = 0;
  let failureRetries = 0;
  let usage: AgentUsage | undefined;
  for (let attempt = 1; ; attempt++) {
    const logOffset = logLength(o.logFile);
    const { child, ended } = await o.start(attempt);
    const exit = await child.exited;
    ended?.();
    const output = o.adapter.ignoresOutput ? '' : readAttemptOutput(o.logFile, logOffset);
    usage = addUsage(usage, o.adapter.parseUsage(output));
    // Only figures the log's reader takes: one past its bounds would cost the whole exit line.
    const done = { exit, ...(usage ? { usage: usageWithinBounds(usage) } : {}) };
    const stopped = exit.stoppedBy === 'user' || o.stopped?.();
    if (o.signal.aborted || exit.timedOut || stopped) return done;
    // The adapter decides even on exit 0: Aider exits 0 when it gives up on a rate limit.
    const rateLimited = o.adapter.isRateLimited(output, exit.exitCode);
    if (exit.exitCode === 0 && !rateLimited) return done;
    const retry = nextRetry(o.retry, rateLimited, exit, {
      rateLimited: rateLimitRetries,
      failed: failureRetries,
      maxFailed: o.retries,
    });
    if (!retry) return done;
    o.retrying(retry);
    if (retry.reason === 'rate-limited') rateLimitRetries++;
    else failureRetries++;
    await pause(retry.delay_ms, o.signal);
    if (o.signal.aborted) return done;
  }
}
