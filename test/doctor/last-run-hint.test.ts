import { describe, expect, it } from 'vitest';
import { checkLastRun } from '../../src/doctor/repository.js';
import { foldEvents } from '../../src/log/fold.js';
import { runStartedLine } from '../rig/log-lines.js';

/** The log of a run whose orchestrator died while its one feature was still running. */
function deadRun(interactive: boolean) {
  const started = { ...JSON.parse(runStartedLine('r1', ['feature-001-a'])), pid: 999_999_999 };
  return foldEvents([interactive ? { ...started, interactive: true } : started]);
}

describe("doctor's word on a run whose orchestrator is gone", () => {
  it.each([
    [false, 'it stops orphaned agents and reuses the worktrees'],
    [true, 'it re-attaches to the agents still in their tmux windows, stops any other orphaned agent'],
  ])('interactive %s: the resume hint says what a resume does to its agents (%s)', (interactive, words) => {
    const last = checkLastRun(deadRun(interactive), () => false);
    expect(last).toMatchObject({ status: 'warn' });
    expect(last.hint).toContain('`baton run --resume`');
    expect(last.hint).toContain(words);
  });

  it("a later headless run's start is not taken for the interactive one before it", () => {
    const later = foldEvents([JSON.parse(runStartedLine('r2', ['feature-001-a']))], deadRun(true));
    expect(checkLastRun(later, () => false).hint).toContain('it stops orphaned agents');
  });
});
