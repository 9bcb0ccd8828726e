/**
 * An agent can reach the main checkout's `.baton/` and replace its own log there. Baton reads that log
 * after the agent exits (usage, the retry's new part): a FIFO put in its place must not block the run.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { contractFiles } from '../rig/contracts.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';
import { runBin } from './rig.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

describe('an agent that replaces its own log', () => {
  it('with a FIFO does not block the run, which records its work', () => {
    const swap =
      'f="$(dirname "$BATON_LOG")/runs/$BATON_RUN_ID/$BATON_FEATURE_ID/agent.log" && rm -f "$f" && mkfifo "$f"';
    const r = makeRepo({
      'README.md': '# app\n',
      ...contractFiles([
        { id: 'feature-001-a', agent: { command: `${swap} && mkdir -p src && echo a > src/a.txt` } },
      ]),
    });
    repos.push(r);
    // As a process with a deadline: a read blocked on the FIFO would block a test run in-process for good.
    const run = runBin(['run', '--no-verify'], { cwd: r.root, timeoutMs: 15_000 });
    expect(run.code, `${run.stdout}${run.stderr}`).toBe(0);
    expect(r.git('show', 'baton/feature-001-a:src/a.txt')).toBe('a');
  }, 20_000);
});
