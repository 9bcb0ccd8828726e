/**
 * An agent runs as the user and can replace folders and files under the main checkout's `.baton/` with
 * links to elsewhere: Baton's writes there follow none of them and empty no file outside, and what it
 * records (a check's verdict) is kept all the same.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runBaton } from '../rig/cli.js';
import { contractFiles } from '../rig/contracts.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';
import { events, watchWorld } from './rig.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

const ID = 'feature-001-a';

/**
 * A repository whose one feature's agent does its work, then runs `plant` (a shell line: `$M` the main
 * checkout, `$OUT` the folder beside it) against `.baton/`; `$OUT` holds `ok.log`, the file the check's
 * output would overwrite through the planted link.
 */
function plantingRepo(plant: string): { r: TempRepo; outside: string; precious: string } {
  const agent = `mkdir -p src/${ID} && echo x > src/${ID}/a.txt && M=$(dirname "$(dirname "$BATON_LOG")") && OUT="$(dirname "$M")/outside" && ${plant}`;
  const r = makeRepo({
    'README.md': '# app\n',
    ...contractFiles([
      {
        id: ID,
        agent: { command: agent },
        criteria: [{ id: 'ok', text: 'a.txt made', run: `test -f src/${ID}/a.txt` }],
      },
    ]),
  });
  cleanups.push(() => r.cleanup());
  const outside = join(dirname(r.root), 'outside');
  mkdirSync(outside);
  const precious = join(outside, 'ok.log');
  writeFileSync(precious, 'PRECIOUS\n');
  return { r, outside, precious };
}

describe('adversarial: links planted under .baton/ are not followed', () => {
  it.each([
    [
      'its checks folder replaced by a link',
      'rm -rf "$M/.baton/checks/ID" && mkdir -p "$M/.baton/checks" && ln -s "$OUT" "$M/.baton/checks/ID"',
      '.baton/checks/ID is a symbolic link, not followed',
    ],
    [
      'its output file replaced by a link',
      'mkdir -p "$M/.baton/checks/ID" && ln -sf "$OUT/ok.log" "$M/.baton/checks/ID/ok.log"',
      '.baton/checks/ID/ok.log is a symbolic link, not followed',
    ],
    [
      'its output file a hard link to a file elsewhere',
      'mkdir -p "$M/.baton/checks/ID" && ln -f "$OUT/ok.log" "$M/.baton/checks/ID/ok.log"',
      '.baton/checks/ID/ok.log has 2 hard links',
    ],
  ])(
    'a check whose output file has %s: the file outside keeps its bytes, the verdict is recorded, a warning says why',
    async (_case, plant, said) => {
      const { r, outside, precious } = plantingRepo(plant.replaceAll('ID', ID));
      const world = watchWorld(r);
      const res = await runBaton(['run'], { cwd: r.root });
      expect(res.code, res.stdout + res.stderr).toBe(0);
      expect(readFileSync(precious, 'utf8')).toBe('PRECIOUS\n');
      expect(readdirSync(outside)).toEqual(['ok.log']);
      const verdict = events(r).find((e) => e.type === 'check.passed' && e.criterion_id === 'ok');
      expect(verdict, res.stderr).toMatchObject({
        feature_id: ID,
        message: expect.stringMatching(/^exit 0/),
      });
      const warning = res.stderr
        .split('\n')
        .find((l) => l.startsWith('warning:') && l.includes('criterion ok'));
      expect(warning, res.stderr).toContain(said.replaceAll('ID', ID));
      expect(warning).toContain('the check ran all the same and its result is recorded');
      expect(res.stdout).toMatch(new RegExp(`${ID}: complete`));
      world.expectUntouched();
    },
  );

  it('a run folder whose .baton/runs an agent replaced by a link: the feature fails naming it, nothing is written outside', async () => {
    const { r, outside, precious } = plantingRepo('true');
    mkdirSync(join(r.root, '.baton'), { recursive: true });
    symlinkSync(outside, join(r.root, '.baton', 'runs'));
    const world = watchWorld(r);
    const res = await runBaton(['run'], { cwd: r.root });
    expect(res.code, res.stdout + res.stderr).toBe(1);
    expect(readdirSync(outside)).toEqual(['ok.log']);
    expect(readFileSync(precious, 'utf8')).toBe('PRECIOUS\n');
    const ended = events(r).find((e) => e.type === 'feature.ended');
    expect(ended).toMatchObject({
      status: 'failed',
      reason: expect.stringContaining('.baton/runs is a symbolic link, not followed'),
    });
    world.expectUntouched();
  });

  it('a cache folder replaced by a link: status neither overwrites the file behind it nor fails', async () => {
    const { r, outside, precious } = plantingRepo('true');
    mkdirSync(join(r.root, '.baton'), { recursive: true });
    writeFileSync(join(r.root, '.baton', 'log.jsonl'), '');
    renameSync(precious, join(outside, 'status-fold.json'));
    symlinkSync(outside, join(r.root, '.baton', 'cache'));
    const world = watchWorld(r);
    const res = await runBaton(['status'], { cwd: r.root });
    expect(res.code, res.stderr).toBe(0);
    expect(readdirSync(outside)).toEqual(['status-fold.json']);
    expect(readFileSync(join(outside, 'status-fold.json'), 'utf8')).toBe('PRECIOUS\n');
    world.expectUntouched();
  });
});
