// Every line that says how to go on names the same `--continue`, with the test command and the branch
// the integration was given, and a `--continue` that would run another test command than the one the
// integration began with (the config's, unasked) is refused before anything merges or moves.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { printableArg } from '../../src/agents/shell-words.js';
import { TEST_FROM_LOG } from '../../src/integrate/continue-command.js';
import { runBaton } from '../rig/cli.js';
import type { TempRepo } from '../rig/repo.js';
import { until } from '../rig/wait.js';
import { logEvents, makeFourFeatures, projectRepo, recordStatus } from './fixture.js';

let repo: TempRepo | undefined;
afterEach(() => {
  repo?.cleanup();
  repo = undefined;
});

/** Fires Ctrl-C once the test command wrote `file`, the sign that it runs. */
function ctrlCOnceWritten(file: string): (fire: () => void) => void {
  return (fire) => {
    void until(() => existsSync(file) && readFileSync(file, 'utf8').trim() !== '', 30_000).then(fire);
  };
}

/** The `--continue` commands a text names, each as printed between backquotes or at a line's end. */
function continueCommands(text: string): string[] {
  return [...text.matchAll(/baton integrate --continue[^`\n]*?(?=`|\.?\n|\.?$|, or)/g)].map((m) => m[0]);
}

describe('the --continue every hint names', () => {
  it('after Ctrl-C: stdout and stderr name the same test and branch; the config’s test is refused, --test is taken', async () => {
    repo = projectRepo([{ id: 'f1' }, { id: 'f2' }], { test: 'true' });
    const started = join(repo.root, '..', 'test.started');
    const test = `echo $$ > ${started}; sleep 20`;
    const main = repo.git('rev-parse', 'main');
    const r = await runBaton(['integrate', '--test', test, '--into', 'main'], {
      cwd: repo.root,
      interrupt: ctrlCOnceWritten(started),
    });
    expect(r.code).toBe(1);
    const expected = `baton integrate --continue --test ${printableArg(test)} --into main`;
    expect(continueCommands(r.stderr)).toEqual([expected]);
    expect(continueCommands(r.stdout)).toEqual([expected]);

    // The stdout hint of old (`--continue --into main`), which would run the config's `true`.
    const before = logEvents(repo).length;
    const plain = await runBaton(['integrate', '--continue', '--into', 'main'], { cwd: repo.root });
    expect(plain.code).toBe(1);
    expect(plain.stderr).toContain('[integrate/test-differs]');
    expect(plain.stderr).toContain(`\`${expected}\``);
    // Starting over instead keeps the branch to move (and, unnamed, runs the config's test).
    expect(plain.stderr).toContain('or start over: `baton integrate --fresh --into main`');
    expect(plain.stdout).toBe('');
    expect(repo.git('rev-parse', 'main')).toBe(main);
    expect(logEvents(repo)).toHaveLength(before);

    // Another command given with --test is the user's choice: taken, and said so.
    const chosen = await runBaton(['integrate', '--continue', '--test', 'true', '--into', 'main'], {
      cwd: repo.root,
    });
    expect(chosen.code, chosen.stdout + chosen.stderr).toBe(0);
    expect(chosen.stdout).toContain(
      `note: the integration began with the test command \`${test}\`; this --continue runs \`true\`, as its --test asks`,
    );
    expect(repo.git('rev-parse', 'main')).toBe(repo.git('rev-parse', 'baton/integration'));
  });

  it('at a conflict: the stop, the refusal of a new integrate and of a stray one all name --test and --into', async () => {
    repo = makeFourFeatures().repo;
    recordStatus(repo, ['a', 'b', 'c', 'd']);
    const stop = await runBaton(['integrate', '--test', 'true', '--into', 'main'], { cwd: repo.root });
    expect(stop.code).toBe(1);
    const expected = 'baton integrate --continue --test true --into main';
    expect(continueCommands(stop.stdout)).toEqual([expected]);
    // A new integrate while the conflict waits: integrate/merge-in-progress says how to go on.
    const again = await runBaton(['integrate', '--test', 'true', '--into', 'main'], { cwd: repo.root });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('[integrate/merge-in-progress]');
    expect(continueCommands(again.stderr)).toEqual([expected]);
    // Its other way, starting over, keeps them too.
    expect(again.stderr).toContain('and run `baton integrate --fresh --test true --into main`');
    // A bare `baton integrate` (no flags) is offered both ways with the integration's --test and --into.
    const bare = await runBaton(['integrate'], { cwd: repo.root });
    expect(bare.stderr).toContain('[integrate/merge-in-progress]');
    expect(continueCommands(bare.stderr)).toEqual([expected]);
    // Its test is the log's word on either command: each says so.
    expect(bare.stderr).toContain(
      `and run \`baton integrate --fresh --test true --into main\`${TEST_FROM_LOG}.`,
    );
    // A --continue refused for an unresolved path names itself again, flags and all.
    const early = await runBaton(['integrate', '--continue', '--test', 'true', '--into', 'main'], {
      cwd: repo.root,
    });
    expect(early.stderr).toContain('[integrate/unresolved]');
    expect(continueCommands(early.stderr)).toEqual([expected]);
  });

  it('carry a --test-timeout that is not the default: the stop, status, a refused --continue and the log', async () => {
    repo = makeFourFeatures().repo;
    recordStatus(repo, ['a', 'b', 'c', 'd']);
    const flags = ['--test', 'true', '--test-timeout', '3600', '--into', 'main'];
    const stop = await runBaton(['integrate', ...flags], { cwd: repo.root });
    expect(stop.code).toBe(1);
    // Without it, the suite pasted from a hint would be stopped at the default 900 s.
    const expected = 'baton integrate --continue --test true --test-timeout 3600 --into main';
    const fresh = 'baton integrate --fresh --test true --test-timeout 3600 --into main';
    expect(continueCommands(stop.stdout)).toEqual([expected]);
    expect(stop.stdout).toContain(`then ${fresh} --on-conflict skip`);
    expect(logEvents(repo).find((e) => e.type === 'integration.started')).toMatchObject({
      test_timeout_s: 3600,
    });
    const status = await runBaton(['status'], { cwd: repo.root });
    expect(continueCommands(status.stdout)).toEqual([expected]);
    expect(status.stdout).toContain(`or start over with \`${fresh}\``);
    // A --continue refused for an unresolved path names itself again, its timeout too.
    const early = await runBaton(['integrate', '--continue', ...flags], { cwd: repo.root });
    expect(early.stderr).toContain('[integrate/unresolved]');
    expect(continueCommands(early.stderr)).toEqual([expected]);
  });
});
