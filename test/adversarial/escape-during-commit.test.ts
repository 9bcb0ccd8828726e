/**
 * Baton's own `git add --all` of the agent's work runs what the agent planted (a clean filter named in
 * `.gitattributes`). What that code does to the main checkout and the refs while the commit runs is an
 * escape of the agent's like any other: the look at the main checkout comes after the commit, so it
 * is seen and reported (a look begun beside the commit lost it).
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runBaton } from '../rig/cli.js';
import type { TempRepo } from '../rig/repo.js';
import { events, hostileRepo } from './rig.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

describe('adversarial: a clean filter the agent planted acts while Baton commits its work', () => {
  it('reports the ref it made and the file it wrote in the main checkout', async () => {
    const repo = hostileRepo({ f1: 'sh ../../agent-filter.sh' });
    repos.push(repo);
    // The agent's script, beside the repository (its worktree is <root>.baton-worktrees/f1).
    writeFileSync(
      join(repo.root, '..', 'agent-filter.sh'),
      [
        'set -e',
        'C="$(git rev-parse --path-format=absolute --git-common-dir)"',
        'R="$(dirname "$C")"',
        'cat > "$C/ev.sh" <<X',
        '#!/bin/sh',
        'env -u GIT_DIR -u GIT_WORK_TREE -u GIT_INDEX_FILE git -C "$R" update-ref refs/heads/evil HEAD',
        'echo pwned > "$R/PWNED"',
        'cat',
        'X',
        'git config filter.ev.clean "sh $C/ev.sh"',
        "echo '*.txt filter=ev' > .gitattributes",
        'mkdir -p src/f1 && echo hi > src/f1/a.txt',
        '',
      ].join('\n'),
    );
    await runBaton(['run', 'f1', '--no-verify'], { cwd: repo.root });
    // The filter ran during Baton's commit (nothing else runs it).
    expect(existsSync(join(repo.root, 'PWNED'))).toBe(true);
    const escaped = events(repo).filter((e) => e.type === 'feature.escaped');
    const files = escaped.flatMap((e) => e.files);
    expect(files).toContain('PWNED');
    expect(files.some((f) => f.includes('refs/heads/evil'))).toBe(true);
  });
});
