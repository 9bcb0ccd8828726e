// A best-of-N feature whose winner did not pass: `baton status` (the feature's row, the starred row,
// `--json`'s reason) says why the winner failed, then why it was chosen. Real run, real command agents.
import { afterEach, describe, expect, it } from 'vitest';
import { runBaton } from '../rig/cli.js';
import { contractFiles } from '../rig/contracts.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

describe('a best-of-N feature whose winner failed', () => {
  it("says the winner's own failure first, the selection after it", async () => {
    const repo = makeRepo({
      '.gitignore': '.baton/\n',
      'baton.config.json': '{}\n',
      ...contractFiles([
        {
          id: 'api',
          // Both agents fail (exit 1 and 2); attempt 1 changes fewer lines, so it wins.
          agent: {
            command:
              'mkdir -p src/api; echo bad > src/api/x.txt; [ $BATON_ATTEMPT = 2 ] && echo more >> src/api/x.txt; exit $BATON_ATTEMPT',
          },
          criteria: [{ id: 'good', text: 'file says good', run: 'grep -q good src/api/x.txt' }],
        },
      ]),
    });
    repos.push(repo);
    expect((await runBaton(['run', '--attempts', '2'], { cwd: repo.root })).code).toBe(1);

    const json = JSON.parse((await runBaton(['status', '--json'], { cwd: repo.root })).stdout);
    const api = json.features.find((f: { feature_id: string }) => f.feature_id === 'api');
    expect(api.status).toBe('failed');
    expect(api.winner.attempt).toBe(1);
    expect(api.reason).toMatch(
      /^the agent failed: exit 1; see .*\/api\.a1\/agent\.log — attempt 1 of 2 won: attempt 1 over attempt 2: fewer lines changed \(1 vs 2\)$/,
    );

    const table = (await runBaton(['status'], { cwd: repo.root })).stdout;
    expect(table).toMatch(/^api\s+failed\s.*the agent failed: exit 1; see /m);
    expect(table).toMatch(/^ {2}★ api\.a1\s+failed\s.*the agent failed: exit 1; see /m);
    // The full reason, cut in the row, is under the table.
    expect(table).toContain(`  api: ${api.reason}\n`);
  });
});
