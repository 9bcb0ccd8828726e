import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Contract } from '../../src/contracts/schema.js';
import { UserError } from '../../src/errors.js';
import { gitRefusal } from '../../src/git/merge.js';
import {
  type ConflictResolver,
  continueIntegration,
  type StartIntegrationOptions,
  startIntegration,
} from '../../src/integrate/merge.js';
import type { BatonEvent } from '../../src/log/events.js';
import { readLog } from '../../src/log/read.js';
import { spawnSupervised } from '../../src/process/supervise.js';
import { cachedRepo, makeRepo, type TempRepo } from '../rig/repo.js';
import { checkoutSnapshot, contract, featureBranch, lines, makeFourFeatures, planOf } from './fixture.js';

let repo: TempRepo | undefined;
afterEach(() => {
  repo?.cleanup();
  repo = undefined;
});

function optionsFor(r: TempRepo, contracts: Contract[], extra: Partial<StartIntegrationOptions> = {}) {
  const plan = planOf(contracts);
  const options: StartIntegrationOptions = {
    root: r.root,
    plan,
    logPath: join(r.root, '.baton', 'log.jsonl'),
    clock: () => new Date(),
    env: process.env,
    branch: 'baton/integration',
    testTimeoutMs: 30_000,
    portBase: 41000,
    features: plan.order,
    notRun: [],
    base: r.git('rev-parse', 'main'),
    worktreePath: join(dirname(r.root), 'repo.baton-worktrees', 'integration'),
    fresh: false,
    ...extra,
  };
  return options;
}

function events(r: TempRepo): BatonEvent[] {
  return readLog(join(r.root, '.baton', 'log.jsonl'), undefined, { final: true }).events as BatonEvent[];
}

function gitIn(cwd: string, ...args: string[]): string {
  return (repo as TempRepo).git('-C', cwd, ...args);
}

/** Four features that each add their own file: every merge is clean. */
function makeIndependent(n = 4): { repo: TempRepo; contracts: Contract[] } {
  const contracts = Array.from({ length: n }, (_, i) =>
    contract(`f${i + 1}`, { owns: [`src/f${i + 1}/**`] }),
  );
  // Built once per test process for each n, then copied.
  const r = cachedRepo(`independent:${n}`, () => {
    const built = makeRepo({ '.gitignore': '.baton/\n', 'README.md': '# x\n' });
    for (const c of contracts)
      featureBranch(built, c.feature_id, { [`src/${c.feature_id}/index.ts`]: `// ${c.feature_id}\n` });
    return built;
  });
  return { repo: r, contracts };
}

