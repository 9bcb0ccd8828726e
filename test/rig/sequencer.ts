import { readFileSync, statSync } from 'node:fs';
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** What makes a test file more than a table of pure calls: git, processes, servers, browsers. */
const IMPURE =
  /makeRepo|child_process|runBaton|runCli|spawn|execa|playwright|createServer|\.listen\(|fixture\(/;
const SLOW = /(\/\/|\*)\s*@module-tag\s+slow\b/;

/**
 * Seconds each file took in a whole run (`npx vitest run --reporter=json`, 111 files, 2 cores shared with
 * other work at load average ~25, so about 8× the CI figures; only their order matters here), for every
 * file over 30 s, so a fresh clone without vitest's duration cache still starts the longest files first.
 * Files not listed fall back to a guess from their size, which puts them after these.
 */
const KNOWN_SECONDS: Record<string, number> = {
  // Did not run in that measurement; in the lead's earlier baseline it took 1.6× merge.test.ts, the longest.
  'test/demo/demo.test.ts': 330,
  'test/integrate/merge.test.ts': 206,
  'test/agents/user-home-e2e.test.ts': 194,
  'test/queue/errors.test.ts': 180,
  'test/integrate/cli.test.ts': 171,
  'test/attempts/run.test.ts': 122,
  'test/queue/distributed.test.ts': 117,
  'test/radar/radar.test.ts': 115,
  'test/integrate/passed-only.test.ts': 110,
  'test/coupling/golden.test.ts': 105,
  'test/runner/run.test.ts': 105,
  'test/log/concurrency.test.ts': 105,
  'test/reliability/clean.test.ts': 100,
  'test/checks/verify-cli.test.ts': 98,
  'test/adversarial/git-subversion.test.ts': 92,
  'test/agents/gemini-e2e.test.ts': 88,
  'test/coupling/history.test.ts': 87,
  'test/agents/claude-e2e.test.ts': 84,
  'test/integrate/predict.test.ts': 83,
  'test/interactive/claude-tui-e2e.test.ts': 80,
  'test/runner/interrupt.test.ts': 70,
  'test/runner/lifecycle.test.ts': 68,
  'test/agents/codex-e2e.test.ts': 67,
  'test/interactive/command-e2e.test.ts': 64,
  'test/perf/git-count.test.ts': 63,
  'test/agents/opencode-e2e.test.ts': 61,
  'test/runner/resume.test.ts': 60,
  'test/integrate/predict-property.test.ts': 58,
  'test/coupling/decompose-claude-e2e.test.ts': 55,
  'test/report/screens-browser.test.ts': 53,
  'test/queue/recovery.test.ts': 52,
  'test/checks/files-check.test.ts': 50,
  'test/cli/first-run-e2e.test.ts': 47,
  'test/cli/report.test.ts': 46,
  'test/coupling/decompose.test.ts': 45,
  'test/dashboard/cli.test.ts': 44,
  'test/interactive/resume-e2e.test.ts': 43,
  'test/cli/lint-plan.test.ts': 43,
  'test/agents/aider-e2e.test.ts': 41,
  'test/reliability/doctor.test.ts': 40,
  'test/adversarial/processes.test.ts': 35,
  'test/report/browser.test.ts': 34,
  'test/perf/fold-cache.test.ts': 31,
  'test/cli/init-new.test.ts': 31,
};

/**
 * Pure table tests first (they take under a second together, so a broken rule shows at once), then every
 * other file longest first — the order that keeps the workers busy to the end instead of leaving one
 * long end-to-end file running alone. Durations come from vitest's cache of the last run, else from the
 * table above, else from the file's size.
 */
export class SuiteSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const root = this.ctx.config.root;
    const facts = new Map(
      files.map((spec) => {
        const rel = relative(root, spec.moduleId);
        let text = '';
        try {
          text = readFileSync(spec.moduleId, 'utf8');
        } catch {
          // An unreadable file sorts by the defaults below.
        }
        const cached = this.ctx.cache.getFileTestResults(`${spec.project.name}:${rel}`)?.duration;
        const seconds =
          cached !== undefined ? cached / 1000 : (KNOWN_SECONDS[rel] ?? sizeEstimate(spec.moduleId));
        return [spec, { pure: !IMPURE.test(text) && !SLOW.test(text), seconds }] as const;
      }),
    );
    return [...files].sort((a, b) => {
      const fa = facts.get(a);
      const fb = facts.get(b);
      if (!fa || !fb) return 0;
      if (fa.pure !== fb.pure) return fa.pure ? -1 : 1;
      return fb.seconds - fa.seconds;
    });
  }
}

/** About a second per 4 kB of test code that starts processes: a rough guess, only for files never run. */
function sizeEstimate(path: string): number {
  try {
    return statSync(path).size / 4000;
  } catch {
    return 0;
  }
}
