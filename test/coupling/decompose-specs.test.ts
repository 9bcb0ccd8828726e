import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runBaton } from '../rig/cli.js';
import type { TempRepo } from '../rig/repo.js';
import { repoWithAgent as agentRepo, contract, worktreeCount } from './decompose-rig.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

/** Shell lines that make `dir` a git repository whose config runs a command on the user's next `git status` there. */
const nestedRepo = (dir: string) => [
  `git init -q ${dir}`,
  `git -C ${dir} config core.fsmonitor 'echo PWNED >&2; false'`,
  // Empty folders are not copied, files are.
  `touch ${dir}/.git/objects/.keep ${dir}/.git/refs/.keep`,
];

/** A repository with a spec, for a command agent running `lines` in the scratch worktree. */
const repoWithAgent = (lines: string[], files: Record<string, string> = {}) => agentRepo(repos, lines, files);

describe('baton decompose, and the files git runs or reads', () => {
  it('refuses a round that leaves a git repository in specs/, and copies nothing of it', async () => {
    const r = repoWithAgent([contract('feature-001-a', 'a'), ...nestedRepo('specs/feature-001-a')]);
    const out = await runBaton(['decompose', 'spec.md', '--rounds', '1'], { cwd: r.root });
    expect(out.code).toBe(1);
    expect(out.stdout).toContain(
      'round 1 refused: the agent left files git runs or reads in the specs folder',
    );
    expect(out.stdout).toContain('[decompose/git-files]:\n  specs/feature-001-a/.git\n');
    expect(out.stdout).not.toContain('wrote');
    expect(existsSync(join(r.root, 'specs'))).toBe(false);
    // Kept for the user to look at, as every refused round's.
    expect(worktreeCount(r)).toBe(2);
  });

  it('keeps an earlier round, never the .git a later refused round left', async () => {
    // Round 1 writes one contract of the two asked for; round 2 turns its folder into a repository.
    const r = repoWithAgent([
      'if [ -f specs/feature-001-a/contract.md ]; then',
      ...nestedRepo('specs/feature-001-a'),
      'else',
      contract('feature-001-a', 'a'),
      'fi',
    ]);
    const out = await runBaton(['decompose', 'spec.md', '--features', '2', '--json'], { cwd: r.root });
    const json = JSON.parse(out.stdout);
    expect(json.rounds.map((x: { refused?: string }) => x.refused)).toEqual([undefined, 'git-files']);
    expect(json.rounds[1].outside).toEqual(['specs/feature-001-a/.git']);
    expect(json.best_round).toBe(1);
    expect(json.written).toEqual(['specs/feature-001-a/contract.md']);
    expect(readdirSync(join(r.root, 'specs', 'feature-001-a'))).toEqual(['contract.md']);
  });

  it('refuses a bare repository’s layout and a .gitattributes the agent wrote', async () => {
    const r = repoWithAgent([
      contract('feature-001-a', 'a'),
      'mkdir -p specs/x/objects specs/x/refs',
      "printf 'ref: refs/heads/main\\n' > specs/x/HEAD",
      "printf '[core]\\n\\tpager = echo PWNED\\n' > specs/x/config",
      'touch specs/x/objects/.keep specs/x/refs/.keep',
      "echo '*.md filter=lfs' > specs/.gitattributes",
    ]);
    const out = await runBaton(['decompose', 'spec.md', '--rounds', '1', '--json'], { cwd: r.root });
    expect(out.code).toBe(1);
    const json = JSON.parse(out.stdout);
    expect(json.rounds[0]).toMatchObject({
      refused: 'git-files',
      outside: ['specs/x/HEAD', 'specs/.gitattributes'],
    });
    expect(json.written).toEqual([]);
    expect(existsSync(join(r.root, 'specs'))).toBe(false);
  });

  it('leaves alone a .gitignore of the user’s in specs/, and refuses a round that changes it', async () => {
    const r = repoWithAgent(
      [contract('feature-001-a', 'a'), 'if [ -n "$TOUCH" ]; then echo "*" >> specs/.gitignore; fi'],
      {
        'specs/.gitignore': 'drafts/\n',
      },
    );
    const touched = await runBaton(['decompose', 'spec.md', '--rounds', '1'], {
      cwd: r.root,
      env: { ...process.env, TOUCH: '1' },
    });
    expect(touched.code).toBe(1);
    expect(touched.stdout).toContain('[decompose/git-files]:\n  specs/.gitignore\n');
    expect(readFileSync(join(r.root, 'specs', '.gitignore'), 'utf8')).toBe('drafts/\n');
    const untouched = await runBaton(['decompose', 'spec.md', '--rounds', '1'], {
      cwd: r.root,
      env: { ...process.env, TOUCH: '' },
    });
    expect(untouched.code, untouched.stdout + untouched.stderr).toBe(0);
    expect(untouched.stdout).toContain('wrote specs/feature-001-a/contract.md');
  });

  it('refuses to start over a repository in the user’s specs folder, naming it escaped', async () => {
    const r = repoWithAgent([contract('feature-001-a', 'a')]);
    const dir = join(r.root, 'specs', 'x\u001b[31m');
    mkdirSync(join(dir, '.git'), { recursive: true });
    writeFileSync(join(dir, '.git', 'config'), '[core]\n\tfsmonitor = echo PWNED\n');
    const out = await runBaton(['decompose', 'spec.md'], { cwd: r.root });
    expect(out.code).toBe(1);
    expect(out.stderr).toContain(
      'specs/x\\x1b[31m/.git makes a folder of specs/ a git repository; decompose copies plain files only',
    );
    expect(out.stderr).toContain('decompose/git-files');
    expect(out.stderr).not.toContain('\u001b[31m');
    expect(worktreeCount(r)).toBe(1);
  });
});

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
