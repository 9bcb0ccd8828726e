// The commands `baton run` prints for the user to run next, run as printed by a shell with the built
// `baton` on PATH, do what the run they follow would: a resume takes the run's features, mode,
// concurrency and attempts from the log, but its `--base` only from its command line, so the printed
// resume names it; and the integration it points to starts from the base the features were cut from.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runAsPrinted, runBaton } from '../rig/cli.js';
import { contractFiles } from '../rig/contracts.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';
import { until } from '../rig/wait.js';

let repo: TempRepo | undefined;
const folders: string[] = [];
afterEach(() => {
  repo?.cleanup();
  repo = undefined;
  for (const f of folders.splice(0)) rmSync(f, { recursive: true, force: true });
});

/** A path in a folder of its own, removed after the test. */
function scratchPath(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'baton-hold-'));
  folders.push(dir);
  return join(dir, name);
}

/** The command a text names between backquotes after `before`. */
function commandAfter(text: string, before: string): string {
  const m = new RegExp(`${before.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\`([^\`]*)\``).exec(text);
  expect(m, text).not.toBeNull();
  return m?.[1] ?? '';
}

/**
 * Features a and b, each writing its own file (a waits the first time, until `hold` is gone, for
 * Ctrl-C to come), and a branch `dev`: main and one commit more.
 */
function repoWithDev(hold: string): TempRepo {
  const r = makeRepo({
    '.gitignore': '.baton/\n',
    ...contractFiles(
      ['a', 'b'].map((id) => ({
        id,
        agent: {
          command: `${id === 'a' ? `if [ -e ${hold} ]; then rm ${hold}; sleep 30; fi; ` : ''}mkdir -p src/${id} && echo ${id} > src/${id}/x.txt`,
        },
      })),
    ),
  });
  r.git('branch', 'dev', 'main');
  const before = r.git('symbolic-ref', '--short', 'HEAD');
  r.git('checkout', '-q', 'dev');
  r.commit('dev work', { 'dev.txt': 'dev\n' });
  r.git('checkout', '-q', before);
  return r;
}

describe('the commands baton run prints, run as printed', () => {
  it('after Ctrl-C, the resume cuts what had not started from the run’s --base, and the integration it names starts there', async () => {
    const hold = scratchPath('hold');
    repo = repoWithDev(hold);
    writeFileSync(hold, '');
    // One at a time: b has not started when Ctrl-C stops a.
    const stopped = await runBaton(['run', '-j', '1', '--base', 'dev'], {
      cwd: repo.root,
      interrupt: (fire) => {
        void until(() => !existsSync(hold), 30_000).then(fire);
      },
    });
    expect(stopped.code, stopped.stdout + stopped.stderr).toBe(1);
    expect(repo.git('branch', '--list', 'baton/b')).toBe('');
    const resume = commandAfter(stopped.stdout, 'To go on where it stopped: ');
    expect(resume).toBe('baton run --resume --base dev');

    const resumed = runAsPrinted(repo.root, resume);
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    const dev = repo.git('rev-parse', 'dev');
    // Both cut from dev, as the run that was interrupted would have cut them.
    for (const id of ['a', 'b']) {
      expect(repo.git('merge-base', 'dev', `baton/${id}`), id).toBe(dev);
    }

    const integrate = commandAfter(resumed.stdout, 'Next: ');
    expect(integrate).toBe('baton integrate --base dev');
  });

  it('after a run with --base, the integration it names starts from that base', async () => {
    repo = repoWithDev(scratchPath('no-hold'));
    const ran = await runBaton(['run', '--base', 'dev'], { cwd: repo.root });
    expect(ran.code, ran.stdout + ran.stderr).toBe(0);
    const integrate = commandAfter(ran.stdout, 'Next: ');
    expect(integrate).toBe('baton integrate --base dev');
    // `baton integrate` alone starts from main, which lacks what the branches were cut from: refused.
    const integrated = runAsPrinted(repo.root, integrate);
    expect(integrated.code, integrated.stdout + integrated.stderr).toBe(0);
    expect(integrated.stdout).toContain('Integration clean');
  });
});
