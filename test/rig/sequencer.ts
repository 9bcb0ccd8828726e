import { readFileSync, statSync } from 'node:fs';
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** What makes a test file more than a table of pure calls: git, processes, servers, browsers. */
const IMPURE =
  /makeRepo|child_process|runBaton|runCli|spawn|execa|playwright|createServer|\.listen\(|fixture\(/;
const SLOW = /(\/\/|\*)\s*@module-tag\s+slow\b/;

/**
 * Seconds each slow file took in a full run on 2 busy cores (the lead's baseline), so a fresh clone
 * without vitest's duration cache still starts the longest files first.
 */
const KNOWN_SECONDS: Record<string, number> = {
  'test/demo/demo.test.ts': 21,
  'test/integrate/merge.test.ts': 13,
  'test/integrate/cli.test.ts': 12,
  'test/agents/gemini-e2e.test.ts': 10,
  'test/agents/claude-e2e.test.ts': 10,
  'test/runner/resume.test.ts': 9,
  'test/runner/run.test.ts': 9,
  'test/agents/opencode-e2e.test.ts': 8,
  'test/dashboard/browser.test.ts': 8,
  'test/checks/verify-cli.test.ts': 7,
  'test/checks/http-check.test.ts': 6,
  'test/agents/codex-e2e.test.ts': 5,
  'test/cli/report.test.ts': 5,
  'test/reliability/clean.test.ts': 5,
  'test/cli/first-run-e2e.test.ts': 5,
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
