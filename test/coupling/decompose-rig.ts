// What the decompose suites share: a repository with a spec whose command agent runs given shell lines
// in the scratch worktree, and the shell line that writes one valid contract.
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeRepo, type TempRepo } from '../rig/repo.js';

/** A shell line that writes one valid contract owning `src/<name>/**`. */
export const contract = (id: string, name: string) =>
  `mkdir -p specs/${id} && printf -- "---\\nfeature_id: ${id}\\ntitle: ${name}\\nowns: [src/${name}/**]\\nacceptance_criteria:\\n  - { text: tests pass, run: \\"true\\" }\\n---\\n" > specs/${id}/contract.md`;

/**
 * A repository with a spec (and `files`), configured for a command agent running `lines` in the
 * scratch worktree; pushed on `repos` for the suite's cleanup.
 */
export function repoWithAgent(
  repos: TempRepo[],
  lines: string[],
  files: Record<string, string> = {},
): TempRepo {
  const r = makeRepo({
    'src/a/x.ts': 'export const a = 1;\n',
    '.gitignore': '.baton/\n',
    'spec.md': '# Shop\n',
    ...files,
  });
  repos.push(r);
  const agent = join(r.root, '..', 'agent.sh');
  writeFileSync(agent, ['#!/bin/sh', ...lines, ''].join('\n'));
  chmodSync(agent, 0o755);
  r.write({ 'baton.config.json': JSON.stringify({ agent: { command: agent } }) });
  r.git('add', '-A');
  r.git('commit', '-q', '-m', 'config');
  return r;
}

/** How many worktrees the repository has, the main checkout included. */
export const worktreeCount = (r: TempRepo) => r.git('worktree', 'list').split('\n').length;
