// A plain `baton run` after an integration moved the work onto main (and `clean --merged` removed the
// branches) used to start every feature's agent again: paid work redone, each ending `empty`. A
// feature whose completed commit the base holds is now left out of a run that does not name it, said
// on the run's first line; named, it runs. The log only ever leaves a feature out when git agrees.
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { BatonEvent } from '../../src/log/events.js';
import { readLog } from '../../src/log/read.js';
import { runBaton } from '../rig/cli.js';
import { contractFiles, contractText, type TestContract } from '../rig/contracts.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

const writes = (id: string, depends: string[] = []): TestContract => ({
  id,
  depends,
  agent: { command: `mkdir -p src/${id} && echo ${id} > src/${id}/x.txt` },
  criteria: [{ id: 'there', text: 'its file is there', run: `test -f src/${id}/x.txt` }],
});

function project(contracts: TestContract[]): TempRepo {
  const repo = makeRepo({ '.gitignore': '.baton/\n', ...contractFiles(contracts) });
  repos.push(repo);
  return repo;
}

const events = (repo: TempRepo) => readLog(join(repo.root, '.baton', 'log.jsonl')).events as BatonEvent[];
/** The features of the last `run.started`. */
const lastRunFeatures = (repo: TempRepo) => {
  const started = events(repo).findLast((e) => e.type === 'run.started');
  return started?.type === 'run.started' ? started.feature_ids : undefined;
};
const runsStarted = (repo: TempRepo) => events(repo).filter((e) => e.type === 'run.started').length;

async function baton(repo: TempRepo, args: string[]) {
  return runBaton(args, { cwd: repo.root });
}

/** Runs and integrates everything onto main, removes the merged branches, then adds feature `next`. */
async function deliveredThenNew(repo: TempRepo, next: TestContract): Promise<void> {
  expect((await baton(repo, ['run'])).code).toBe(0);
  const integrated = await baton(repo, ['integrate', '--into', 'main']);
  expect(integrated.code, integrated.stdout + integrated.stderr).toBe(0);
  expect((await baton(repo, ['clean', '--merged'])).code).toBe(0);
  repo.commit(`add ${next.id}`, { [`specs/${next.id}/contract.md`]: contractText(next) });
}

