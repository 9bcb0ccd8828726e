import { chmodSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runBaton } from '../rig/cli.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

/** A shell line that writes one valid contract owning `src/<name>/**`. */
const contract = (id: string, name: string) =>
  `mkdir -p specs/${id} && printf -- "---\\nfeature_id: ${id}\\ntitle: ${name}\\nowns: [src/${name}/**]\\nacceptance_criteria:\\n  - { text: tests pass, run: \\"true\\" }\\n---\\n" > specs/${id}/contract.md`;

/** A repository with a spec, configured for a command agent running `lines` in the scratch worktree. */
function repoWithAgent(lines: string[], files: Record<string, string> = {}): TempRepo {
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

describe('baton decompose, from the specs folder as it is', () => {
  it('starts the agent from the checkout’s specs folder: a contract deleted there (not committed) stays deleted', async () => {
    const r = repoWithAgent([
      // An agent that reviews every contract it finds, then writes its own.
      'find specs -type f | sort > "$SEEN"',
      'for f in specs/*/contract.md; do [ -f "$f" ] && echo "<!-- reviewed -->" >> "$f"; done',
      contract('feature-002-new', 'a'),
    ]);
    r.commit('old contract', {
      'specs/feature-001-old/contract.md':
        '---\nfeature_id: feature-001-old\ntitle: a\nowns: [src/a/**]\nacceptance_criteria:\n  - { text: t, run: "true" }\n---\n',
    });
    rmSync(join(r.root, 'specs'), { recursive: true });
    const seen = join(r.root, '..', 'seen.txt');
    const out = await runBaton(['decompose', 'spec.md', '--rounds', '1', '--json'], {
      cwd: r.root,
      env: { ...process.env, SEEN: seen },
    });
    expect(out.code, out.stdout + out.stderr).toBe(0);
    expect(readFileSync(seen, 'utf8')).toBe('');
    const json = JSON.parse(out.stdout);
    expect(json.rounds[0].contracts).toBe(1);
    expect(json.written).toEqual(['specs/feature-002-new/contract.md']);
    expect(readdirSync(join(r.root, 'specs'))).toEqual(['feature-002-new']);
  });
});

describe('baton decompose, counting as baton lint counts', () => {
  it('reports every finding lint reports when one contract does not parse', async () => {
    const r = repoWithAgent([
      'mkdir -p specs/bad specs/api specs/api2',
      "printf -- '---\\nfeature_id: [bad\\n---\\n' > specs/bad/contract.md",
      `printf -- '---\\nfeature_id: api\\nowns: ["src/api/**"]\\nacceptance_criteria:\\n  - {id: t, text: tests pass, run: "true"}\\n---\\n' > specs/api/contract.md`,
      `printf -- '---\\nfeature_id: api\\nowns: ["src/api2/**"]\\n---\\n' > specs/api2/contract.md`,
    ]);
    const out = await runBaton(['decompose', 'spec.md', '--rounds', '1', '--json'], { cwd: r.root });
    expect(out.code).toBe(1);
    const json = JSON.parse(out.stdout);
    const lint = JSON.parse((await runBaton(['lint', '--json'], { cwd: r.root })).stdout);
    expect(lint).toMatchObject({ errors: 2, warnings: 2 });
    expect(json.rounds[0]).toMatchObject({ contracts: null, errors: lint.errors, warnings: lint.warnings });
    const codes = (ds: { code: string }[]) => ds.map((d) => d.code).sort();
    expect(codes(json.remaining)).toEqual(codes(lint.diagnostics));
    expect(codes(json.remaining)).toContain('plan/duplicate-id');
  });
});
