/**
 * Why a project did not load, as the commands that go on without it (status, report) say it (pure).
 * A module of its own, with no imports: a warm `baton status` reads it without loading the contracts'
 * parser and schemas that `project.ts` brings (test/perf/status-modules.test.ts).
 */

/** Why a project did not load: which part failed (the config, else the contracts), and its first located problem. */
export interface LoadProblem {
  part: 'config' | 'contracts';
  detail: string;
}

/** A load problem as the words every command that goes on without the project starts its warning with. */
export function describeLoadProblem(problem: LoadProblem): string {
  return `${problem.part} not loaded (${problem.detail})`;
}
