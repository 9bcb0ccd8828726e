import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mergeTree, parseMergeTreeOutput } from '../../src/git/merge.js';
import { makeRepo } from '../rig/repo.js';

/** `git merge-tree --write-tree --name-only -z` output after its tree, as fields. */
const fields = (text: string) => text.split('|');

describe('parseMergeTreeOutput', () => {
  it.each([
    { name: 'a clean merge', out: '', conflicts: [], messages: [] },
    {
      name: 'a conflict, its message about one path left out',
      out: 'z.txt||1|z.txt|CONFLICT (contents)|CONFLICT (add/add): Merge conflict in z.txt\n|',
      conflicts: ['z.txt'],
      messages: [],
    },
    {
      name: 'a file git stopped at where a renamed folder went, with the path it came from',
      out: 'e/new.txt||1|e/x.txt|Auto-merging|Auto-merging e/x.txt\n|2|e/new.txt|d/new.txt|CONFLICT (directory rename suggested)|CONFLICT (file location): d/new.txt added in q inside a directory that was renamed in p, suggesting it should perhaps be moved to e/new.txt.\n|',
      conflicts: ['e/new.txt'],
      messages: [
        {
          paths: ['e/new.txt', 'd/new.txt'],
          type: 'CONFLICT (directory rename suggested)',
          text: 'CONFLICT (file location): d/new.txt added in q inside a directory that was renamed in p, suggesting it should perhaps be moved to e/new.txt.',
        },
      ],
    },
    {
      name: 'a path listed twice (stages), once',
      out: 'a.txt|a.txt||',
      conflicts: ['a.txt'],
      messages: [],
    },
  ])('$name', ({ out, conflicts, messages }) => {
    expect(parseMergeTreeOutput(fields(out))).toEqual({ conflicts, messages });
  });
});

describe('mergeTree with a git older than 2.38', () => {
  it('refuses with git/too-old, the version and a hint, rather than a raw git failure', async () => {
    const repo = makeRepo({ 'README.md': '# app\n' });
    try {
      const head = repo.git('rev-parse', 'HEAD');
      // A git that says 2.20.1 and refuses --write-tree, as git 2.20 does.
      const bin = join(repo.root, '..', 'old-git');
      mkdirSync(bin);
      const real = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
      writeFileSync(
        join(bin, 'git'),
        [
          '#!/bin/sh',
          'for a in "$@"; do case "$a" in --version) echo "git version 2.20.1"; exit 0;; esac; done',
          'for a in "$@"; do case "$a" in --write-tree) echo "error: unknown option \\`write-tree\'" >&2; exit 129;; esac; done',
          `exec '${real}' "$@"`,
          '',
        ].join('\n'),
      );
      chmodSync(join(bin, 'git'), 0o755);
      const path = process.env.PATH;
      process.env.PATH = `${bin}:${path}`;
      try {
        await expect(mergeTree(repo.root, head, head)).rejects.toMatchObject({
          code: 'git/too-old',
          message: 'git 2.20.1 is older than 2.38: conflict prediction needs git merge-tree --write-tree',
          hint: expect.stringContaining('Upgrade git'),
        });
      } finally {
        process.env.PATH = path;
      }
    } finally {
      repo.cleanup();
    }
  });
});