describe('startIntegration with --on-conflict stop', () => {
  // One stop at the conflict, then what goes on from it: each used to build the same stop on its own.
  it('halts at the conflicting pair, leaves the merge in progress, and never touches the user checkout; refuses --fresh while the conflict waits; continues after the conflict is resolved by hand, refusing while it is not', async () => {
    const f = makeFourFeatures();
    repo = f.repo;
    const before = checkoutSnapshot(repo);
    const result = await startIntegration(optionsFor(repo, f.contracts));

    expect(result.outcome).toBe('conflict');
    expect(result.conflict).toMatchObject({
      feature_id: 'b',
      files: ['src/routes.ts'],
      with: ['a'],
      owners: { 'src/routes.ts': ['a', 'b'] },
      index: 2,
      total: 4,
    });
    expect(result.steps.map((s) => `${s.feature_id}:${s.status}`)).toEqual(['a:merged', 'b:conflict']);
    expect(checkoutSnapshot(repo)).toEqual(before);
    expect(gitIn(result.worktree, 'rev-parse', '-q', '--verify', 'MERGE_HEAD')).toBe(
      repo.git('rev-parse', 'baton/b'),
    );
    expect(gitIn(result.worktree, 'symbolic-ref', '--short', 'HEAD')).toBe('baton/integration');

    const log = events(repo);
    expect(log.map((e) => e.type)).toEqual([
      'phase.started',
      'integration.started',
      'merge.clean',
      'merge.conflict',
      'integration.ended',
      'phase.ended',
    ]);
    const started = log[1] as Extract<BatonEvent, { type: 'integration.started' }>;
    expect(started.order).toEqual(['a', 'b', 'c', 'd']);
    expect(started.worktree).toBe(result.worktree);
    const conflict = log[3] as Extract<BatonEvent, { type: 'merge.conflict' }>;
    expect(conflict).toMatchObject({ feature_id: 'b', files: ['src/routes.ts'], with: ['a'] });
    expect(conflict.duration_ms).toBeGreaterThanOrEqual(0);

    // The stop above, gone on with: `--fresh` is refused while the conflict waits (the integration
    // branch: refuses --fresh while a conflict is being resolved).
    const err = await startIntegration(optionsFor(repo, f.contracts, { fresh: true })).catch(
      (e: unknown) => e,
    );
    expect(err, 'refuses --fresh while a conflict is being resolved').toBeInstanceOf(UserError);
    expect(err).toMatchObject({ code: 'integrate/merge-in-progress' });

    // Continues after the conflict is resolved by hand, refusing while it is not.
    const wt = result.worktree;
    const opts = optionsFor(repo, f.contracts);

    // The hint names the command that marks the paths resolved, with the paths themselves.
    const mark = `git -C ${wt} add -- src/routes.ts`;
    await expect(continueIntegration(opts)).rejects.toMatchObject({
      code: 'integrate/unresolved',
      hint: expect.stringContaining(mark),
    });
    // Staged, but the markers are still in the file.
    gitIn(wt, 'add', 'src/routes.ts');
    await expect(continueIntegration(opts)).rejects.toMatchObject({
      code: 'integrate/conflict-markers',
      hint: expect.stringContaining(mark),
    });

    writeFileSync(join(wt, 'src/routes.ts'), lines(20, { 10: 'route a', 11: 'route b' }));
    gitIn(wt, 'add', 'src/routes.ts');
    const continued = await continueIntegration(opts);

    expect(continued.outcome).toBe('clean');
    expect(continued.steps.map((s) => `${s.feature_id}:${s.status}`)).toEqual([
      'a:merged',
      'b:merged',
      'c:merged',
      'd:merged',
    ]);
    expect(continued.steps[1]).toMatchObject({ resolved: 'by-hand' });
    for (const id of ['a', 'b', 'c', 'd']) {
      expect(repo.git('merge-base', '--is-ancestor', `baton/${id}`, continued.commit)).toBe('');
    }
    expect(gitIn(wt, 'status', '--porcelain')).toBe('');
    expect(checkoutSnapshot(repo)).toEqual(before);
    const types = events(repo).map((e) => e.type);
    expect(types.filter((t) => t === 'integration.started')).toHaveLength(1);
    expect(types.slice(-6)).toEqual([
      'phase.started',
      'merge.clean',
      'merge.clean',
      'merge.clean',
      'integration.ended',
      'phase.ended',
    ]);
    await expect(continueIntegration(opts)).rejects.toMatchObject({ code: 'integrate/nothing-to-continue' });
  });
});

/** Gives b a file that shows conflict markers on purpose (docs about conflicts): git merges it cleanly. */
function withMarkedDocs(r: TempRepo): void {
  r.git('checkout', '-q', 'baton/b');
  r.commit('b: docs', {
    'docs/conflicts.md': '# A conflict\n\n<<<<<<< HEAD\nours\n=======\ntheirs\n>>>>>>> b\n',
  });
  r.git('checkout', '-q', 'main');
}

describe('--continue and conflict markers a feature committed', () => {
  it('looks for markers only in the conflicted files and in what the resolution changed beyond git’s merge', async () => {
    const f = makeFourFeatures();
    repo = f.repo;
    withMarkedDocs(repo);
    const opts = optionsFor(repo, f.contracts);
    const result = await startIntegration(opts);
    expect(result.conflict).toMatchObject({ feature_id: 'b', files: ['src/routes.ts'] });
    const wt = result.worktree;
    writeFileSync(join(wt, 'src/routes.ts'), lines(20, { 10: 'route a', 11: 'route b' }));
    // A marker the resolution itself puts in a file git merged cleanly is still refused.
    writeFileSync(join(wt, 'src/b/index.ts'), '<<<<<<< HEAD\nexport const b = 1;\n');
    gitIn(wt, 'add', 'src/routes.ts', 'src/b/index.ts');
    const err = await continueIntegration(opts).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'integrate/conflict-markers' });
    expect((err as UserError).message).toContain('src/b/index.ts');
    expect((err as UserError).message).not.toContain('docs/conflicts.md');

    gitIn(wt, 'checkout', 'MERGE_HEAD', '--', 'src/b/index.ts');
    const continued = await continueIntegration(opts);
    expect(continued.outcome).toBe('clean');
    expect(readFileSync(join(wt, 'docs/conflicts.md'), 'utf8')).toContain('>>>>>>> b');
  });
});

