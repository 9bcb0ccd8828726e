/**
 * A write into the main checkout is attributed to the agent whose run window explains it, or to
 * `unknown` when several agents were running — never confidently to the wrong feature — and found
 * without a `git status` of the main checkout per agent (one when the run goes idle).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { attributeChange } from '../../src/guard/attribution.js';
import { CheckoutWatch } from '../../src/guard/checkout-watch.js';
import { RepoGuard } from '../../src/guard/repo-guard.js';
import type { BatonEvent } from '../../src/log/events.js';
import { escapeLooker } from '../../src/runner/escapes.js';
import { runBaton } from '../rig/cli.js';
import { contractFiles } from '../rig/contracts.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';
import { events, watchWorld } from './rig.js';

// Removed after the file, not after each test: the four runs below go side by side.
const repos: TempRepo[] = [];
afterAll(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

const WRITER =
  'mkdir -p src/writer && echo x > src/writer/a.txt && echo oops > "$BATON_WORKTREE/../../repo/STRAY.txt"';
const SLEEPER = 'mkdir -p src/sleeper && echo y > src/sleeper/b.txt && sleep 2';

function escapes(repo: TempRepo): Array<Extract<BatonEvent, { type: 'feature.escaped' }>> {
  return events(repo).filter(
    (e): e is Extract<BatonEvent, { type: 'feature.escaped' }> => e.type === 'feature.escaped',
  );
}

// The four `baton run` cases each have their own repository and mostly wait on their agents: they go
// side by side (it.concurrent); the in-process cases after them run alone.
describe('adversarial: writes into the main checkout', () => {
  it.concurrent('two concurrent agents, one writing into the main checkout: reported as unknown, never the wrong feature', async ({
    onTestFinished,
  }) => {
    const repo = makeRepo({
      'README.md': '# app\n',
      ...contractFiles([
        { id: 'writer', agent: { command: WRITER } },
        { id: 'sleeper', agent: { command: SLEEPER } },
      ]),
    });
    repos.push(repo);
    const world = watchWorld(repo, [], onTestFinished);
    const r = await runBaton(['run', '-j', '2'], { cwd: repo.root });
    expect(r.stderr).toBe('');
    const found = escapes(repo);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ files: ['STRAY.txt'], kind: 'checkout', attribution: 'unknown' });
    const status = JSON.parse((await runBaton(['status', '--json'], { cwd: repo.root })).stdout) as {
      features: Array<{ feature_id: string; escaped: string[] }>;
      escaped_unknown: string[];
    };
    expect(status.escaped_unknown).toEqual(['STRAY.txt']);
    expect(status.features.find((f) => f.feature_id === 'sleeper')?.escaped).toEqual([]);
    expect(status.features.find((f) => f.feature_id === 'writer')?.escaped).toEqual([]);
    const text = (await runBaton(['status'], { cwd: repo.root })).stdout;
    expect(text).toContain('changed outside the worktrees while several agents or none ran: STRAY.txt');
    expect(text).not.toMatch(/while (sleeper|writer) ran/);
    // Baton reports, and leaves the file for the user: the stray file is the one change in the checkout.
    expect(repo.git('status', '--porcelain', '--', '.', ':!.baton')).toBe('?? STRAY.txt');
    world.expectUntouched({ status: true });
  });

  it.concurrent('two concurrent agents, one writing what it owns into the main checkout: named by its owns', async () => {
    const main = '"$BATON_WORKTREE/../../repo/src/writer"';
    const repo = makeRepo({
      'README.md': '# app\n',
      ...contractFiles([
        {
          id: 'writer',
          owns: ['src/writer/**'],
          agent: {
            command: `mkdir -p src/writer ${main} && echo x > src/writer/a.txt && echo x > ${main}/a.txt`,
          },
        },
        { id: 'sleeper', owns: ['src/sleeper/**'], agent: { command: SLEEPER } },
      ]),
    });
    repos.push(repo);
    const r = await runBaton(['run', '-j', '2'], { cwd: repo.root });
    expect(r.stderr).toBe('');
    expect(escapes(repo)).toMatchObject([
      { feature_id: 'writer', files: ['src/writer/a.txt'], kind: 'checkout', attribution: 'owns' },
    ]);
    expect(r.stdout).toContain(
      'writer: the main checkout changed while it ran, in what it owns: src/writer/a.txt',
    );
    const status = (await runBaton(['status'], { cwd: repo.root })).stdout;
    expect(status).toContain('changed outside the worktrees while writer ran: src/writer/a.txt');
    expect(status).not.toContain('several agents or none');
  });

  it.concurrent('a daemon that writes into the main checkout as Baton stops it is reported, whichever feature looks first', async () => {
    // f2's agent leaves a setsid daemon that writes into the main checkout when told to stop: its
    // write comes after f2's agent exited, while the daemon sweep runs, with f1 settling beside it.
    const DAEMON = [
      'mkdir -p src/$BATON_FEATURE_ID && echo x > src/$BATON_FEATURE_ID/a.txt',
      `if [ "$BATON_FEATURE_ID" = f2 ]; then setsid sh -c 'trap "sleep 0.4; echo esc > "$BATON_WORKTREE/../../repo/ESCAPED.txt"; exit 0" TERM; while :; do sleep 0.1; done' >/dev/null 2>&1 & fi`,
      'sleep 1',
    ].join('\n');
    const repo = makeRepo({
      'README.md': '# app\n',
      'agent.sh': `${DAEMON}\n`,
      ...contractFiles([
        { id: 'f1', agent: { command: 'sh ../../repo/agent.sh' } },
        { id: 'f2', agent: { command: 'sh ../../repo/agent.sh' } },
      ]),
    });
    repos.push(repo);
    const r = await runBaton(['run', '-j', '2', '--no-verify'], { cwd: repo.root });
    expect(r.stderr).toBe('');
    expect(repo.git('status', '--porcelain', '--', 'ESCAPED.txt')).toBe('?? ESCAPED.txt');
    expect(escapes(repo).flatMap((e) => e.files)).toEqual(['ESCAPED.txt']);
  });

  it.concurrent('one agent at a time: the write is attributed to the agent whose window explains it', async ({
    onTestFinished,
  }) => {
    const repo = makeRepo({
      'README.md': '# app\n',
      ...contractFiles([
        { id: 'sleeper', agent: { command: SLEEPER } },
        { id: 'writer', agent: { command: WRITER } },
      ]),
    });
    repos.push(repo);
    const world = watchWorld(repo, [], onTestFinished);
    await runBaton(['run', '-j', '1'], { cwd: repo.root });
    const found = escapes(repo);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ feature_id: 'writer', files: ['STRAY.txt'], attribution: 'run-window' });
    expect(repo.git('status', '--porcelain', '--', '.', ':!.baton')).toBe('?? STRAY.txt');
    world.expectUntouched({ status: true });
  });

  it('looks at the main checkout only when no agent runs: one git status per wave, not per agent', async () => {
    const repo = makeRepo({ 'README.md': '# app\n' });
    repos.push(repo);
    const world = watchWorld(repo);
    const watch = await CheckoutWatch.start(repo.root, 1000);
    expect(watch.statusRuns).toBe(1);
    writeFileSync(join(repo.root, 'X.txt'), 'x');
    const windows = [
      { feature_id: 'a', startMs: 1100, endMs: 1500 },
      { feature_id: 'b', startMs: 1200 },
    ];
    // a ended while b still runs: no status run, nothing reported yet.
    expect(await watch.checkWhenIdle(windows, () => 1600)).toEqual([]);
    expect(watch.statusRuns).toBe(1);
    windows[1]!.endMs = 1900;
    expect(await watch.checkWhenIdle(windows, () => 2000)).toEqual([
      { path: 'X.txt', agent: 'unknown', by: 'unknown' },
    ]);
    expect(watch.statusRuns).toBe(2);
    // Reported once; a later wave with one agent names it.
    writeFileSync(join(repo.root, 'Y.txt'), 'y');
    windows.push({ feature_id: 'c', startMs: 2100, endMs: 2500 });
    expect(await watch.checkWhenIdle(windows, () => 2600)).toEqual([
      { path: 'Y.txt', agent: 'c', by: 'run-window' },
    ]);
    // Looking changed nothing: the files the test wrote are the only change.
    expect(repo.git('status', '--porcelain')).toBe('?? X.txt\n?? Y.txt');
    world.expectUntouched({ status: true });
  });

  it("a wave's features settling one after another share one look: no status again until an agent ends", async () => {
    const repo = makeRepo({ 'README.md': '# app\n' });
    repos.push(repo);
    const watch = await CheckoutWatch.start(repo.root);
    const guard = await RepoGuard.start(repo.root, []);
    const look = escapeLooker(repo.root, watch, guard);
    const settle = () => new Promise((r) => setTimeout(r, 5));
    guard.agentStarted('a');
    guard.agentStarted('b');
    writeFileSync(join(repo.root, 'X.txt'), 'x');
    guard.agentEnded('a');
    guard.agentEnded('b');
    await settle();
    // a's settle step looks; b's, after that look ended, gets nothing and costs no git status.
    expect((await look()).checkout).toEqual([{ path: 'X.txt', agent: 'unknown', by: 'unknown' }]);
    expect(await look()).toEqual({ checkout: [], repo: [] });
    expect(watch.statusRuns).toBe(2);
    // Two callers at once: one look between them.
    const [one, two] = await Promise.all([look(), look()]);
    expect([one, two]).toEqual([
      { checkout: [], repo: [] },
      { checkout: [], repo: [] },
    ]);
    expect(watch.statusRuns).toBe(2);
    // An agent that ends after the look began brings a new look, which sees its write.
    guard.agentStarted('c');
    writeFileSync(join(repo.root, 'Y.txt'), 'y');
    guard.agentEnded('c');
    await settle();
    expect((await look()).checkout).toEqual([{ path: 'Y.txt', agent: 'c', by: 'run-window' }]);
    expect(watch.statusRuns).toBe(3);
  });

  it('names the one unit, the feature when only its attempts ran, unknown for none or several features', () => {
    const w = (feature_id: string, startMs: number, endMs?: number) => ({
      feature_id,
      startMs,
      ...(endMs === undefined ? {} : { endMs }),
    });
    const who = (...args: Parameters<typeof attributeChange>) => attributeChange(...args).agent;
    expect(attributeChange([w('a', 10, 20)], 0, 30)).toEqual({ agent: 'a', by: 'run-window' });
    expect(who([w('a.a1', 10, 20)], 0, 30)).toBe('a.a1');
    expect(who([w('a.a1', 10, 20), w('a.a2', 12, 25)], 0, 30)).toBe('a');
    expect(who([w('a.a1', 10, 20), w('b', 12, 25)], 0, 30)).toBe('unknown');
    expect(attributeChange([w('a', 10, 20), w('b', 12, 25)], 0, 30)).toEqual({
      agent: 'unknown',
      by: 'unknown',
    });
    // No window overlaps the span since the last look: no agent explains it.
    expect(who([w('a', 10, 20)], 25, 30)).toBe('unknown');
  });

  it('names the one running feature that owns the path, among several; owning needs having run', () => {
    const w = (feature_id: string, startMs: number, endMs: number) => ({ feature_id, startMs, endMs });
    const bOwns = (f: string) => f === 'b';
    expect(attributeChange([w('a', 10, 20), w('b', 12, 25)], 0, 30, bOwns)).toEqual({
      agent: 'b',
      by: 'owns',
    });
    // b's attempts: the feature is known, the attempt only when one of them ran.
    expect(attributeChange([w('a', 10, 20), w('b.a1', 12, 25)], 0, 30, bOwns)).toEqual({
      agent: 'b.a1',
      by: 'owns',
    });
    expect(attributeChange([w('b.a1', 10, 20), w('b.a2', 12, 25), w('c', 1, 29)], 0, 30, bOwns)).toEqual({
      agent: 'b',
      by: 'owns',
    });
    // Two running features own it: what they own does not tell them apart.
    expect(attributeChange([w('a', 10, 20), w('b', 12, 25)], 0, 30, () => true).by).toBe('unknown');
    // b owns it but did not run in the span: a, the only one running, is named by its window alone.
    expect(attributeChange([w('a', 10, 20), w('b', 1, 5)], 8, 30, bOwns)).toEqual({
      agent: 'a',
      by: 'run-window',
    });
  });
});
