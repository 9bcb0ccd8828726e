import { execFileSync } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { BatonEvent } from '../../src/log/events.js';
import { readLog } from '../../src/log/read.js';
import { runBaton } from '../rig/cli.js';
import { contractFiles } from '../rig/contracts.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';
import { makeFourFeatures, recordStatus } from './fixture.js';

let repo: TempRepo | undefined;
afterEach(() => {
  repo?.cleanup();
  repo = undefined;
});

function events(r: TempRepo): BatonEvent[] {
  return readLog(join(r.root, '.baton', 'log.jsonl'), undefined, { final: true }).events as BatonEvent[];
}

function ofType<K extends BatonEvent['type']>(r: TempRepo, type: K): Array<Extract<BatonEvent, { type: K }>> {
  return events(r).filter((e): e is Extract<BatonEvent, { type: K }> => e.type === type);
}

/**
 * A real `baton run` of four command agents: f1 and f2 do their work, f3 leaves a TODO stub and
 * exits 3 (the case seen in the field), f4 exits 0 having changed nothing.
 */
async function runFourAgents(): Promise<TempRepo> {
  const write = (id: string, text: string) =>
    `mkdir -p src/${id} && printf '${text}\\n' > src/${id}/index.js`;
  const agents: Record<string, string> = {
    f1: write('f1', 'export const f1 = 1;'),
    f2: write('f2', 'export const f2 = 2;'),
    f3: `${write('f3', '/* TODO */')}; exit 3`,
    f4: 'true',
  };
  const r = makeRepo({
    '.gitignore': '.baton/\n',
    'baton.config.json': `${JSON.stringify({ test: 'true' })}\n`,
    ...contractFiles(Object.entries(agents).map(([id, command]) => ({ id, agent: { command }, retries: 0 }))),
  });
  const run = await runBaton(['run'], { cwd: r.root });
  expect(run.stderr).toBe('');
  const ended = Object.fromEntries(ofType(r, 'feature.ended').map((e) => [e.feature_id, e.status]));
  expect(ended).toEqual({ f1: 'complete', f2: 'complete', f3: 'failed', f4: 'empty' });
  return r;
}