describe('startIntegration with --on-conflict skip', () => {
  it('aborts the conflicting merge, skips what depends on it, and merges the rest', async () => {
    const f = makeFourFeatures({ d: { depends_on: { features: ['b'], services: [] } } });
    repo = f.repo;
    const result = await startIntegration(optionsFor(repo, f.contracts, { onConflict: 'skip' }));
    expect(result.outcome).toBe('partial');
    expect(result.steps).toEqual([
      expect.objectContaining({ feature_id: 'a', status: 'merged' }),
      { feature_id: 'b', status: 'skipped', reason: 'conflicts with a in src/routes.ts' },
      expect.objectContaining({ feature_id: 'c', status: 'merged' }),
      { feature_id: 'd', status: 'skipped', reason: 'depends on skipped b' },
    ]);
    expect(gitIn(result.worktree, 'status', '--porcelain')).toBe('');
    const types = events(repo).map((e) => e.type);
    expect(types.filter((t) => t === 'merge.skipped')).toHaveLength(2);
    expect(types).toContain('merge.conflict');
  });

  it('names the base when a feature conflicts with its own changes, nothing merged before it', async () => {
    const f = makeIndependent(2);
    repo = f.repo;
    // The user's own commit on main puts another file where f1 puts its own.
    repo.git('checkout', '-q', 'main');
    repo.write({ 'src/f1/index.ts': '// mine\n' });
    repo.git('add', '-A');
    repo.git('commit', '-qm', 'my own f1 file');
    const result = await startIntegration(
      optionsFor(repo, f.contracts, { onConflict: 'skip', baseName: 'main' }),
    );
    expect(result.steps[0]).toEqual({
      feature_id: 'f1',
      status: 'skipped',
      reason: 'conflicts with main in src/f1/index.ts',
    });
  });
});

