/** A dashboard's state over a repository's log, as `baton dashboard` opens it, polled every 50 ms. */
import { expect } from 'vitest';
import { BoardState } from '../../src/dashboard/board-state.js';
import type { Report } from '../../src/metrics/types.js';
import { loadProject } from '../../src/project.js';
import { runBaton } from '../rig/cli.js';
import type { TempRepo } from '../rig/repo.js';

/** Opens the board on `log` and starts watching it; `cleanups` gets the close. */
export async function openBoard(
  repo: TempRepo,
  log: string,
  cleanups: Array<() => void>,
): Promise<BoardState> {
  const board = await BoardState.open({
    logPath: log,
    root: repo.root,
    loadProject: async () => {
      const project = await loadProject(repo.root);
      return { plan: project.plan, estimates: project.config.estimates, diagnostics: project.warnings };
    },
    pollMs: 50,
  });
  board.watch();
  cleanups.push(() => board.close());
  return board;
}

/** `baton report --json` of the repository: what the board's numbers are compared with. */
export async function reportJson(repo: TempRepo): Promise<Report> {
  const out = await runBaton(['report', '--json'], { cwd: repo.root });
  expect(out.code, out.stderr).toBe(0);
  return JSON.parse(out.stdout) as Report;
}
