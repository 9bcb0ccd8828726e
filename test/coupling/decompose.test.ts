import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runBaton } from '../rig/cli.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';
import { contract, repoWithAgent } from './decompose-rig.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

const SKELETON = resolve(import.meta.dirname, '..', '..', 'assets', 'demo', 'skeleton');
const SPEC = resolve(import.meta.dirname, '..', '..', 'assets', 'demo', 'grader-spec.md');

/** The grader's skeleton without its contracts, configured for the scripted demo agent. */
function graderRepo(config: object = {}): TempRepo {
  const files: Record<string, string> = {};
  for (const f of [
    'src/store.js',
    'src/app.js',
    'src/http.js',
    'src/server.js',
    'package.json',
    'test/helpers.js',
  ]) {
    files[f] = readFileSync(join(SKELETON, f), 'utf8');
  }
  const r = makeRepo({
    ...files,
    'baton.config.json': JSON.stringify({
      agent: 'demo',
      agents: { demo: { env: { BATON_DEMO_SECONDS: '0' } } },
      ...config,
    }),
    '.gitignore': '.baton/\n',
    'docs/spec.md': readFileSync(SPEC, 'utf8'),
  });
  repos.push(r);
  return r;
}

describe('baton decompose', () => {
  it('with the demo agent writes into the specs folder the config names', async () => {
    const r = graderRepo({ specs: 'docs/specs' });
    const out = await runBaton(['decompose', 'docs/spec.md'], { cwd: r.root });
    expect(out.code, out.stdout + out.stderr).toBe(0);
    expect(out.stdout).toContain('wrote docs/specs/feature-002-grade/contract.md');
    expect(readdirSync(join(r.root, 'docs', 'specs')).sort()).toEqual([
      'feature-001-upload',
      'feature-002-grade',
      'feature-003-feedback',
    ]);
    expect(existsSync(join(r.root, 'specs'))).toBe(false);
  });

  it('with the demo agent (no API key) writes the grader’s contracts, which lint clean, and prints the plan with its score', async () => {
    const r = graderRepo();
    const env = { ANTHROPIC_API_KEY: undefined, OPENAI_API_KEY: undefined } as unknown as NodeJS.ProcessEnv;
    const out = await runBaton(['decompose', 'docs/spec.md'], { cwd: r.root, env });
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    expect(readdirSync(join(r.root, 'specs')).sort()).toEqual([
      'feature-001-upload',
      'feature-002-grade',
      'feature-003-feedback',
    ]);
    expect(out.stdout).toContain('round 1: 3 contract(s), 0 error(s), 0 warning(s), score 0');
    expect(out.stdout).toContain('wrote specs/feature-002-grade/contract.md');
    expect(out.stdout).toContain('3 features in 1 wave');
    expect(out.stdout).toContain('decomposition score: 0 (clean)');
    expect(out.stdout).toContain('lint is clean');
    const lint = JSON.parse((await runBaton(['lint', '--json'], { cwd: r.root })).stdout);
    expect(lint).toMatchObject({ ok: true, contracts: 3, errors: 0, warnings: 0 });
    // Only the contracts changed in the main checkout; the scratch worktree is gone.
    expect(r.git('status', '--porcelain', '--untracked-files=all')).toBe(
      [
        '?? specs/feature-001-upload/contract.md',
        '?? specs/feature-002-grade/contract.md',
        '?? specs/feature-003-feedback/contract.md',
      ].join('\n'),
    );
    expect(r.git('worktree', 'list').split('\n')).toHaveLength(1);
    // The agent saw the spec, the layout, the coupling and the schema.
    const runs = join(r.root, '.baton', 'decompose');
    const [run] = readdirSync(runs);
    const task = readFileSync(join(runs, run as string, 'round-1', 'task.md'), 'utf8');
    expect(task).toContain('POST /submissions/{id}/grade');
    expect(task).toContain('## Repository layout');
    expect(task).toContain('- src/ (');
    expect(task).toContain('## Coupling from the git history');
    expect(task).toContain('"feature_id"');
  });

  it('refuses to run over existing contracts without --force', async () => {
    const r = graderRepo();
    r.commit('a contract', {
      'specs/feature-009-mine/contract.md': '---\nfeature_id: feature-009-mine\n---\n',
    });
    const out = await runBaton(['decompose', 'docs/spec.md'], { cwd: r.root });
    expect(out.code).toBe(1);
    expect(out.stderr).toContain('1 contract already exist in specs/ (feature-009-mine/contract.md)');
    expect(out.stderr).toContain('--force');
    expect(readFileSync(join(r.root, 'specs/feature-009-mine/contract.md'), 'utf8')).toContain(
      'feature-009-mine',
    );
  });

  it('refuses a round that writes outside specs/, reports the files and reverts nothing of the user’s', async () => {
    const r = graderRepo();
    // A command agent that writes a contract and also edits the app.
    const agent = join(r.root, '..', 'rogue-agent.sh');
    writeFileSync(
      agent,
      [
        '#!/bin/sh',
        'mkdir -p specs/feature-001-all',
        'printf -- "---\\nfeature_id: feature-001-all\\nowns: [src/**]\\nacceptance_criteria:\\n  - { text: tests pass, run: \\"true\\" }\\n---\\n" > specs/feature-001-all/contract.md',
        'echo "// hacked" >> src/app.js',
        '',
      ].join('\n'),
    );
    chmodSync(agent, 0o755);
    r.write({ 'baton.config.json': JSON.stringify({ agent: { command: agent } }) });
    writeFileSync(join(r.root, 'notes.txt'), 'my uncommitted work\n');
    const before = readFileSync(join(r.root, 'src/app.js'), 'utf8');
    const out = await runBaton(['decompose', 'docs/spec.md', '--rounds', '2'], { cwd: r.root });
    expect(out.code).toBe(1);
    expect(out.stdout).toContain('round 1 refused: the agent changed files outside the specs folder:');
    expect(out.stdout).toContain('  src/app.js');
    expect(out.stdout).toContain('no round produced contracts to keep; nothing was written');
    expect(existsSync(join(r.root, 'specs'))).toBe(false);
    // The user's checkout is untouched; the agent's worktree is kept for inspection.
    expect(readFileSync(join(r.root, 'src/app.js'), 'utf8')).toBe(before);
    expect(readFileSync(join(r.root, 'notes.txt'), 'utf8')).toBe('my uncommitted work\n');
    expect(r.git('worktree', 'list').split('\n')).toHaveLength(2);
  });

  it('refuses a round whose agent failed, even with a valid contract written, and says why', async () => {
    const r = graderRepo();
    // A command agent that writes a valid contract and then fails.
    const agent = join(r.root, '..', 'failing-agent.sh');
    writeFileSync(
      agent,
      [
        '#!/bin/sh',
        'mkdir -p specs/feature-001-all',
        'printf -- "---\\nfeature_id: feature-001-all\\nowns: [src/**]\\nacceptance_criteria:\\n  - { text: tests pass, run: \\"true\\" }\\n---\\n" > specs/feature-001-all/contract.md',
        'exit 3',
        '',
      ].join('\n'),
    );
    chmodSync(agent, 0o755);
    r.write({ 'baton.config.json': JSON.stringify({ agent: { command: agent } }) });
    const out = await runBaton(['decompose', 'docs/spec.md', '--rounds', '2'], { cwd: r.root });
    expect(out.code).toBe(1);
    expect(out.stdout).toContain('round 1 refused: the agent exited 3');
    expect(out.stdout).toContain('[decompose/agent-failed]');
    expect(out.stdout).not.toContain('round 1: 1 contract(s)');
    expect(out.stdout).toContain('no round produced contracts to keep; nothing was written');
    expect(existsSync(join(r.root, 'specs'))).toBe(false);
    expect(r.git('worktree', 'list').split('\n')).toHaveLength(2);
    const json = await runBaton(['decompose', 'docs/spec.md', '--rounds', '1', '--json'], { cwd: r.root });
    const doc = JSON.parse(json.stdout) as { ok: boolean; rounds: Array<Record<string, unknown>> };
    expect(doc.ok).toBe(false);
    expect(doc.rounds[0]).toMatchObject({ exit_code: 3, accepted: false, refused: 'agent-failed' });
  });
  it("says a round's contracts do not load rather than counting them 0, in the progress line, the summary and --json", async () => {
    const r = graderRepo();
    // A command agent that writes one contract that loads and one with a field of the wrong type.
    const agent = join(r.root, '..', 'malformed-agent.sh');
    writeFileSync(
      agent,
      [
        '#!/bin/sh',
        'mkdir -p specs/feature-001-a specs/feature-002-b',
        'printf -- "---\\nfeature_id: feature-001-a\\nowns: [src/app.js]\\nacceptance_criteria:\\n  - { text: tests pass, run: \\"true\\" }\\n---\\n" > specs/feature-001-a/contract.md',
        'printf -- "---\\nfeature_id: feature-002-b\\nowns: 7\\n---\\n" > specs/feature-002-b/contract.md',
        '',
      ].join('\n'),
    );
    chmodSync(agent, 0o755);
    r.write({ 'baton.config.json': JSON.stringify({ agent: { command: agent } }) });
    const out = await runBaton(['decompose', 'docs/spec.md', '--rounds', '1'], { cwd: r.root });
    expect(out.stdout).toMatch(/round 1: contracts that do not load, [1-9]\d* error\(s\)/);
    expect(out.stdout).toContain('kept round 1 of 1: contracts that do not load');
    expect(out.stdout).not.toContain('0 contract(s)');
    const json = await runBaton(['decompose', 'docs/spec.md', '--rounds', '1', '--json', '--force'], {
      cwd: r.root,
    });
    const doc = JSON.parse(json.stdout) as { rounds: Array<Record<string, unknown>> };
    expect(doc.rounds[0]).toMatchObject({ accepted: true, contracts: null });
  });

  it('tells the agent a shared file at the top of a source root is a hotspot, and lists it in the layout', async () => {
    const r = repoWithAgent(repos, [contract('feature-001-all', 'a')], {
      'src/routes.ts': '',
      'src/auth/a.ts': '',
      'src/billing/b.ts': '',
    });
    // Each module's change also adds its route: src/routes.ts changes with three folders.
    let routes = '';
    for (const i of [1, 2]) {
      for (const f of ['src/a/x.ts', 'src/auth/a.ts', 'src/billing/b.ts']) {
        routes += `${f} ${i}\n`;
        r.commit(`${f} and its route ${i}`, { [f]: `// ${i}\n`, 'src/routes.ts': routes });
      }
    }
    const out = await runBaton(['decompose', 'spec.md', '--rounds', '1'], { cwd: r.root });
    expect(out.code, out.stdout + out.stderr).toBe(0);
    const runs = join(r.root, '.baton', 'decompose');
    const task = readFileSync(join(runs, readdirSync(runs)[0] as string, 'round-1', 'task.md'), 'utf8');
    expect(task).toMatch(/^- src\/routes\.ts: with 3 folders in \d+ commits$/m);
    expect(task).toContain('- src/auth/ (1 files)');
    expect(task).toContain(
      '- files in no folder above: .gitignore, baton.config.json, spec.md, src/routes.ts',
    );
    expect(task).not.toContain('- src/ (');
  });
});
