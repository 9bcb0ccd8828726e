import type { FeatureEnded } from '../log/events.js';

/** What is known when a feature's agent has finished, to decide how the feature ends. */
export interface FeatureFacts {
  interrupted: boolean;
  /** The signal that stopped the run (`SIGINT` for Ctrl-C, `SIGTERM`, `SIGHUP`), when known. */
  interruptedBy?: string;
  timedOut: boolean;
  exitCode: number | null;
  /** Files the branch changed since its base. */
  changedFiles: number;
  /** Results of the worktree checks, when they ran. */
  checks?: { passed: number; failed: number; unverifiable: number; total: number };
}

/** Decides a feature's final status and the reason in words (pure). */
export function decideOutcome(f: FeatureFacts): { status: FeatureEnded['status']; reason?: string } {
  if (f.interrupted)
    return {
      status: 'interrupted',
      reason: `${stoppedBy(f.interruptedBy)}; the worktree and its changes are kept`,
    };
  if (f.timedOut) return { status: 'timeout', reason: 'the agent ran past its timeout and was stopped' };
  if (f.exitCode !== 0)
    return { status: 'failed', reason: `the agent exited ${f.exitCode ?? 'by a signal'}` };
  if (f.changedFiles === 0) return { status: 'empty', reason: 'the agent exited 0 but changed nothing' };
  if (f.checks && f.checks.failed > 0) {
    return {
      status: 'failed-checks',
      reason: `${f.checks.failed} of ${f.checks.total} acceptance checks failed`,
    };
  }
  return { status: 'complete' };
}

/** What stopped a run, in words: Ctrl-C is SIGINT; a SIGTERM came from another program (kill, a supervisor). */
function stoppedBy(signal: string | undefined): string {
  if (signal === 'SIGINT') return 'stopped by Ctrl-C';
  if (signal === 'SIGTERM') return 'stopped by SIGTERM';
  if (signal === 'SIGHUP') return 'stopped: the terminal was closed (SIGHUP)';
  return 'stopped';
}
