// Each command `baton integrate` prints for the user to run next (after a refusal, an interruption, a
// clean result) is run as printed, by a shell with the built `baton` on PATH, and does what the
// command it follows would have done: the same features, from the same base, with the same test
// command and conflict policy, moving the same branch.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { printableArg } from '../../src/agents/shell-words.js';
import type { IntegrationStarted } from '../../src/log/events.js';
import { runAsPrinted, runBaton } from '../rig/cli.js';
import { contractFiles } from '../rig/contracts.js';
import type { TempRepo } from '../rig/repo.js';
import { makeRepo } from '../rig/repo.js';
import { until } from '../rig/wait.js';
import { logEvents, makeFourFeatures, projectRepo, recordStatus } from './fixture.js';

let repo: TempRepo | undefined;
afterEach(() => {
  repo?.cleanup();
  repo = undefined;
});

/** The last `integration.started` of the log. */
function lastStart(r: TempRepo): IntegrationStarted {
  const started = logEvents(r).findLast((e) => e.type === 'integration.started');
  if (started?.type !== 'integration.started') throw new Error('no integration.started');
  return started;
}

/** The one `baton integrate …` a text names after `before` (between backquotes, or to the line's end). */
function commandAfter(text: string, before: string): string {
  const at = text.indexOf(before);
  expect(at, text).toBeGreaterThanOrEqual(0);
  const rest = text.slice(at + before.length);
  const m = /^`?(baton integrate[^`\n]*?)(?:`|\.?\n|\.?$)/.exec(rest);
  expect(m, rest).not.toBeNull();
  return m?.[1] ?? '';
}

/** A repository with features a and b (each its own file, complete) and a branch `dev`: main and one commit outside every owns. */
function twoFeaturesAndDev(config: Record<string, unknown> = {}): TempRepo {
  const r = projectRepo([{ id: 'a' }, { id: 'b' }], config);
  r.git('branch', 'dev', 'main');
  const before = r.git('symbolic-ref', '--short', 'HEAD');
  r.git('checkout', '-q', 'dev');
  r.commit('dev work', { 'other.txt': 'dev\n' });
  r.git('checkout', '-q', before);
  return r;
}

describe('the commands baton integrate prints, run as printed', () => {
  it('a start over after --into was refused integrates from the same --base', async () => {
    // a's work is outside its owns (whatever the log says of its owns check); dev is a branch main
    // holds (one with commits of its own is refused before anything merges: integrate/into-base).
    repo = projectRepo([{ id: 'a', owns: ['src/elsewhere/**'] }, { id: 'b' }]);
    repo.git('branch', 'dev', 'main');
    const main = repo.git('rev-parse', 'main');
    const dev = repo.git('rev-parse', 'dev');
    // main stays, and the hint says how to start over.
    const first = await runBaton(['integrate', '--into', 'main', '--base', 'dev', '--test', 'true'], {
      cwd: repo.root,
    });
    expect(first.code, first.stdout + first.stderr).toBe(1);
    expect(first.stdout).toContain('main left where it was: git shows changes outside owns');
    expect(lastStart(repo)).toMatchObject({ base_commit: dev, base_ref: 'dev' });
    const fresh = commandAfter(first.stdout, 'then integrate again: ');
    expect(fresh).toBe('baton integrate --fresh --test true --into main --base dev');

    const again = runAsPrinted(repo.root, fresh);
    // The same integration again, from dev, refused for the same reason (not one from the default base).
    expect(again.code, again.stdout + again.stderr).toBe(1);
    expect(again.stderr).not.toContain('integrate/hand-made-commits');
    expect(again.stdout).toContain('main left where it was: git shows changes outside owns');
    expect(lastStart(repo)).toMatchObject({ base_commit: dev, base_ref: 'dev', order: ['a', 'b'] });
    expect(repo.git('rev-parse', 'main')).toBe(main);
  });

  it('after Ctrl-C, the --continue keeps --on-conflict skip: the conflict is skipped, not stopped at', async () => {
    repo = makeFourFeatures().repo;
    recordStatus(repo, ['a', 'b', 'c', 'd']);
    // The test command blocks once, after a's merge, for Ctrl-C to come; later runs pass at once.
    const started = join(repo.root, '..', 'test.started');
    const test = `if [ ! -e ${started} ]; then echo $$ > ${started}; sleep 30; fi`;
    const flags = ['--on-conflict', 'skip', '--test', test, '--into', 'main'];
    const stopped = await runBaton(['integrate', ...flags], {
      cwd: repo.root,
      interrupt: (fire) => {
        void until(() => existsSync(started) && readFileSync(started, 'utf8').trim() !== '', 30_000).then(
          fire,
        );
      },
    });
    expect(stopped.code, stopped.stdout + stopped.stderr).toBe(1);
    expect(stopped.stderr).toContain('integration interrupted');
    const next = commandAfter(stopped.stderr, 'go on with ');
    expect(next).toBe(
      `baton integrate --continue --test ${printableArg(test)} --into main --on-conflict skip`,
    );
    // The start over it offers keeps the policy too.
    expect(commandAfter(stopped.stderr, 'or start over with ')).toBe(
      `baton integrate --fresh --test ${printableArg(test)} --into main --on-conflict skip`,
    );

    const went = runAsPrinted(repo.root, next);
    // b conflicts with a: skipped, as the integration was asked; c and d merged after it.
    expect(went.stdout).not.toContain('The merge is left in progress');
    const ended = logEvents(repo).findLast((e) => e.type === 'integration.ended');
    expect(ended).toMatchObject({ outcome: 'partial' });
    const skipped = logEvents(repo).filter((e) => e.type === 'merge.skipped');
    expect(skipped).toEqual([expect.objectContaining({ feature_id: 'b', kind: 'conflict' })]);
    expect(went.code).toBe(1);
  });

  it('after a clean integration, the --continue --into <branch> it offers keeps --test', async () => {
    repo = twoFeaturesAndDev();
    const test = 'test -d src';
    const clean = await runBaton(['integrate', '--test', test], { cwd: repo.root });
    expect(clean.code, clean.stdout + clean.stderr).toBe(0);
    const offered = commandAfter(clean.stdout, 'To move a branch to this result: ');
    expect(offered).toBe(`baton integrate --continue --test ${printableArg(test)} --into <branch>`);

    const moved = runAsPrinted(repo.root, offered.replace('<branch>', 'main'));
    expect(moved.code, moved.stdout + moved.stderr).toBe(0);
    expect(repo.git('rev-parse', 'main')).toBe(repo.git('rev-parse', 'baton/integration'));
  });

  it('Ctrl-C before anything merged: the command to run again is the one interrupted, features and flags kept', async () => {
    repo = twoFeaturesAndDev();
    const test = 'test -d src/a';
    const flags = ['a', '--test', test, '--base', 'dev', '--on-conflict', 'skip'];
    const stopped = await runBaton(['integrate', ...flags], {
      cwd: repo.root,
      interrupt: (fire) => fire(),
    });
    expect(stopped.code).toBe(1);
    expect(stopped.stderr).toContain('[integrate/interrupted]');
    expect(logEvents(repo).some((e) => e.type === 'integration.started')).toBe(false);
    const again = commandAfter(stopped.stderr, 'Run ');
    expect(again).toBe(`baton integrate a --test ${printableArg(test)} --base dev --on-conflict skip`);

    const ran = runAsPrinted(repo.root, again);
    expect(ran.code, ran.stdout + ran.stderr).toBe(0);
    expect(lastStart(repo)).toMatchObject({
      order: ['a'],
      test,
      on_conflict: 'skip',
      base_commit: repo.git('rev-parse', 'dev'),
      named: ['a'],
      base_ref: 'dev',
    });
  });

  it('the steps to resolve a conflict on files a side deleted, and a binary one, work as printed', async () => {
    // a deletes m.txt and changes k.txt; b changes m.txt and deletes k.txt; both write bin.dat (binary).
    repo = makeRepo({
      '.gitignore': '.baton/\n',
      'baton.config.json': '{}\n',
      'shared/m.txt': 'base\n',
      'shared/k.txt': 'base\n',
      ...contractFiles([
        { id: 'a', owns: ['shared/**'] },
        { id: 'b', owns: ['shared/**'] },
      ]),
    });
    const r = repo;
    const side = (id: string, remove: string, change: string) => {
      r.git('checkout', '-q', '-b', `baton/${id}`, 'main');
      r.git('rm', '-q', remove);
      r.commit(`${id}: work`, { [change]: `changed by ${id}\n`, 'shared/bin.dat': `\0${id}\0` });
      r.git('checkout', '-q', 'main');
    };
    side('a', 'shared/m.txt', 'shared/k.txt');
    side('b', 'shared/k.txt', 'shared/m.txt');
    recordStatus(r, ['a', 'b']);
    const stopped = await runBaton(['integrate', '--test', 'true'], { cwd: r.root });
    expect(stopped.code, stopped.stdout + stopped.stderr).toBe(1);
    const text = stopped.stdout;
    const steps = text
      .slice(text.indexOf('To resolve it:\n') + 15, text.indexOf('Or skip the feature'))
      .split('\n');
    const wt = join(r.root, '..', 'repo.baton-worktrees', 'integration');
    expect(steps).toEqual([
      `  cd ${wt}`,
      "  # shared/k.txt: baton/b deleted it, baton/integration changed it: keep baton/integration's (as it is in the worktree, or git checkout --ours -- shared/k.txt), or delete it: rm -- shared/k.txt",
      "  # shared/m.txt: baton/integration deleted it, baton/b changed it: keep baton/b's (as it is in the worktree, or git checkout --theirs -- shared/m.txt), or delete it: rm -- shared/m.txt",
      "  # shared/bin.dat holds no conflict markers (a binary file): keep one side: git checkout --ours -- <file> (baton/integration's), or --theirs (baton/b's)",
      '  git add -A -- shared/bin.dat shared/k.txt shared/m.txt',
      '  baton integrate --continue --test true',
      '',
    ]);
    // Keep k.txt as the integration has it, drop m.txt, keep b's bin.dat: each command as the comments print it.
    const pick = (re: RegExp) => re.exec(text)?.[1] ?? 'false';
    const script = [
      'set -e',
      steps[0],
      pick(/\(as it is in the worktree, or (git checkout --ours -- shared\/k\.txt)\)/),
      pick(/or delete it: (rm -- shared\/m\.txt)/),
      'git checkout --theirs -- shared/bin.dat',
      steps[4],
      steps[5],
    ].join('\n');
    const went = runAsPrinted(r.root, script);
    expect(went.code, went.stdout + went.stderr).toBe(0);
    const tree = r.git('ls-tree', '-r', '--name-only', 'baton/integration');
    expect(tree.split('\n')).toEqual(expect.arrayContaining(['shared/bin.dat', 'shared/k.txt']));
    expect(tree).not.toContain('shared/m.txt');
    expect(r.git('show', 'baton/integration:shared/k.txt')).toBe('changed by a');
    expect(r.git('show', 'baton/integration:shared/bin.dat')).toBe('\0b\0');
  });
});
