// Any process can append to the log: a feature whose agent wrote outside its `owns` (failed-checks)
// could be made `complete 2/2` by a few forged lines (`check.passed` per criterion and a
// `feature.ended`), and `integrate --into main` then fast-forwarded main to it. The owns check is now
// re-derived from git when a branch of the user's is to move: what git shows a merged feature changed
// outside its owns (owns_policy strict) keeps the branch where it was, whatever the log says.
import { afterEach, describe, expect, it } from 'vitest';
import { runBaton } from '../rig/cli.js';
import { contractText, type TestContract } from '../rig/contracts.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';
import { forgeComplete } from './fixture.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

/** f1's agent also overwrites README.md, outside its owns; its criterion passes. */
function outsideOwns(policy?: 'warn'): TempRepo {
  const f1: TestContract = {
    id: 'f1',
    agent: { command: 'mkdir -p src/f1 && echo f1 > src/f1/a.txt && echo EVIL > README.md' },
    criteria: [{ id: 'ok', text: 'its file is there', run: 'test -f src/f1/a.txt' }],
  };
  const text = contractText(f1).replace(
    '---\nBuild',
    `${policy ? `owns_policy: ${policy}\n` : ''}---\nBuild`,
  );
  const repo = makeRepo({
    '.gitignore': '.baton/\n',
    'README.md': '# app\n',
    'baton.config.json': '{ "test": "true" }\n',
    'specs/f1/contract.md': text,
  });
  repos.push(repo);
  return repo;
}

/** The lines a forger appends: both of f1's criteria passed on its branch's commit, and f1 complete. */
const forgeF1 = (repo: TempRepo) =>
  forgeComplete(repo, 'f1', [
    { criterion_id: 'owns', text: 'changes stay inside owns', kind: 'files' },
    { criterion_id: 'ok', text: 'its file is there', kind: 'run' },
  ]);

describe('--into re-derives the owns check from git', () => {
  it('keeps main where it was for a feature made complete by forged lines, naming the files git shows', async () => {
    const repo = outsideOwns();
    const run = await runBaton(['run'], { cwd: repo.root });
    expect(run.stdout).toContain('f1: failed-checks');
    forgeF1(repo);
    const status = await runBaton(['status', '--json'], { cwd: repo.root });
    expect(JSON.parse(status.stdout).features[0].status).toBe('complete');

    const main = repo.git('rev-parse', 'main');
    const r = await runBaton(['integrate', '--into', 'main'], { cwd: repo.root });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      'main left where it was: git shows changes outside owns, whatever the log says of the owns checks: f1 (README.md)',
    );
    expect(repo.git('rev-parse', 'main')).toBe(main);
    expect(repo.git('show', 'main:README.md')).toBe('# app');

    // Integrated without --into, then promoted by a --continue --into: refused the same way.
    expect((await runBaton(['integrate', '--fresh'], { cwd: repo.root })).code).toBe(0);
    const promoted = await runBaton(['integrate', '--continue', '--into', 'main'], { cwd: repo.root });
    expect(promoted.stdout + promoted.stderr).toContain(
      'git shows changes outside owns, whatever the log says of the owns checks: f1 (README.md)',
    );
    expect(repo.git('rev-parse', 'main')).toBe(main);
  });

  it('moves main when the contract says owns only warns', async () => {
    const repo = outsideOwns('warn');
    const run = await runBaton(['run'], { cwd: repo.root });
    expect(run.code, run.stdout).toBe(0);
    const r = await runBaton(['integrate', '--into', 'main'], { cwd: repo.root });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(repo.git('show', 'main:README.md')).toBe('EVIL');
  });
});
