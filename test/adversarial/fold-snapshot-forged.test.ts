/**
 * Agents may rewrite `.baton/cache/status-fold.json`, keeping its mark (an unkeyed hash of the log,
 * which still holds) and changing the state beside it: the commands that decide on a feature's status
 * fold the log themselves; only `status` (which decides nothing) starts from the snapshot.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runBaton } from '../rig/cli.js';
import { contractFiles } from '../rig/contracts.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

/** fa's check passes; fb's fails (its agent writes BAD, its check wants GOOD). */
function repoWithFailure(): TempRepo {
  const r = makeRepo({
    'README.md': '# app\n',
    '.gitignore': '.baton/\n',
    ...contractFiles([
      {
        id: 'fa',
        agent: { command: 'mkdir -p src/fa && echo GOOD > src/fa/a.txt' },
        criteria: [{ id: 'ok', text: 'the file says GOOD', run: 'grep -q GOOD src/fa/a.txt' }],
      },
      {
        id: 'fb',
        agent: { command: 'mkdir -p src/fb && echo BAD > src/fb/b.txt' },
        criteria: [{ id: 'ok', text: 'the file says GOOD', run: 'grep -q GOOD src/fb/b.txt' }],
      },
    ]),
  });
  cleanups.push(() => r.cleanup());
  return r;
}

/** What any process running as the user can do: fb complete with passed checks, the log untouched. */
function forgeSnapshot(root: string): void {
  const file = join(root, '.baton', 'cache', 'status-fold.json');
  const snap = JSON.parse(readFileSync(file, 'utf8'));
  const fb = snap.state.features.fb;
  fb.status = 'complete';
  delete fb.reason;
  for (const c of Object.values(fb.checks) as Array<{ outcome: string; message?: string }>) {
    c.outcome = 'passed';
    c.message = 'exit 0';
  }
  writeFileSync(file, JSON.stringify(snap));
}

async function statusOf(root: string, id: string): Promise<string | undefined> {
  const res = await runBaton(['status', '--json'], { cwd: root });
  const features = JSON.parse(res.stdout).features as Array<{ feature_id: string; status: string }>;
  return features.find((f) => f.feature_id === id)?.status;
}

describe('adversarial: a forged status snapshot decides nothing', () => {
  it('integrate leaves out the feature whose check failed in the log, and resume runs it again', async () => {
    const r = repoWithFailure();
    expect((await runBaton(['run'], { cwd: r.root })).code).toBe(1);
    expect(await statusOf(r.root, 'fb')).toBe('failed-checks');
    forgeSnapshot(r.root);
    // The forged state is the one the snapshot serves: `status`, which only shows it, sees it.
    expect(await statusOf(r.root, 'fb')).toBe('complete');

    const integrated = await runBaton(['integrate'], { cwd: r.root });
    const files = r.git('ls-tree', '-r', '--name-only', 'baton/integration');
    expect(files, integrated.stdout + integrated.stderr).toContain('src/fa/a.txt');
    expect(files).not.toContain('src/fb/b.txt');

    // `run --resume` takes fb's status from the log (failed-checks), so it runs fb's agent again.
    forgeSnapshot(r.root);
    const resumed = await runBaton(['run', '--resume', 'fb'], { cwd: r.root });
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(1);
    expect(await statusOf(r.root, 'fb')).toBe('failed-checks');
  });
});
