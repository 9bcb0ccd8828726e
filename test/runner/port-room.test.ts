/**
 * A `port_base` near its maximum leaves no room for a run's port blocks once there are enough units:
 * the run (and its dry run) is refused before anything is made, naming `port_base` in the config file
 * and how many blocks the run needs, instead of handing out a PORT above 65535.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runBaton } from '../rig/cli.js';
import { contractFiles } from '../rig/contracts.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

/** Six features f1..f6, each agent writing its PORT, with `port_base` as given. */
function sixFeatures(portBase: number): TempRepo {
  const repo = makeRepo({
    'README.md': '# app\n',
    '.gitignore': '.baton/\n',
    'baton.yaml': `port_base: ${portBase}\n`,
    ...contractFiles(
      [1, 2, 3, 4, 5, 6].map((i) => ({
        id: `f${i}`,
        agent: { command: `mkdir -p src/f${i} && echo "$PORT" > src/f${i}/port-$BATON_ATTEMPT.txt` },
        criteria: [{ text: 'PORT is a TCP port', run: 'test "$PORT" -le 65535' }],
      })),
    ),
  });
  repos.push(repo);
  return repo;
}

describe('port blocks past 65535', () => {
  it('refuses a run whose last block would end above 65535, before anything is made', async () => {
    const repo = sixFeatures(65000);
    // f6's 4th attempt: block 6 + 5 × 9 + 3 = 54, 65540-65549; 55 blocks in all.
    const said =
      "baton: `port_base` 65000 (in baton.yaml) leaves no room for this run's ports: it needs 55 blocks of 10, and the last, 65540-65549, ends above 65535, the highest TCP port [run/ports-exhausted]";
    for (const args of [
      ['run', 'f6', '--attempts', '4', '--dry-run'],
      ['run', 'f6', '--attempts', '4'],
    ]) {
      const r = await runBaton(args, { cwd: repo.root });
      expect(r.code, r.stdout + r.stderr).toBe(1);
      expect(r.stderr).toContain(said);
      expect(r.stderr).toContain('hint: Set `port_base` in baton.yaml to at most 64986, then run again.');
    }
    expect(repo.git('branch', '--list', 'baton/*')).toBe('');
    expect(existsSync(join(repo.root, '..', 'repo.baton-worktrees'))).toBe(false);
  });

  it('lets a run whose last block ends at 65535 go on', async () => {
    const repo = sixFeatures(64986);
    const dry = await runBaton(['run', 'f6', '--attempts', '4', '--dry-run'], { cwd: repo.root });
    expect(dry.code, dry.stdout + dry.stderr).toBe(0);
    const plain = await runBaton(['run', 'f6', '--dry-run'], { cwd: repo.root });
    expect(plain.code, plain.stdout + plain.stderr).toBe(0);
  });

  it('counts a plain run by its features in plan order', async () => {
    // f6 alone is block 5: 65000 + 50 = 65050, inside; a port_base of 65000 with no attempts runs.
    const repo = sixFeatures(65000);
    const r = await runBaton(['run', 'f6', '--dry-run'], { cwd: repo.root });
    expect(r.code, r.stdout + r.stderr).toBe(0);
  });

  it("refuses an integration whose test command's block, the one after every feature's, would end above 65535", async () => {
    // 53 features from 65000: the last, f53, is block 52, 65520-65529, inside, so it runs; the
    // integration's is block 53, 65530-65539.
    const ids = Array.from({ length: 53 }, (_, i) => `f${i + 1}`);
    const repo = makeRepo({
      '.gitignore': '.baton/\n',
      'baton.yaml': 'port_base: 65000\n',
      ...contractFiles(
        ids.map((id) => ({
          id,
          agent: { command: `mkdir -p src/${id} && echo "$PORT" > src/${id}/port.txt` },
        })),
      ),
    });
    repos.push(repo);
    const run = await runBaton(['run', 'f53'], { cwd: repo.root });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const r = await runBaton(['integrate', 'f53', '--test', 'test "$PORT" -le 65535'], { cwd: repo.root });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stderr).toContain(
      "baton: `port_base` 65000 (in baton.yaml) leaves no room for this integration's test command's port: it needs 54 blocks of 10, and the last, 65530-65539, ends above 65535, the highest TCP port [integrate/ports-exhausted]",
    );
    expect(r.stderr).toContain('hint: Set `port_base` in baton.yaml to at most 64996, then integrate again.');
    expect(repo.git('branch', '--list', 'baton/integration')).toBe('');
    // Without a test command no PORT of that block is handed out: the integration goes on.
    const plain = await runBaton(['integrate', 'f53'], { cwd: repo.root });
    expect(plain.code, plain.stdout + plain.stderr).toBe(0);
  });
});
