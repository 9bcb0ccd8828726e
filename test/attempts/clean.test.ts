// @module-tag slow
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { decideClean } from '../../src/clean/clean.js';
import type { CleanTarget } from '../../src/clean/inspect.js';
import type { AttemptEnded, BatonEvent } from '../../src/log/events.js';
import { readLog } from '../../src/log/read.js';
import { fixture, runBaton } from '../rig/cli.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

const AGENT = fixture('attempts', 'agent.mjs');
const agent = (args: string) => ({
  command: `${JSON.stringify(process.execPath)} ${JSON.stringify(AGENT)} api 0 ${args}`,
});

const attemptTarget = (over: Partial<CleanTarget>, facts: Partial<NonNullable<CleanTarget['attempt']>>) =>
  ({
    id: 'api.a1',
    kind: 'attempt',
    branch: 'baton/api.a1',
    tip: 'c1',
    dirty: [],
    unmerged: 1,
    mergeTargets: ['baton/api', 'main'],
    attempt: {
      featureId: 'api',
      attempt: 1,
      recorded: 'c1',
      tipRecorded: true,
      known: true,
      decided: true,
      winner: false,
      ...facts,
    },
    ...over,
  }) satisfies CleanTarget;

describe('baton clean and best-of-N attempts (rule)', () => {
  it.each([
    ['a loser whose tip is its recorded commit', {}, {}, 'remove', []],
    [
      'a loser with a commit made after the log recorded it',
      { tip: 'c2', unmerged: 2 },
      { tipRecorded: false },
      'refuse',
      ['2 commits not merged into baton/api or main'],
    ],
    [
      'a loser with uncommitted files',
      { dirty: ['src/api/x.ts'] },
      {},
      'refuse',
      ['uncommitted: src/api/x.ts'],
    ],
    [
      'an attempt of a feature with no winner yet',
      {},
      { decided: false },
      'refuse',
      ['best-of-N for api is not decided yet (`baton run --resume api` finishes it)'],
    ],
    ['the winner, its commit on baton/api', { unmerged: 0 }, { winner: true }, 'remove', []],
    [
      'an attempt the log does not know, with unmerged commits',
      {},
      { known: false, recorded: undefined, tipRecorded: false, decided: false },
      'refuse',
      ['1 commit not merged into baton/api or main'],
    ],
  ] as Array<[string, Partial<CleanTarget>, Partial<NonNullable<CleanTarget['attempt']>>, string, string[]]>)(
    '%s',
    (_name, over, facts, action, reasons) => {
      const [d] = decideClean([attemptTarget(over, facts)], { force: false, merged: false });
      expect(d?.action).toBe(action);
      expect(d?.reasons).toEqual(reasons);
    },
  );
});

describe('baton clean and best-of-N attempts (real run)', () => {
  it('removes attempt worktrees and loser branches, keeping the loser commit under refs/baton/clean-backup/ and printing it; refuses uncommitted or unrecorded work without --force', async () => {
    const contract = {
      feature_id: 'api',
      title: 'API',
      owns: ['src/api/**'],
      acceptance_criteria: [{ id: 'server', text: 'the server exists', run: 'test -f src/api/server.mjs' }],
      attempts: [agent('--lines 30'), agent('--lines 2')],
    };
    const repo = makeRepo({
      'README.md': '# app\n',
      'specs/api/contract.md': `---\n${stringify(contract)}---\nBuild the API.\n`,
    });
    repos.push(repo);
    const run = await runBaton(['run'], { cwd: repo.root });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const events = readLog(join(repo.root, '.baton', 'log.jsonl')).events as BatonEvent[];
    const ended = events.filter((e): e is AttemptEnded => e.type === 'attempt.ended');
    const loser = ended.find((e) => e.attempt === 1)!.commit!;
    expect(repo.git('rev-parse', 'baton/api')).toBe(repo.git('rev-parse', 'baton/api.a2'));
    const wt = (n: number) => join(repo.root, '..', 'repo.baton-worktrees', `api.a${n}`);
    expect(existsSync(wt(1)) && existsSync(wt(2))).toBe(true);
    const branches = () =>
      repo.git('for-each-ref', '--format=%(refname:short)', 'refs/heads/baton/').split('\n').filter(Boolean);

    // Work added to the loser by hand after the run: uncommitted, then committed (not in the log).
    writeFileSync(join(wt(1), 'by-hand.txt'), 'mine\n');
    const dirty = await runBaton(['clean', 'api.a1'], { cwd: repo.root });
    expect(dirty.code).toBe(1);
    expect(dirty.stdout).toMatch(/^ {2}api\.a1 {2}uncommitted: by-hand\.txt$/m);
    repo.git('-C', wt(1), 'add', '-A');
    repo.git('-C', wt(1), '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'by hand');
    const moved = await runBaton(['clean', 'api.a1'], { cwd: repo.root });
    expect(moved.code).toBe(1);
    expect(moved.stdout).toMatch(/^ {2}api\.a1 {2}2 commits not merged into baton\/api or main$/m);
    expect(branches()).toContain('baton/api.a1');
    repo.git('-C', wt(1), 'reset', '-q', '--hard', loser);

    // `baton clean api`: both attempts go (the loser's sha printed); the feature's own branch is unmerged, so kept.
    const r = await runBaton(['clean', 'api'], { cwd: repo.root });
    expect(r.code, r.stdout).toBe(1);
    expect(r.stdout).toMatch(/^Removed 2/m);
    expect(r.stdout).toContain(
      `api.a1  worktree ${wt(1)}, branch baton/api.a1; its commit ${loser} (attempt 1's, as the log records it) is kept as refs/baton/clean-backup/api.a1/${loser} (git branch baton/api.a1 ${loser} restores it)`,
    );
    expect(r.stdout).toMatch(/^ {2}api\.a2 {2}worktree .*api\.a2, branch baton\/api\.a2$/m);
    expect(r.stdout).toMatch(/^ {2}api {5}1 commit not merged into main$/m);
    expect(branches()).toEqual(['baton/api']);
    expect(existsSync(wt(1)) || existsSync(wt(2))).toBe(false);
    // The printed sha brings the loser back; the backup ref keeps it until then.
    expect(repo.git('rev-parse', `refs/baton/clean-backup/api.a1/${loser}`)).toBe(loser);
    repo.git('branch', 'baton/api.a1', loser);
    expect(repo.git('log', '-1', '--format=%s', 'baton/api.a1')).toBe('API');
  });
});
