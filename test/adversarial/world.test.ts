/**
 * The assertions every adversarial case ends with (`watchWorld(…).expectUntouched()` and
 * `expectErrorLine`) fail on each change they exist to catch: a check that cannot fail shows nothing.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeRepo, type TempRepo } from '../rig/repo.js';
import { expectErrorLine, watchWorld } from './rig.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});
function repo(): TempRepo {
  const r = makeRepo({ 'README.md': '# app\n', 'src/a.txt': 'a\n' });
  repos.push(r);
  return r;
}

describe('watchWorld', () => {
  it('passes when nothing of the user’s changed, whatever Baton did in its own refs and worktrees', () => {
    const r = repo();
    const world = watchWorld(r);
    r.git('branch', 'baton/feature-001-a');
    r.git('update-ref', 'refs/baton/attempts/feature-001-a/1.1', 'HEAD');
    mkdirSync(join(`${r.root}.baton-worktrees`, 'feature-001-a'), { recursive: true });
    mkdirSync(join(r.root, '.baton'), { recursive: true });
    writeFileSync(join(r.root, '.baton', 'log.jsonl'), '{}\n');
    world.expectUntouched();
  });

  it.each([
    ['HEAD switched', (r: TempRepo) => r.git('checkout', '-q', '-b', 'other')],
    ['the index changed', (r: TempRepo) => r.git('rm', '-q', '--cached', 'src/a.txt')],
    ['a tracked file edited', (r: TempRepo) => r.write({ 'src/a.txt': 'b\n' })],
    ['an untracked file added', (r: TempRepo) => r.write({ 'STRAY.txt': 'x\n' })],
    ['main moved', (r: TempRepo) => r.git('commit', '-q', '--allow-empty', '-m', 'x')],
    ['a tag created', (r: TempRepo) => r.git('tag', 'planted')],
    ['the shared config edited', (r: TempRepo) => r.git('config', 'core.hooksPath', '/tmp/x')],
    [
      'the canary beside the repository rewritten',
      (r: TempRepo) => writeFileSync(join(dirname(r.root), 'canary.txt'), 'x'),
    ],
    [
      'a file written beside the repository',
      (r: TempRepo) => writeFileSync(join(dirname(r.root), 'dropped.txt'), 'x'),
    ],
  ])('fails when %s', (_what, disturb) => {
    const r = repo();
    const world = watchWorld(r);
    disturb(r);
    expect(() => world.expectUntouched()).toThrow();
  });

  it('fails when the bystander process was killed', () => {
    const r = repo();
    const world = watchWorld(r);
    process.kill(world.bystander.pid, 'SIGKILL');
    expect(() => world.expectUntouched()).toThrow(/bystander/);
  });

  it('lets a case name what it is about, and nothing more', () => {
    const r = repo();
    const world = watchWorld(r);
    r.git('tag', 'planted');
    r.git('config', 'core.hooksPath', '/tmp/x');
    world.expectUntouched({ refs: ['refs/tags/planted'], config: true });
    r.git('tag', 'another');
    expect(() => world.expectUntouched({ refs: ['refs/tags/planted'], config: true })).toThrow();
  });
});

describe('expectErrorLine', () => {
  it.each([
    ['no baton: line', 'something failed\n'],
    ['the line without its code', 'baton: it failed\nhint: x\n'],
    ['another code', 'baton: it failed [run/other]\n'],
    ['two baton: lines', 'baton: it failed [run/x]\nbaton: again [run/x]\n'],
    ['a stack trace', 'baton: it failed [run/x]\n    at f (file.js:1:1)\n'],
  ])('fails on %s', (_what, stderr) => {
    expect(() => expectErrorLine(stderr, 'run/x')).toThrow();
  });

  it('returns the one line with its code', () => {
    expect(expectErrorLine('a.md:1: error: bad [c/d]\nbaton: it failed [run/x]\nhint: do y\n', 'run/x')).toBe(
      'baton: it failed [run/x]',
    );
  });
});