describe('integration takes only what passed', () => {
  it('leaves out a failed and an empty feature, refuses --into, and merges them only with --include (a real run)', async () => {
    repo = await runFourAgents();
    const mainBefore = repo.git('rev-parse', 'main');

    // 1. Default: only complete features; --into is refused because not every selected feature merged.
    const first = await runBaton(['integrate', '--into', 'main'], { cwd: repo.root });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(1);
    expect(first.stdout).toMatch(
      /^ {2}not merged: f3 \(failed: the agent failed: exit 3; see .*agent\.log\)$/m,
    );
    expect(first.stdout).toContain('not merged: f4 (empty: the agent exited 0 but changed nothing)');
    expect(first.stdout).toMatch(/Integration partial in .*: 2 of 4 merged, 2 not merged \(did not pass\)/);
    expect(first.stdout).toMatch(
      /main left where it was: not every selected feature was merged: f3 \(failed: .*\), f4 \(empty: /,
    );
    expect(first.stdout).not.toContain('Integration clean');
    expect(repo.git('rev-parse', 'main')).toBe(mainBefore);
    expect(repo.git('ls-tree', '-r', '--name-only', 'baton/integration')).not.toContain('src/f3/index.js');
    const started1 = ofType(repo, 'integration.started')[0]!;
    expect(started1.order).toEqual(['f1', 'f2']);
    expect(started1.excluded?.map((x) => [x.feature_id, x.status])).toEqual([
      ['f3', 'failed'],
      ['f4', 'empty'],
    ]);
    expect(ofType(repo, 'merge.skipped').map((e) => [e.feature_id, e.kind, e.status])).toEqual([
      ['f3', 'excluded', 'failed'],
      ['f4', 'excluded', 'empty'],
    ]);
    expect(ofType(repo, 'integration.ended')[0]).toMatchObject({
      outcome: 'partial',
      into_refused: expect.stringContaining('not every selected feature was merged'),
    });

    // 2. Opted in: f3 is merged and the output and the log say so; f4 has nothing to merge and is
    //    never "merged <base commit>"; --into still refuses what did not pass.
    const second = await runBaton(['integrate', '--fresh', '--include', 'failed,empty', '--into', 'main'], {
      cwd: repo.root,
    });
    expect(second.stderr).toBe('');
    expect(second.code).toBe(1);
    expect(second.stdout).toContain(
      '--include failed,empty: merging f3 (failed), f4 (empty) although not complete',
    );
    expect(second.stdout).toMatch(/ {2}f3: merged [0-9a-f]{10}/);
    expect(second.stdout).toContain('f4: nothing to merge');
    expect(second.stdout).not.toMatch(/f4: merged/);
    expect(second.stdout).toMatch(/: 3 of 4 merged, 1 with nothing to merge;/);
    expect(second.stdout).toContain(
      'main left where it was: f3 (failed), f4 (empty) were merged by --include',
    );
    expect(repo.git('rev-parse', 'main')).toBe(mainBefore);
    const started2 = ofType(repo, 'integration.started')[1]!;
    expect(started2).toMatchObject({
      include: ['failed', 'empty'],
      included: [
        { feature_id: 'f3', status: 'failed' },
        { feature_id: 'f4', status: 'empty' },
      ],
    });
    const log2 = events(repo);
    const from = log2.findIndex((e) => e.type === 'integration.started' && e.ts === started2.ts);
    const merged2 = log2.slice(from).flatMap((e) => (e.type === 'merge.clean' ? [e.feature_id] : []));
    expect(merged2).toEqual(['f1', 'f2', 'f3']);
    // The first attempt was discarded by --fresh, and the log says which one.
    expect(ofType(repo, 'integration.discarded')).toEqual([
      expect.objectContaining({ started_at: started1.ts, backup: expect.stringMatching(/^refs\/baton\//) }),
    ]);

    // 3. Only what passed, named: main moves.
    const third = await runBaton(['integrate', 'f1', 'f2', '--fresh', '--into', 'main'], { cwd: repo.root });
    expect(third.stderr).toBe('');
    expect(third.code).toBe(0);
    expect(third.stdout).toContain('main fast-forwarded');
    expect(repo.git('rev-parse', 'main')).toBe(repo.git('rev-parse', 'baton/integration'));
  });

  it('counts per feature and per attempt: a conflicted attempt discarded by --fresh is not counted again', async () => {
    const f = makeFourFeatures();
    repo = f.repo;
    recordStatus(repo, ['a', 'b', 'c', 'd']);
    const first = await runBaton(['integrate', '--on-conflict', 'skip'], { cwd: repo.root });
    expect(first.code).toBe(1);
    expect(first.stdout).toMatch(/Integration partial in .*: 3 of 4 merged, 1 skipped;/);

    // b is redone without touching a's lines, and integration starts over.
    const fixedB = repo.git('commit-tree', '-p', 'main', '-m', 'b: redone', rebuiltTreeForB(repo));
    repo.git('update-ref', 'refs/heads/baton/b', fixedB);
    // … and checked again: the commit integration takes is the one its checks passed on.
    recordStatus(repo, ['b']);
    const second = await runBaton(['integrate', '--fresh', '--json'], { cwd: repo.root });
    expect(second.stderr).toBe('');
    expect(second.code).toBe(0);
    const steps = JSON.parse(second.stdout).integration.steps as Array<{
      feature_id: string;
      status: string;
    }>;
    expect(steps.map((s) => `${s.feature_id}:${s.status}`)).toEqual([
      'a:merged',
      'b:merged',
      'c:merged',
      'd:merged',
    ]);

    const log = events(repo);
    const starts = log.filter((e) => e.type === 'integration.started');
    expect(starts).toHaveLength(2);
    const discarded = log.filter((e) => e.type === 'integration.discarded');
    expect(discarded).toEqual([expect.objectContaining({ started_at: starts[0]!.ts })]);
    // The discarded event comes before the attempt that replaces it.
    expect(log.indexOf(discarded[0]!)).toBeLessThan(log.indexOf(starts[1]!));
  });
});

/** The tree of main plus b's own file only (b's first version also edited a's line in routes.ts). */
function rebuiltTreeForB(r: TempRepo): string {
  const blob = execFileSync('git', ['hash-object', '-w', '--stdin'], {
    cwd: r.root,
    input: 'export const b = 1;\n',
    encoding: 'utf8',
  }).trim();
  const env = { ...process.env, GIT_INDEX_FILE: join(r.root, '.git', 'index-b') };
  const git = (...args: string[]) => execFileSync('git', args, { cwd: r.root, env, encoding: 'utf8' }).trim();
  git('read-tree', 'main');
  git('update-index', '--add', '--cacheinfo', `100644,${blob},src/b/index.ts`);
  return git('write-tree');
}

describe('baton integrate, edges', () => {
  it('says to make a first commit in a repository without one', async () => {
    const parent = realpathSync(mkdtempSync(join(tmpdir(), 'baton-test-')));
    try {
      const root = join(parent, 'repo');
      execFileSync('git', ['init', '-q', '-b', 'main', root]);
      for (const [path, text] of Object.entries(contractFiles([{ id: 'f1' }]))) {
        execFileSync('mkdir', ['-p', join(root, path, '..')]);
        writeFileSync(join(root, path), text);
      }
      const r = await runBaton(['integrate'], { cwd: root });
      expect(r.code).toBe(1);
      expect(r.stderr.split('\n')[0]).toBe(
        'baton: the repository has no commit yet, so there is nothing to integrate onto [integrate/no-commits]',
      );
      expect(r.stderr).toContain('git add -A && git commit -m "initial"');
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });

  it('documents the default, --include and the --into rule in --help', async () => {
    repo = makeRepo();
    const r = await runBaton(['integrate', '--help'], { cwd: repo.root });
    expect(r.stdout).toContain('--include <statuses>');
    expect(r.stdout).toContain('Only features whose status (folded from the log) is complete are merged');
    expect(r.stdout).toMatch(
      /--into <branch> fast-forwards the branch only when every selected feature was\s+merged/,
    );
  });

  it('refuses an unknown --include status as a usage error', async () => {
    repo = makeRepo();
    const r = await runBaton(['integrate', '--include', 'failed,broken'], { cwd: repo.root });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--include takes feature statuses, got "broken"');
  });
});