describe('startIntegration with --on-conflict agent', () => {
  const scriptResolver =
    (script: string): ConflictResolver =>
    async ({ worktree, files, task }) => {
      expect(task).toContain('src/routes.ts');
      const child = spawnSupervised(script, {
        cwd: worktree,
        env: { ...process.env, BATON_CONFLICT_FILES: files.join('\n') },
        shell: true,
      });
      const exit = await child.exited;
      return { exitCode: exit.exitCode };
    };

  it('continues when the resolver removed every conflict, then tests the result', async () => {
    const f = makeFourFeatures();
    repo = f.repo;
    // A real process resolving the conflict the way an agent would, without `git add`.
    const resolver = scriptResolver(
      `printf '%s\\n' ${Array.from({ length: 20 }, (_, i) => `'line ${i + 1}'`).join(' ')} > "$BATON_CONFLICT_FILES"`,
    );
    const result = await startIntegration(
      optionsFor(repo, f.contracts, { onConflict: 'agent', resolver, test: 'test -f src/a/index.ts' }),
    );
    expect(result.outcome).toBe('clean');
    expect(result.steps.find((s) => s.feature_id === 'b')).toMatchObject({
      status: 'merged',
      resolved: 'by-agent',
    });
    expect(result.tests.map((t) => [t.after_feature, t.passed])).toEqual([
      ['a', true],
      ['b', true],
      ['c', true],
      ['d', true],
    ]);
    const types = events(repo).map((e) => e.type);
    expect(types.filter((t) => t === 'merge.conflict')).toHaveLength(1);
    expect(types.filter((t) => t === 'merge.clean')).toHaveLength(4);
  });

  it.each([
    ['staged', ''],
    ['committed', ' && git add -A && git commit -qm resolved'],
  ])(
    'refuses a resolution that also changed files outside the conflict (%s), naming them; nothing moves',
    async (_, commit) => {
      const f = makeFourFeatures();
      repo = f.repo;
      const resolve = `printf '%s\\n' ${Array.from({ length: 20 }, (_, i) => `'line ${i + 1}'`).join(' ')} > "$BATON_CONFLICT_FILES"`;
      // The conflict resolved, and more: a new file nobody owns, and a change to a feature merged before.
      const script = `${resolve} && echo evil > evil.txt && echo tampered >> src/a/index.ts && git add -A${commit}`;
      const result = await startIntegration(
        optionsFor(repo, f.contracts, { onConflict: 'agent', resolver: scriptResolver(script) }),
      );
      expect(result.outcome).toBe('conflict');
      expect(result.conflict).toMatchObject({ feature_id: 'b', unresolved: ['evil.txt', 'src/a/index.ts'] });
      expect(result.notes.join('\n')).toContain(
        "the resolving agent's work was not accepted: it also changed evil.txt, src/a/index.ts, outside the conflicted files",
      );
      expect(result.steps.find((s) => s.feature_id === 'b')?.status).not.toBe('merged');
      expect(
        events(repo)
          .filter((e) => e.type === 'merge.clean')
          .map((e) => e.feature_id),
      ).toEqual(['a']);
    },
  );

  it('accepts a resolution of the conflicted files when a feature’s own file shows conflict markers', async () => {
    const f = makeFourFeatures();
    repo = f.repo;
    withMarkedDocs(repo);
    const resolver = scriptResolver(
      `printf '%s\\n' ${Array.from({ length: 20 }, (_, i) => `'line ${i + 1}'`).join(' ')} > "$BATON_CONFLICT_FILES"`,
    );
    const result = await startIntegration(optionsFor(repo, f.contracts, { onConflict: 'agent', resolver }));
    expect(result.outcome).toBe('clean');
    expect(result.steps.find((s) => s.feature_id === 'b')).toMatchObject({
      status: 'merged',
      resolved: 'by-agent',
    });
  });

  it('refuses a resolution whose agent also changed the repository, and logs what it changed', async () => {
    const f = makeFourFeatures();
    repo = f.repo;
    repo.git('branch', 'keepme', 'main');
    const keep = repo.git('rev-parse', 'keepme');
    const resolve = `printf '%s\\n' ${Array.from({ length: 20 }, (_, i) => `'line ${i + 1}'`).join(' ')} > "$BATON_CONFLICT_FILES"`;
    const script = `${resolve} && git add -A && git config core.hooksPath /tmp/evil-hooks && git branch -D keepme`;
    const result = await startIntegration(
      optionsFor(repo, f.contracts, { onConflict: 'agent', resolver: scriptResolver(script) }),
    );
    expect(result.outcome).toBe('conflict');
    expect(result.conflict).toMatchObject({ feature_id: 'b', unresolved: ['src/routes.ts'] });
    const note = result.notes.join('\n');
    expect(note).toContain(
      "the resolving agent's work was not accepted: it changed the repository outside the integration",
    );
    expect(note).toContain('git config core.hookspath added ("/tmp/evil-hooks")');
    expect(note).toContain(
      `ref refs/heads/keepme deleted (was ${keep.slice(0, 8)}; restore with: git update-ref refs/heads/keepme ${keep})`,
    );
    const escaped = events(repo).filter((e) => e.type === 'feature.escaped');
    expect(escaped).toEqual([
      expect.objectContaining({
        feature_id: 'b',
        kind: 'repository',
        files: expect.arrayContaining([expect.stringContaining('core.hookspath')]),
      }),
    ]);
    expect(result.steps.find((s) => s.feature_id === 'b')?.status).not.toBe('merged');
  });

  it('refuses a resolution that leaves an untracked file in the integration worktree', async () => {
    const f = makeFourFeatures();
    repo = f.repo;
    const resolve = `printf '%s\\n' ${Array.from({ length: 20 }, (_, i) => `'line ${i + 1}'`).join(' ')} > "$BATON_CONFLICT_FILES"`;
    const result = await startIntegration(
      optionsFor(repo, f.contracts, {
        onConflict: 'agent',
        resolver: scriptResolver(`${resolve} && echo made > helper.txt`),
      }),
    );
    expect(result.outcome).toBe('conflict');
    expect(result.conflict).toMatchObject({ feature_id: 'b', unresolved: ['helper.txt'] });
    expect(result.notes.join('\n')).toContain('outside the merge: helper.txt');
  });

  it('stops when the resolver leaves conflict markers behind', async () => {
    const f = makeFourFeatures();
    repo = f.repo;
    const result = await startIntegration(
      optionsFor(repo, f.contracts, { onConflict: 'agent', resolver: scriptResolver('git add -A; exit 0') }),
    );
    expect(result.outcome).toBe('conflict');
    expect(result.conflict).toMatchObject({
      feature_id: 'b',
      unresolved: ['src/routes.ts'],
      resolver_exit: 0,
    });
    expect(gitIn(result.worktree, 'rev-parse', '-q', '--verify', 'MERGE_HEAD')).not.toBe('');
  });
});

