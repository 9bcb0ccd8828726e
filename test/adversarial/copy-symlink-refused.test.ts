/**
 * BUG (reported by h/errors, not fixed: src/runner belongs to another helper). A `copy` entry that is a
 * symlink leading out of the repository is refused only when Baton copies it, after the feature's
 * worktree and branch were made: the feature ends `failed` with a reason that lacks its code, while
 * `..` and absolute entries are refused before the run starts with the one `baton: … [run/copy-outside]`
 * line. This test expects the symlink to be refused the same way (preflight: resolve each literal
 * copy source, as `checkSourceInside` does, in `checkCopyPatterns`). It fails on main today.
 */
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runBaton } from '../rig/cli.js';
import type { TempRepo } from '../rig/repo.js';
import { expectErrorLine, hostileRepo, watchWorld } from './rig.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

describe('adversarial: a copy entry through a symlink out of the repository', () => {
  it('is refused before the run starts: one run/copy-outside line, no branch, nothing outside touched', async () => {
    const r = hostileRepo({ 'feature-001-a': 'mkdir -p src/feature-001-a && touch src/feature-001-a/x' });
    repos.push(r);
    r.commit('copy entries', { 'baton.config.json': '{ "copy": [".env"] }\n', '.gitignore': '.env\n' });
    symlinkSync('../canary.txt', join(r.root, '.env'));
    const world = watchWorld(r);
    const res = await runBaton(['run'], { cwd: r.root });
    expect(res.code).toBe(1);
    expect(expectErrorLine(res.stderr, 'run/copy-outside')).toContain('resolves outside the repository');
    expect(r.git('branch', '--list', 'baton/*')).toBe('');
    world.expectUntouched();
  });
});
