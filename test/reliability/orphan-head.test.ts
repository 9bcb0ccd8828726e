/**
 * The main checkout on an orphan branch (`git checkout --orphan`) of a repository that has commits:
 * HEAD names no commit, and every command whose base it is says so in one set of words
 * (`noHeadCommit`), not that the repository has no commit yet nor to make a first one.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { runBaton } from '../rig/cli.js';
import { contractFiles } from '../rig/contracts.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

let repo: TempRepo | undefined;
afterEach(() => {
  repo?.cleanup();
  repo = undefined;
});

const ORPHAN = 'HEAD is on scratch, a branch with no commit yet (an orphan branch)';
const HINT =
  'hint: Switch to a branch that has commits (git switch <branch>; git branch lists them), or name one as the base: --base <branch>.';

describe('HEAD on an orphan branch, in a repository with commits', () => {
  it('doctor, run, integrate and verify say HEAD is on an orphan branch, with how to go on', async () => {
    repo = makeRepo({
      '.gitignore': '.baton/\n',
      ...contractFiles([{ id: 'a', agent: { command: 'true' } }]),
    });
    repo.git('checkout', '-q', '--orphan', 'scratch');

    const doctor = await runBaton(['doctor'], { cwd: repo.root });
    expect(doctor.stdout).toMatch(
      new RegExp(`✗ repository +${repo.root}: ${ORPHAN.replace(/[()]/g, '\\$&')}\n`),
    );
    // doctor has no --base: its hint names run's and integrate's.
    expect(doctor.stdout).toContain(
      'Switch to a branch that has commits (git switch <branch>; git branch lists them), or name one as the base: pass --base <branch> to baton run and baton integrate.',
    );
    expect(doctor.stdout).not.toContain('has no commit yet');

    const run = await runBaton(['run'], { cwd: repo.root });
    expect([run.code, run.stderr]).toEqual([
      1,
      `baton: the base "HEAD" is not a commit in this repository: ${ORPHAN} [run/bad-base]\n${HINT}\n`,
    ]);

    const integrate = await runBaton(['integrate'], { cwd: repo.root });
    expect(integrate.code).toBe(1);
    expect(integrate.stderr).toContain(
      `the base "HEAD" is not a commit: ${ORPHAN} [integrate/bad-base]\n${HINT}\n`,
    );

    const verify = await runBaton(['verify'], { cwd: repo.root });
    expect(verify.code).toBe(1);
    expect(verify.stderr).toContain(
      // verify has no --base: its hint names the config's `base`, which it reads.
      `cannot resolve the base HEAD in ${repo.root}: ${ORPHAN} [verify/no-base]\nhint: Switch to a branch that has commits (git switch <branch>; git branch lists them), or name one as the base: \`base: <branch>\` in Baton's config file.\n`,
    );
  });

  it('decompose says HEAD is on an orphan branch, with no --base it does not have in its hint', async () => {
    repo = makeRepo({
      '.gitignore': '.baton/\n',
      'baton.config.json': JSON.stringify({ agent: 'demo' }),
      'docs/spec.md': '# Spec\n\nA thing.\n',
    });
    repo.git('checkout', '-q', '--orphan', 'scratch');
    const r = await runBaton(['decompose', 'docs/spec.md'], { cwd: repo.root });
    expect([r.code, r.stderr]).toEqual([
      1,
      `baton: ${ORPHAN} [decompose/no-commit]\nhint: Switch to a branch that has commits (git switch <branch>; git branch lists them).\n`,
    ]);
  });
});