describe('tests after each merge', () => {
  it('names the merge after which the test command first fails and stops there', async () => {
    const f = makeIndependent();
    repo = f.repo;
    const result = await startIntegration(
      optionsFor(repo, f.contracts, { test: 'test ! -f src/f3/index.ts' }),
    );
    expect(result.outcome).toBe('tests-failed');
    expect(result.tests_failed_after).toMatchObject({
      after_feature: 'f3',
      index: 3,
      total: 4,
      passed: false,
      exit_code: 1,
    });
    expect(result.steps.map((s) => s.feature_id)).toEqual(['f1', 'f2', 'f3']);
    const tested = events(repo).filter((e) => e.type === 'integration.tested');
    expect(tested.map((e) => [e.after_feature, e.passed])).toEqual([
      ['f1', true],
      ['f2', true],
      ['f3', false],
    ]);
  });
});

describe('--into', () => {
  it('refuses when a test failed and leaves main where it was', async () => {
    const f = makeIndependent();
    repo = f.repo;
    const before = checkoutSnapshot(repo);
    const result = await startIntegration(
      optionsFor(repo, f.contracts, { test: 'test ! -f src/f3/index.ts', into: 'main' }),
    );
    expect(result.into).toMatchObject({
      branch: 'main',
      moved: false,
      reason: 'tests failed after merging f3',
    });
    expect(checkoutSnapshot(repo)).toEqual(before);
    const ended = events(repo).find((e) => e.type === 'integration.ended');
    expect(ended).not.toHaveProperty('into');
  });

  it('fast-forwards main checked out in a clean user checkout', async () => {
    const f = makeIndependent();
    repo = f.repo;
    const result = await startIntegration(optionsFor(repo, f.contracts, { test: 'true', into: 'main' }));
    expect(result.outcome).toBe('clean');
    expect(result.into).toMatchObject({ moved: true, fast_forward: { via: 'merge-ff-only' } });
    expect(repo.git('rev-parse', 'main')).toBe(result.commit);
    expect(repo.git('status', '--porcelain')).toBe('');
    expect(existsSync(join(repo.root, 'src/f4/index.ts'))).toBe(true);
    expect(events(repo).find((e) => e.type === 'integration.ended')).toMatchObject({ into: 'main' });
  });

  it('moves only the ref when the target is not checked out, and refuses a dirty checkout of it', async () => {
    const f = makeIndependent(2);
    repo = f.repo;
    repo.git('switch', '-q', '-c', 'dev');
    const before = checkoutSnapshot(repo);
    const moved = await startIntegration(optionsFor(repo, f.contracts, { into: 'main' }));
    expect(moved.into).toMatchObject({ moved: true, fast_forward: { via: 'update-ref' } });
    expect(repo.git('rev-parse', 'main')).toBe(moved.commit);
    expect(checkoutSnapshot(repo)).toEqual(before);

    repo.cleanup();
    const g = makeIndependent(2);
    repo = g.repo;
    writeFileSync(join(repo.root, 'README.md'), 'edited, not committed\n');
    const mainBefore = repo.git('rev-parse', 'main');
    const refused = await startIntegration(optionsFor(repo, g.contracts, { into: 'main' }));
    expect(refused.into).toMatchObject({ moved: false });
    expect(refused.into && !refused.into.moved && refused.into.reason).toContain('uncommitted changes');
    expect(repo.git('rev-parse', 'main')).toBe(mainBefore);
    expect(readFileSync(join(repo.root, 'README.md'), 'utf8')).toBe('edited, not committed\n');
  });
});

