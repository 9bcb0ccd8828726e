// @module-tag slow
// A best-of-N winner amended in its worktree: `baton verify` passes its checks on the amended commit
// but cannot move `baton/<id>` to it (the branch holds the recorded commit the amend dropped). The
// hints then led in a loop: integrate said "run `baton verify`" (which changes nothing), and
// `baton pick <id> <n>` said "already holds" and logged nothing. Now pick records the attempt's commit
// again, and integrate's hint names it. Real repositories, the real CLI in-process.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { BatonEvent } from '../../src/log/events.js';
import { readLog } from '../../src/log/read.js';
import { runBaton } from '../rig/cli.js';
import type { TempRepo } from '../rig/repo.js';
import { ranAlphaRepo } from './alpha-rig.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

const events = (repo: TempRepo) => readLog(join(repo.root, '.baton', 'log.jsonl')).events as BatonEvent[];

describe('a best-of-N winner amended in its worktree', () => {
  it('integrate names `baton pick`, and picking the winner again records its commit so it integrates', async () => {
    const repo = await ranAlphaRepo();
    repos.push(repo);
    const sel = events(repo).find((e) => e.type === 'attempt.selected');
    const n = sel?.type === 'attempt.selected' ? sel.winner : 0;
    const recorded = repo.git('rev-parse', 'baton/alpha');
    const wt = join(`${repo.root}.baton-worktrees`, `alpha.a${n}`);
    writeFileSync(join(wt, 'src', 'alpha', 'a.txt'), 'better\n');
    repo.git('-C', wt, 'commit', '-qa', '--amend', '-m', 'alpha (amended)');
    const amended = repo.git('rev-parse', `baton/alpha.a${n}`);

    const verify = await runBaton(['verify', 'alpha'], { cwd: repo.root });
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    expect(verify.stdout).toContain('baton/alpha was not moved');
    expect(repo.git('rev-parse', 'baton/alpha')).toBe(recorded);

    const refused = await runBaton(['integrate'], { cwd: repo.root });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      `baton/alpha is at ${recorded.slice(0, 10)}, but its checks passed on ${amended.slice(0, 10)}; run \`baton pick alpha ${n}\` to go back to the commit that attempt recorded, or merge baton/alpha into baton/alpha.a${n} and run \`baton verify alpha\``,
    );

    const pick = await runBaton(['pick', 'alpha', String(n)], { cwd: repo.root });
    expect(pick.code, pick.stdout + pick.stderr).toBe(0);
    expect(pick.stdout).toContain(
      `baton/alpha already holds attempt ${n} (${recorded.slice(0, 8)}); the feature's record (its checks last ran on ${amended.slice(0, 8)}) is that attempt's again`,
    );
    const picked = events(repo).filter((e) => e.type === 'attempt.picked');
    expect(picked).toMatchObject([{ attempt: n, commit: recorded }]);
    expect(repo.git('rev-parse', 'baton/alpha')).toBe(recorded);

    const again = await runBaton(['pick', 'alpha', String(n)], { cwd: repo.root });
    expect(again.stdout).toBe(`baton/alpha already holds attempt ${n} (${recorded.slice(0, 8)})\n`);
    expect(events(repo).filter((e) => e.type === 'attempt.picked')).toHaveLength(1);

    const integrate = await runBaton(['integrate'], { cwd: repo.root });
    expect(integrate.code, integrate.stdout + integrate.stderr).toBe(0);
  });
});
