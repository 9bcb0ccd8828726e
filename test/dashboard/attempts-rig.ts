import { join } from 'node:path';
import { appendEvent } from '../../src/log/append.js';
import { contractFiles } from '../rig/contracts.js';
import { holdRunLock } from '../rig/dead-run.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

/** The best-of-N feature of the dashboard tests. */
export const FEATURE = 'feature-001-search';

/** What each attempt wrote on its branch, and how it ended: one fails a check, two pass, the third faster. */
export const ATTEMPTS = [
  {
    n: 1,
    agent: 'claude',
    status: 'failed-checks' as const,
    passed: 2,
    p95: 41,
    file: 'src/search/index.js',
    // An escape code in the agent's output must reach the page as text, never as a colour.
    content: 'export const search = () => "\u001b[31mred\u001b[0m";\n',
  },
  {
    n: 2,
    agent: 'codex',
    status: 'complete' as const,
    passed: 3,
    p95: 150,
    file: 'src/search/index.js',
    content: 'export const search = (q) => slowScan(q);\n',
  },
  {
    n: 3,
    agent: 'gemini',
    status: 'complete' as const,
    passed: 3,
    p95: 20,
    file: 'src/search/index.js',
    content: 'export const search = (q) => index.lookup(q);\n',
  },
];

/**
 * How long attempt `n`'s agent ran (its agent time; within the 10 s the log's instant timestamps allow);
 * its `attempt.ended` span is 5 s longer, with its checks.
 */
export const AGENT_MS = (n: number) => 1000 + n * 1000;

/** Why attempt 3 won, as the rule words it. */
export const REASONS = [
  'attempt 3 over attempt 2: lower latency p95 (20 ms vs 150 ms)',
  'attempt 3 over attempt 1: every criterion passes (3/3 vs 2/3)',
];

/**
 * A repository where a best-of-N run of three attempts ended (or, with `running`, where they all started
 * and `finish()` ends them): each attempt's branch
 * `baton/<feature>.a<n>` holds its own commit on the base, and the log says what `baton run` writes
 * (worktree, start and end of each attempt, the selection, the feature's end).
 */
export function bestOfThreeRepo(
  options: { running?: boolean } = {},
): TempRepo & { base: string; log: string; finish(): void } {
  const repo = makeRepo({
    'README.md': '# search\n',
    ...contractFiles([
      {
        id: FEATURE,
        title: 'Search',
        owns: ['src/search/**'],
        criteria: [
          { id: 'tests', text: 'Tests pass', run: 'true' },
          { id: 'lint', text: 'Lint passes', run: 'true' },
          { id: 'latency', text: 'Fast', run: 'true' },
        ],
      },
    ]),
  });
  const base = repo.git('rev-parse', 'HEAD');
  const commits = new Map<number, string>();
  for (const a of ATTEMPTS) {
    repo.git('checkout', '-q', '-b', `baton/${FEATURE}.a${a.n}`, base);
    commits.set(a.n, repo.commit(`attempt ${a.n}`, { [a.file]: a.content }));
  }
  repo.git('checkout', '-q', 'main');
  repo.git('branch', `baton/${FEATURE}`, commits.get(3) ?? '');
  const log = join(repo.root, '.baton', 'log.jsonl');
  appendEvent(log, {
    type: 'run.started',
    run_id: 'run-1',
    feature_ids: [FEATURE],
    concurrency: 3,
    base: 'main',
    base_commit: base,
    mode: 'contract-first',
    pid: process.pid,
  });
  holdRunLock(repo.root, 'run-1');
  for (const a of ATTEMPTS) {
    const unit = `${FEATURE}.a${a.n}`;
    appendEvent(log, {
      type: 'worktree.created',
      run_id: 'run-1',
      feature_id: unit,
      path: join(repo.root, '..', 'worktrees', unit),
      branch: `baton/${unit}`,
      base_commit: base,
      reused: false,
    });
    appendEvent(log, {
      type: 'attempt.started',
      run_id: 'run-1',
      feature_id: FEATURE,
      attempt: a.n,
      agent: a.agent,
      branch: `baton/${unit}`,
      worktree: join(repo.root, '..', 'worktrees', unit),
      port: 41000 + a.n * 10,
    });
  }
  const finish = () => finishRun(log, commits);
  if (!options.running) finish();
  return { ...repo, base, log, finish };
}

/** The attempts end, the rule picks attempt 3, the feature ends complete. */
function finishRun(log: string, commits: ReadonlyMap<number, string>): void {
  // Each attempt's agent exit and checks are its own unit's events (`<feature>.a<n>`), as the runner
  // writes them: its agent ran n + 1 s, its checks 5 s more (`attempt.ended`'s span holds both).
  for (const a of ATTEMPTS) {
    appendEvent(log, {
      type: 'agent.exited',
      run_id: 'run-1',
      feature_id: `${FEATURE}.a${a.n}`,
      exit_code: 0,
      signal: null,
      duration_ms: AGENT_MS(a.n),
      files: [a.file],
    });
    appendEvent(log, {
      type: 'check.passed',
      run_id: 'run-1',
      feature_id: `${FEATURE}.a${a.n}`,
      criterion_id: 'tests',
      text: 'Tests pass',
      kind: 'run',
      on: 'worktree',
      message: 'exit 0',
    });
  }
  for (const a of ATTEMPTS) {
    appendEvent(log, {
      type: 'attempt.ended',
      run_id: 'run-1',
      feature_id: FEATURE,
      attempt: a.n,
      status: a.status,
      ...(a.status === 'complete' ? {} : { reason: 'latency: p95 41 ms over 30 ms' }),
      commit: commits.get(a.n) ?? '',
      files: [a.file],
      checks: { passed: a.passed, failed: 3 - a.passed, unverifiable: 0, total: 3 },
      measured: { latency: { p95_ms: a.p95 } },
      lines_changed: 1,
      outside_owns: 0,
      cost_usd: 0.1 * a.n,
      duration_ms: AGENT_MS(a.n) + 5000,
    });
  }
  appendEvent(log, {
    type: 'attempt.selected',
    run_id: 'run-1',
    feature_id: FEATURE,
    winner: 3,
    select: 'best',
    reasons: REASONS,
    ranking: [3, 2, 1],
    branch: `baton/${FEATURE}`,
    commit: commits.get(3) ?? '',
  });
  appendEvent(log, {
    type: 'feature.ended',
    run_id: 'run-1',
    feature_id: FEATURE,
    status: 'complete',
    reason: `attempt 3 of 3 won: ${REASONS[0]}`,
  });
}