describe('a plain run leaves out features whose work the base holds', () => {
  it('runs only the new feature after the others were integrated onto main, and says which it left out', async () => {
    const repo = project([writes('a'), writes('b')]);
    await deliveredThenNew(repo, writes('c'));
    const r = await baton(repo, ['run']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe(
      'left out a, b: their work is already in HEAD (the commit each completed on is there); to run them again, name them: baton run a b',
    );
    expect(lastRunFeatures(repo)).toEqual(['c']);
    expect(r.stdout).toContain('1/1 features complete');

    // Everything delivered: nothing runs, and that is no failure.
    expect((await baton(repo, ['integrate', '--into', 'main'])).code).toBe(0);
    const before = runsStarted(repo);
    const none = await baton(repo, ['run']);
    expect(none.code).toBe(0);
    expect(none.stdout).toBe(
      'nothing to run: the work of every feature (a, b, c) is already in HEAD (the commit each completed on is there); to run them again, remove what is left of the last run first (its branch baton/c is still there): baton clean c, then baton run a b c\n',
    );
    expect(runsStarted(repo)).toBe(before);
    // --json prints its summary on stdout even then (the sentence goes to stderr), and bad flags are
    // refused as on any run rather than passed over because nothing runs.
    const json = await baton(repo, ['run', '--json']);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({
      run_id: null,
      outcome: 'nothing-to-run',
      duration_ms: 0,
      features: [],
      left_out: ['a', 'b', 'c'],
    });
    expect(json.stderr).toContain('nothing to run: the work of every feature (a, b, c)');
    for (const [flags, code] of [
      [['-j', '0'], 'run/bad-jobs'],
      [['--attempts', '0'], 'run/bad-attempts'],
      [['--radar-interval', '-5'], 'run/bad-radar-interval'],
      [['--auto-finish', 'soon'], 'run/bad-auto-finish'],
      // As a run that starts refuses them: --restart without --resume (a delivered feature is complete),
      // a --hub no queue uses, best-of-N with no checks to pick the winner.
      [['--restart', 'a'], 'run/restart-complete'],
      [['--restart', 'zz'], 'run/restart-unknown'],
      [['--hub', '../hub.git'], 'run/hub-without-queue'],
    ] as const) {
      const bad = await baton(repo, ['run', ...flags]);
      expect(bad.code, bad.stdout).toBe(2);
      expect(bad.stderr).toContain(`[${code}]`);
    }
    const unchecked = await baton(repo, ['run', '--attempts', '2', '--no-verify']);
    expect(unchecked.code, unchecked.stdout).toBe(1);
    expect(unchecked.stderr).toContain(
      '--attempts 2 asks for best-of-N, whose winner the acceptance checks pick',
    );
    expect(unchecked.stderr).toContain('[run/attempts-unchecked]');
    // An agent Baton does not know, by --agent or among --attempts', is refused as when it would start.
    for (const flags of [
      ['--agent', 'zz'],
      ['--attempts', 'zz'],
      ['--attempts', 'claude,zz'],
    ]) {
      const bad = await baton(repo, ['run', ...flags]);
      expect(bad.code, bad.stdout).toBe(1);
      expect(bad.stderr).toContain('baton: unknown agent "zz"');
      expect(bad.stderr).toContain('[agents/unknown]');
    }
    expect(runsStarted(repo)).toBe(before);

    // Named, a delivered feature runs (its agent finds its work there).
    const named = await baton(repo, ['run', 'a']);
    expect(lastRunFeatures(repo)).toEqual(['a']);
    expect(named.stdout).not.toContain('left out');
  });

  it('with the branches not cleaned, names the clean that lets the run it gives go ahead, and both work', async () => {
    const repo = project([writes('a'), writes('b')]);
    expect((await baton(repo, ['run'])).code).toBe(0);
    expect((await baton(repo, ['integrate', '--into', 'main'])).code).toBe(0);
    repo.commit('add c', { 'specs/c/contract.md': contractText(writes('c')) });
    const r = await baton(repo, ['run']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe(
      'left out a, b: their work is already in HEAD (the commit each completed on is there); to run them again, remove what is left of the last run first (their branches are still there): baton clean a b, then baton run a b',
    );
    const clean = await baton(repo, ['clean', 'a', 'b']);
    expect(clean.code, clean.stdout + clean.stderr).toBe(0);
    // They run (and find their work already there: this agent writes the same file again).
    const again = await baton(repo, ['run', 'a', 'b']);
    expect(again.stderr).not.toContain('run/branch-exists');
    expect(again.stdout).toContain('a: empty — the agent exited 0 but changed nothing');
    expect(lastRunFeatures(repo)).toEqual(['a', 'b']);
  });

  it('leaves nothing out on a log git does not agree with: a commit main lacks, one that does not exist, one that changed nothing', async () => {
    const repo = project([writes('a'), writes('b'), writes('c')]);
    expect((await baton(repo, ['run'])).code).toBe(0);
    // Never integrated: their commits are on no branch main holds once the branches are gone.
    expect((await baton(repo, ['clean', '--force', 'a', 'b', 'c'])).code).toBe(0);
    const log = events(repo);
    const last = (type: BatonEvent['type'], id: string) =>
      log.findLast((e) => e.type === type && 'feature_id' in e && e.feature_id === id) as BatonEvent;
    const started = last('feature.started', 'c');
    const cutFrom = started.type === 'feature.started' ? started.base_commit : undefined;
    expect(cutFrom).toBe(repo.git('rev-parse', 'HEAD'));
    const forged = [
      // b completed on a commit no repository has.
      { ...last('agent.exited', 'b'), commit: 'f'.repeat(40) },
      last('feature.ended', 'b'),
      // c "completed" on the commit it was cut from, which main holds: it changed nothing.
      { ...last('agent.exited', 'c'), commit: cutFrom },
      last('feature.ended', 'c'),
    ];
    appendFileSync(
      join(repo.root, '.baton', 'log.jsonl'),
      forged.map((l) => `${JSON.stringify(l)}\n`).join(''),
    );
    const r = await baton(repo, ['run', '--dry-run']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).not.toContain('left out');
    for (const id of ['a', 'b', 'c']) expect(r.stdout).toContain(`${id}: in `);
  });

  it('--wait-for-deps takes a dependency integrated onto main, its branch cleaned up, as there', async () => {
    const repo = project([writes('a')]);
    await deliveredThenNew(repo, writes('d', ['a']));
    const r = await baton(repo, ['run', '--wait-for-deps', 'd']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(lastRunFeatures(repo)).toEqual(['d']);

    // A dependency whose work is neither on a branch nor in the base is still refused.
    const other = project([writes('a'), writes('d', ['a'])]);
    expect((await baton(other, ['run', 'a'])).code).toBe(0);
    expect((await baton(other, ['clean', '--force', 'a'])).code).toBe(0);
    const refused = await baton(other, ['run', '--wait-for-deps', 'd']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      'd depends on a (complete, but its branch baton/a is gone and HEAD does not hold its work)',
    );
  });
});
