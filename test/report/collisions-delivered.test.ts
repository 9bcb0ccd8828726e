// @module-tag slow
// The report's "Collisions seen" summary judged each collision against every integration attempt in
// the log: a conflict met by an attempt the user threw away (`baton clean --force integration`) still
// "confirmed" the radar's warning after a later attempt merged the pair cleanly. It now reads what the
// rest of the report reads: the delivered attempts (`splitIntegrationAttempts`) and the fold's winner.
// Real git, real agents, the real radar.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { BatonEvent } from '../../src/log/events.js';
import { readLog } from '../../src/log/read.js';
import type { Report } from '../../src/metrics/types.js';
import { runBaton } from '../rig/cli.js';
import { contractFiles } from '../rig/contracts.js';
import { GIT_ENV, makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

/** Fifty numbered lines: room for edits of one line and of lines far apart. */
const SHARED = `${Array.from({ length: 50 }, (_, i) => `line ${i + 1}`).join('\n')}\n`;

/** A shell agent: waits, rewrites line 1 of shared.txt, then keeps working while the radar looks. */
const editFirstLine = (text: string, before: number, after: number) => ({
  command: `sleep ${before}; sed -i '1s/.*/${text}/' shared.txt; sleep ${after}`,
});

/** The worktree on `baton/<id>`, as git lists it. */
function worktreeOf(repo: TempRepo, id: string): string {
  const blocks = repo.git('worktree', 'list', '--porcelain').split('\n\n');
  const block = blocks.find((b) => b.includes(`branch refs/heads/baton/${id}`));
  const path = block?.split('\n')[0]?.replace(/^worktree /, '');
  if (path === undefined) throw new Error(`no worktree on baton/${id}`);
  return path;
}

describe('collisions seen while the agents worked, judged by the delivered integration', () => {
  it('a conflict of a discarded attempt no longer confirms a collision the delivered one merged cleanly', async () => {
    const repo = makeRepo({
      'README.md': '# app\n',
      'baton.config.json': '{ "test": "true" }\n',
      'shared.txt': SHARED,
      ...contractFiles([
        // Seconds of both edits standing before either agent ends: a loaded machine's scans lag.
        { id: 'a', owns: ['shared.txt'], agent: editFirstLine('from a', 0.2, 7) },
        { id: 'b', owns: ['shared.txt'], agent: editFirstLine('from b', 1.2, 6.5) },
      ]),
    });
    repos.push(repo);
    const baton = (args: string[]) => runBaton(args, { cwd: repo.root });
    const ran = await baton(['run', '--radar-interval', '0.3']);
    expect(ran.code, ran.stdout + ran.stderr).toBe(0);
    const log = readLog(join(repo.root, '.baton', 'log.jsonl')).events as BatonEvent[];
    expect(log.filter((e) => e.type === 'collision.detected')).toEqual([
      expect.objectContaining({ collision_id: 'a+b', paths: ['shared.txt'] }),
    ]);

    // Both rewrote line 1: the integration conflicts at b, and the user throws it away.
    expect((await baton(['integrate'])).code).toBe(1);
    const cleaned = await baton(['clean', '--force', 'integration']);
    expect(cleaned.code, cleaned.stderr).toBe(0);
    expect(cleaned.stdout).toContain('is recorded as discarded');

    // b moves its edit to the last line, is checked again, and the pair integrates cleanly.
    const b = worktreeOf(repo, 'b');
    const inB = (...args: string[]) => execFileSync('git', args, { cwd: b, env: GIT_ENV, encoding: 'utf8' });
    execFileSync('sed', ['-i', '1s/.*/line 1/; 50s/.*/from b/', 'shared.txt'], { cwd: b });
    inB('commit', '-qam', 'b: edit the last line instead');
    expect((await baton(['verify', 'b'])).code).toBe(0);
    const integrated = await baton(['integrate']);
    expect(integrated.code, integrated.stdout + integrated.stderr).toBe(0);

    const json = JSON.parse((await baton(['report', '--format', 'json'])).stdout) as Report;
    expect(json.conflicts.count).toBe(0);
    expect(json.collisions).toMatchObject({ count: 1, confirmed: 0 });
    expect(json.collisions.records[0]).toMatchObject({
      features: ['a', 'b'],
      integration: 'merged',
      integration_conflicted: false,
    });
    const markdown = (await baton(['report'])).stdout;
    expect(markdown).toContain('confirmed by a merge conflict at integration: 0');
    expect(markdown).toMatch(/`a` × `b` \(\w+\): `shared.txt`.*; merged cleanly/);
  }, 120_000);
});
