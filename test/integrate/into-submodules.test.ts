// `--into` and a submodule commit an agent made in its worktree's checked-out submodule: the branch
// moves (the result passed), and a note names the commit the main checkout's copy lacks and the push
// that keeps it; `baton clean` then keeps the worktree that alone holds it. A commit the agent pushed
// to the submodule's remote is kept there (`git submodule update` fetches it): no note.
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runBaton } from '../rig/cli.js';
import { contractFiles } from '../rig/contracts.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

/**
 * A project whose submodule `lib` comes from `url` and whose one feature's agent commits in it (then
 * runs `afterCommit` there: a push), run and integrated `--into main`: the repository and integrate's result.
 */
async function integrateSubmoduleWork(url: string, afterCommit = '') {
  const agent = `cd lib && echo NEW > new.txt && git add new.txt && git -c user.name=a -c user.email=a@b commit -qm in-sub${afterCommit} && cd .. && mkdir -p src/a && echo a > src/a/a.txt`;
  const repo = makeRepo({
    '.gitignore': '.baton/\n',
    ...contractFiles([{ id: 'a', owns: ['lib', 'lib/**', 'src/a/**'], agent: { command: agent } }]),
  });
  repos.push(repo);
  // Test set-up only: git refuses a local submodule URL by default.
  repo.git('-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', url, 'lib');
  repo.git('commit', '-q', '-m', 'add submodule');
  const ran = await runBaton(['run'], { cwd: repo.root });
  expect(ran.code, ran.stdout + ran.stderr).toBe(0);
  const r = await runBaton(['integrate', '--into', 'main', '--test', 'true'], { cwd: repo.root });
  expect(r.stdout).toContain('main fast-forwarded');
  return { repo, r, commit: repo.git('rev-parse', 'main:lib') };
}

describe('integrate --into and submodule commits', () => {
  it('names the submodule commit the moved branch records that only a worktree holds, and the push that keeps it', async () => {
    const sub = makeRepo({ 's.txt': 's\n' });
    repos.push(sub);
    const { repo, r, commit } = await integrateSubmoduleWork(sub.root);
    expect(r.stdout).toContain(`submodule lib at ${commit.slice(0, 12)}`);
    expect(r.stdout).toContain(
      `lib push ${join(repo.root, '.git', 'modules', 'lib')} ${commit}:refs/heads/<a branch>`,
    );
  });

  it("says nothing of a submodule commit the agent pushed to the submodule's own remote", async () => {
    const src = makeRepo({ 's.txt': 's\n' });
    repos.push(src);
    const origin = join(dirname(src.root), 'origin.git');
    src.git('clone', '-q', '--bare', src.root, origin);
    const { r, commit } = await integrateSubmoduleWork(
      origin,
      ' && git push -q origin HEAD:refs/heads/pushed',
    );
    expect(src.git('--git-dir', origin, 'rev-parse', 'pushed')).toBe(commit);
    expect(r.stdout).not.toContain('submodule lib at');
  });
});