describe('--into, continued', () => {
  it('refuses, changing nothing, when an untracked file in the checkout is in the way', async () => {
    const f = makeIndependent(2);
    repo = f.repo;
    repo.write({ 'src/f1/index.ts': 'mine, untracked\n' });
    const before = checkoutSnapshot(repo);
    const result = await startIntegration(optionsFor(repo, f.contracts, { into: 'main' }));
    expect(result.outcome).toBe('clean');
    expect(result.into).toMatchObject({ moved: false });
    // Found before git is asked (which would say the same of an untracked file, not of an ignored one).
    expect(result.into && !result.into.moved && result.into.reason).toMatch(
      /^cannot fast-forward main: it would overwrite 1 file\(s\) in .* that git does not track there \(untracked or ignored\): src\/f1\/index\.ts$/,
    );
    expect(checkoutSnapshot(repo)).toEqual(before);
    expect(readFileSync(join(repo.root, 'src/f1/index.ts'), 'utf8')).toBe('mine, untracked\n');
  });

  it('names every file git lists, on one line, control characters escaped', () => {
    const head = 'error: The following untracked working tree files would be overwritten by merge:';
    const paths = Array.from({ length: 12 }, (_, i) => `src/f${i}.ts`);
    const output = [
      head,
      '\ta\tb\u001b[31m.ts',
      ...paths.map((p) => `\t${p}`),
      'Please move or remove them before you merge.',
      'Aborting',
      '',
    ];
    expect(gitRefusal(output.join('\n'))).toBe(
      `${head} a\\tb\\x1b[31m.ts, ${paths.slice(0, 9).join(', ')} and 3 more`,
    );
    expect(gitRefusal('fatal: Not possible to fast-forward, aborting.\n')).toBe(
      'fatal: Not possible to fast-forward, aborting.',
    );
  });
});

describe('the integration branch', () => {
  it('refuses to overwrite an earlier result unless --fresh, which keeps a backup', async () => {
    const f = makeIndependent(2);
    repo = f.repo;
    const first = await startIntegration(optionsFor(repo, f.contracts));
    await expect(startIntegration(optionsFor(repo, f.contracts))).rejects.toMatchObject({
      code: 'integrate/earlier-result',
    });
    const second = await startIntegration(optionsFor(repo, f.contracts, { fresh: true }));
    expect(second.outcome).toBe('clean');
    expect(second.backup).toMatch(/^refs\/baton\/integration-backup\//);
    expect(repo.git('rev-parse', second.backup!)).toBe(first.commit);
  });

  it('never drops commits made by hand on it, even with --fresh', async () => {
    const f = makeIndependent(2);
    repo = f.repo;
    const first = await startIntegration(optionsFor(repo, f.contracts));
    writeFileSync(join(first.worktree, 'fix.txt'), 'by hand\n');
    gitIn(first.worktree, 'add', 'fix.txt');
    gitIn(first.worktree, 'commit', '-qm', 'hand fix');
    const tip = repo.git('rev-parse', 'baton/integration');
    await expect(startIntegration(optionsFor(repo, f.contracts, { fresh: true }))).rejects.toMatchObject({
      code: 'integrate/hand-made-commits',
    });
    expect(repo.git('rev-parse', 'baton/integration')).toBe(tip);
  });

  // refuses --fresh while a conflict is being resolved: with the stop at a conflict, above.

  it('refuses when the user has the integration branch checked out', async () => {
    const f = makeIndependent(2);
    repo = f.repo;
    repo.git('switch', '-q', '-c', 'baton/integration');
    await expect(startIntegration(optionsFor(repo, f.contracts))).rejects.toMatchObject({
      code: 'integrate/branch-checked-out',
    });
  });

  it('lists selected features without a branch as not run, left out: the outcome is partial', async () => {
    const f = makeIndependent(2);
    repo = f.repo;
    const contracts = [...f.contracts, contract('f9')];
    const result = await startIntegration(
      optionsFor(repo, contracts, { features: ['f1', 'f2'], notRun: ['f9'] }),
    );
    expect(result.outcome).toBe('partial');
    expect(result.steps.at(-1)).toEqual({
      feature_id: 'f9',
      status: 'not-run',
      reason: 'not run: no branch baton/f9',
    });
  });
});
