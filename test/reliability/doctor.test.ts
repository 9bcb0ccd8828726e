import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, realpathSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { DoctorCheck } from '../../src/doctor/check.js';
import { versionAtLeast } from '../../src/doctor/check.js';
import { checkGitVersion, checkNodeVersion } from '../../src/doctor/environment.js';
import { checkStaleRecords } from '../../src/doctor/worktrees.js';
import { runBaton } from '../rig/cli.js';
import { contractFiles } from '../rig/contracts.js';
import { GIT_ENV, makeRepo, type TempRepo } from '../rig/repo.js';
import { addFeatureWorktree, appendLog, commitIn } from './fixture.js';

let repo: TempRepo | undefined;
afterEach(() => {
  repo?.cleanup();
  repo = undefined;
});

/** A project whose features use the built-in demo agent, so every required check can pass here. */
function demoProject(ids: string[]): TempRepo {
  return makeRepo({
    '.gitignore': '.baton/\n',
    ...contractFiles(ids.map((id) => ({ id, agent: 'demo' }))),
  });
}

async function doctor(cwd: string): Promise<{ code: number; checks: Map<string, DoctorCheck>; ok: boolean }> {
  const r = await runBaton(['doctor', '--json'], { cwd });
  const json = JSON.parse(r.stdout) as { ok: boolean; checks: DoctorCheck[] };
  return { code: r.code, ok: json.ok, checks: new Map(json.checks.map((c) => [c.name, c])) };
}

const run = (base: string, pid: number) => ({
  v: 1,
  ts: '2026-01-01T00:00:00.000Z',
  run_id: 'r1',
  type: 'run.started',
  feature_ids: ['a', 'b'],
  concurrency: 2,
  base: 'main',
  base_commit: base,
  mode: 'contract-first',
  pid,
});

describe('baton doctor', () => {
  it('passes on a healthy project, and finds agents on PATH with their version', async () => {
    repo = demoProject(['a', 'b']);
    appendLog(repo, [
      run(repo.git('rev-parse', 'HEAD'), 1),
      {
        v: 1,
        ts: '2026-01-01T00:01:00.000Z',
        run_id: 'r1',
        type: 'run.ended',
        outcome: 'complete',
        duration_ms: 60000,
      },
    ]);
    // A PATH holding only a stand-in `claude`: every other agent is then missing, whatever this machine has.
    const bin = join(repo.root, '..', 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'claude'), '#!/bin/sh\necho "2.1.5 (Claude Code)"\n', { mode: 0o755 });
    const r = await runBaton(['doctor', '--json'], { cwd: repo.root, env: { PATH: bin } });
    const json = JSON.parse(r.stdout) as { ok: boolean; checks: DoctorCheck[] };
    const checks = new Map(json.checks.map((c) => [c.name, c]));
    expect(r.code).toBe(0);
    expect(json.ok).toBe(true);
    const agents = [...checks.keys()].filter((n) => n.startsWith('agent '));
    expect(agents).toEqual([...agents].sort());
    expect(agents).toContain('agent codex');
    expect([...checks.keys()].filter((n) => !n.startsWith('agent '))).toEqual([
      'git',
      'node',
      'temp folder',
      'repository',
      'config',
      'contracts',
      'main checkout',
      'log',
      'last run',
      'last integration',
      'worktree records',
      'finished worktrees',
      'git locks',
    ]);
    for (const c of checks.values()) {
      const expected =
        c.name.startsWith('agent ') && !['agent claude', 'agent demo'].includes(c.name) ? 'warn' : 'ok';
      expect([c.name, c.status]).toEqual([c.name, expected]);
    }
    expect(checks.get('agent claude')?.detail).toBe(`Claude Code 2.1.5 at ${join(bin, 'claude')}`);
    expect(checks.get('agent codex')).toMatchObject({ detail: 'Codex CLI not found on PATH' });
    expect(checks.get('agent codex')?.hint).toContain('npm install -g @openai/codex');
    expect(checks.get('git')?.detail).toMatch(/^\d+\.\d+\.\d+ \(merge-tree --write-tree available\)$/);
    expect(checks.get('contracts')?.detail).toBe('2 features, plan valid');
    expect(checks.get('agent demo')?.detail).toContain('— used by a, b');
    expect(checks.get('log')?.detail).toContain('2 events');
    expect(checks.get('last run')?.detail).toBe('r1 ended (complete)');
  });

  it('fails when an agent a feature uses is not installed', async () => {
    repo = makeRepo(contractFiles([{ id: 'a', agent: 'codex' }]));
    const r = await runBaton(['doctor'], { cwd: repo.root, env: { PATH: join(repo.root, 'nothing-here') } });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^✗ agent codex +Codex CLI not found on PATH — used by a$/m);
  });

  it('names the configured command, not PATH, when agents.<name>.command points nowhere', async () => {
    repo = makeRepo({
      'baton.config.json': JSON.stringify({ agents: { claude: { command: '/opt/nothere/claude' } } }),
      ...contractFiles([{ id: 'a', agent: 'claude' }]),
    });
    // A working `claude` on PATH: the configured path is what the run would start, and what is wrong.
    const bin = join(repo.root, '..', 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'claude'), '#!/bin/sh\necho "2.1.5 (Claude Code)"\n', { mode: 0o755 });
    const r = await runBaton(['doctor', '--json'], { cwd: repo.root, env: { PATH: bin } });
    const claude = (JSON.parse(r.stdout) as { checks: DoctorCheck[] }).checks.find(
      (c) => c.name === 'agent claude',
    );
    expect(r.code).toBe(1);
    expect(claude).toMatchObject({
      status: 'fail',
      detail: `Claude Code: agents.claude.command "/opt/nothere/claude" in ${join(repo.root, 'baton.config.json')} was not found — used by a`,
    });
    expect(claude?.hint).toContain('Fix agents.claude.command in');
    expect(claude?.hint).not.toContain('npm install');
  });

  it('takes a relative agents.<name>.command from the repository root, from whatever folder it runs in', async () => {
    repo = makeRepo({
      'baton.config.json': JSON.stringify({ agents: { claude: { command: 'tools/myclaude' } } }),
      'src/deep/.keep': '',
      ...contractFiles([{ id: 'a', agent: 'claude' }]),
    });
    mkdirSync(join(repo.root, 'tools'));
    writeFileSync(join(repo.root, 'tools', 'myclaude'), '#!/bin/sh\necho "2.1.5 (Claude Code)"\n', {
      mode: 0o755,
    });
    const r = await runBaton(['doctor', '--json'], { cwd: join(repo.root, 'src', 'deep') });
    const claude = (JSON.parse(r.stdout) as { checks: DoctorCheck[] }).checks.find(
      (c) => c.name === 'agent claude',
    );
    expect(claude).toMatchObject({
      status: 'ok',
      detail: `Claude Code 2.1.5 at ${join(repo.root, 'tools', 'myclaude')} — used by a`,
    });
  });

  it("fails when a command agent's program does not resolve, as sh -c would look it up", async () => {
    repo = makeRepo({
      'baton.config.json': JSON.stringify({ agent: { command: 'nonexistent-cli --go' } }),
      ...contractFiles([{ id: 'a' }, { id: 'b', agent: { command: 'FOO=1 git --version' } }]),
    });
    const r = await runBaton(['doctor', '--json'], { cwd: repo.root });
    const commands = (JSON.parse(r.stdout) as { checks: DoctorCheck[] }).checks.filter(
      (c) => c.name === 'agent command',
    );
    expect(r.code).toBe(1);
    expect(commands.map((c) => [c.status, c.detail.replace(/: \/\S+git /, ': git ')])).toEqual([
      [
        'fail',
        '"nonexistent-cli --go": nonexistent-cli was not found on PATH (or at that path), so the agent cannot start — used by a',
      ],
      ['ok', '"FOO=1 git --version": git — used by b'],
    ]);
  });

  it('judges a command agent found by a relative path as the worktree will see it, not the main checkout', async () => {
    const script = '#!/bin/sh\nexit 0\n';
    repo = makeRepo({
      '.gitignore': '.baton/\nagent.sh\nlocal/\n',
      'baton.config.json': JSON.stringify({ copy: ['local'] }),
      'tools/run.sh': script,
      ...contractFiles([
        { id: 'a', agent: { command: './agent.sh --go' } },
        { id: 'b', agent: { command: './tools/run.sh' } },
        { id: 'c', agent: { command: 'local/agent.sh' } },
      ]),
    });
    repo.write({ 'agent.sh': script, 'local/agent.sh': script });
    for (const f of ['agent.sh', 'tools/run.sh', 'local/agent.sh']) chmodSync(join(repo.root, f), 0o755);
    repo.git('add', 'tools/run.sh');
    repo.git('commit', '-qm', 'tools/run.sh is executable');
    const r = await runBaton(['doctor', '--json'], { cwd: repo.root });
    const commands = (JSON.parse(r.stdout) as { checks: DoctorCheck[] }).checks.filter(
      (c) => c.name === 'agent command',
    );
    expect(r.code).toBe(1);
    expect(commands.map((c) => [c.status, c.detail])).toEqual([
      [
        'fail',
        '"./agent.sh --go": ./agent.sh is found from the feature\'s worktree, where the run starts it, and it is not committed (untracked or ignored): worktrees will not have it, so the agent cannot start — used by a',
      ],
      ['ok', '"./tools/run.sh": ./tools/run.sh (committed: in every worktree) — used by b'],
      [
        'ok',
        '"local/agent.sh": local/agent.sh (copied in by `copy` or .worktreeinclude: in every worktree) — used by c',
      ],
    ]);
    expect(commands[0]?.hint).toBe(
      "Commit ./agent.sh, list it in the config's `copy`, or name the program by an absolute path.",
    );
  });

  it('fails a command agent committed without its executable bit (made executable only in the main checkout)', async () => {
    repo = makeRepo({
      'tools/run.sh': '#!/bin/sh\nexit 0\n',
      ...contractFiles([{ id: 'a', agent: { command: './tools/run.sh' } }]),
    });
    // `chmod +x` after the commit, never committed: worktrees get the file as git has it, 100644.
    chmodSync(join(repo.root, 'tools/run.sh'), 0o755);
    repo.git('config', 'core.fileMode', 'false');
    const r = await runBaton(['doctor', '--json'], { cwd: repo.root });
    const command = (JSON.parse(r.stdout) as { checks: DoctorCheck[] }).checks.find(
      (c) => c.name === 'agent command',
    );
    expect(r.code).toBe(1);
    expect(command?.status).toBe('fail');
    expect(command?.detail).toContain('./tools/run.sh is committed without its executable bit');
    expect(command?.hint).toContain('git update-index --chmod=+x ./tools/run.sh');
  });

  it('warns about a dirty main checkout with the rule and the fix of `baton run`', async () => {
    repo = demoProject(['a']);
    repo.write({ 'notes.txt': 'not committed\n' });
    const { code, checks } = await doctor(repo.root);
    expect(code).toBe(0);
    const run = await runBaton(['run'], { cwd: repo.root });
    expect(run.stderr).toContain('[run/dirty-checkout]');
    const hint = /^hint: (.*)$/m.exec(run.stderr)?.[1];
    expect(checks.get('main checkout')).toMatchObject({
      status: 'warn',
      detail:
        '`baton run` will refuse it [run/dirty-checkout]: the main checkout has uncommitted changes that the feature branches (cut from HEAD) would not contain: ?? notes.txt',
      hint,
    });
    repo.git('add', '-A');
    repo.git('commit', '-qm', 'notes');
    expect((await doctor(repo.root)).checks.get('main checkout')).toMatchObject({ status: 'ok' });
  });

  it("fails the config when its `base` is no commit here, as `baton run` refuses it, and run's hint names the config", async () => {
    repo = demoProject(['a']);
    repo.commit('base', { 'baton.config.json': '{ "base": "nope" }\n' });
    const { code, checks } = await doctor(repo.root);
    expect(code).toBe(1);
    const run = await runBaton(['run', '--dry-run'], { cwd: repo.root });
    expect(run.stderr).toContain(
      'baton: the base "nope" is not a commit in this repository (`base` in baton.config.json) [run/bad-base]',
    );
    const hint = /^hint: (.*)$/m.exec(run.stderr)?.[1];
    expect(hint).toBe(
      'Set `base` in baton.config.json to a branch or commit that exists (git branch -a lists the branches), or remove it to start from HEAD; --base <branch or commit> overrides it for one run.',
    );
    expect(checks.get('config')).toMatchObject({
      status: 'fail',
      detail:
        '`baton run` will refuse it [run/bad-base]: the base "nope" is not a commit in this repository (`base` in baton.config.json)',
      hint,
    });
    // A base that is a commit passes.
    repo.commit('base', { 'baton.config.json': '{ "base": "main" }\n' });
    expect((await doctor(repo.root)).checks.get('config')).toMatchObject({ status: 'ok' });
  });

  it('fails an invalid config with its first problem, how many more, and `baton lint` for all of them', async () => {
    repo = demoProject(['a']);
    repo.commit('config', { 'baton.config.json': '{ "concurrency": "4", "concurency": 2 }\n' });
    const { code, checks } = await doctor(repo.root);
    expect(code).toBe(1);
    const config = checks.get('config');
    expect(config?.status).toBe('fail');
    expect(config?.detail).toMatch(/^baton\.config\.json:1: concurrency: .* \(and 1 more\)$/);
    expect(config?.hint).toBe(
      'Run `baton lint` for every problem; every field is optional (see Baton\'s README, "Configuration", or its schema/config.schema.json).',
    );
    const lint = await runBaton(['lint'], { cwd: repo.root });
    expect(lint.stdout + lint.stderr).toContain('2 errors');
  });

  it('names the bad log lines, an interrupted run, stale and finished worktrees and old lock files', async () => {
    repo = demoProject(['a', 'b', 'c']);
    const base = repo.git('rev-parse', 'HEAD');
    addFeatureWorktree(repo, 'a'); // finished, nothing unmerged
    commitIn(repo, addFeatureWorktree(repo, 'b'), 'b', { 'src/b/x.ts': 'b\n' }); // finished but unmerged
    const gone = addFeatureWorktree(repo, 'c');
    rmSync(gone, { recursive: true, force: true });
    appendLog(repo, [run(base, 2 ** 22 + 17), { feature_id: 'a', status: 'complete' }]);
    writeFileSync(
      join(repo.root, '.baton', 'log.jsonl'),
      '{"feature_id":"b","sta\n{"type":"run.started"}\n',
      {
        flag: 'a',
      },
    );
    appendLog(repo, [{ feature_id: 'b', status: 'complete' }]);
    const lock = join(repo.root, '.git', 'index.lock');
    writeFileSync(lock, '');
    const old = new Date(Date.now() - 10 * 60_000);
    utimesSync(lock, old, old);
    writeFileSync(join(repo.root, '.git', 'worktrees', 'a', 'index.lock'), ''); // fresh: a git may be running

    const d = await doctor(repo.root);
    expect(d.code).toBe(0); // warnings only
    const log = d.checks.get('log');
    expect(log?.status).toBe('warn');
    expect(log?.detail).toContain('2 bad lines skipped: 3, 4 (line 3: not valid JSON');
    const last = d.checks.get('last run');
    expect(last?.status).toBe('warn');
    expect(last?.detail).toContain(`r1 was interrupted: its orchestrator (pid ${2 ** 22 + 17}) is gone`);
    expect(last?.hint).toContain('baton run --resume');
    const records = d.checks.get('worktree records');
    expect(records?.status).toBe('warn');
    expect(records?.detail).toContain(`${gone} (baton/c)`);
    const finished = d.checks.get('finished worktrees');
    expect(finished?.status).toBe('warn');
    expect(finished?.detail).toMatch(
      /^1 finished feature worktree\(s\) already merged: a; Baton's worktrees use /,
    );
    expect(finished?.hint).toContain('baton clean --merged');
    const locks = d.checks.get('git locks');
    expect(locks?.status).toBe('warn');
    expect(locks?.detail).toBe(`1 git lock file(s) left behind: ${lock} (10 min old)`);
  });

  it("names every lock git left (a branch's, packed-refs, config, shallow, a worktree's ref), quoted for the shell, but not one a live process holds", async () => {
    const parent = realpathSync(mkdtempSync(join(tmpdir(), 'baton-doctor-')));
    const root = join(parent, 'sp ace');
    const git = (...args: string[]) =>
      execFileSync('git', args, { cwd: root, env: GIT_ENV, encoding: 'utf8' });
    let holder: ChildProcess | undefined;
    try {
      mkdirSync(root);
      git('init', '-q', '-b', 'main');
      git('commit', '-q', '--allow-empty', '-m', 'initial');
      git('worktree', 'add', '-q', join(parent, 'other'));
      const dotGit = join(root, '.git');
      const left = [
        'config.lock',
        'packed-refs.lock',
        'refs/heads/baton/feature-001-x.lock',
        'shallow.lock',
        'worktrees/other/refs/bisect/bad.lock',
      ].map((f) => join(dotGit, f));
      const held = join(dotGit, 'index.lock');
      const old = new Date(Date.now() - 10 * 60_000);
      for (const f of [...left, held]) {
        mkdirSync(dirname(f), { recursive: true });
        writeFileSync(f, '');
        utimesSync(f, old, old);
      }
      // A live process with the lock open (as a git is while it writes): in use, however old.
      holder = spawn('/bin/sh', ['-c', 'exec 3<"$0"; echo ready; exec sleep 60', held], {
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      await new Promise((resolve) => holder?.stdout?.once('data', resolve));

      const locks = (await doctor(root)).checks.get('git locks');
      expect(locks?.status).toBe('warn');
      expect(locks?.detail).toBe(
        `5 git lock file(s) left behind: ${left.map((f) => `${f} (10 min old)`).join(', ')}`,
      );
      expect(locks?.hint).toContain(`If no git is running: rm ${left.map((f) => `'${f}'`).join(' ')}`);
    } finally {
      holder?.kill();
      rmSync(parent, { recursive: true, force: true });
    }
  });

  it('fails, exit 1, when a feature uses an agent Baton does not know, naming the feature', async () => {
    repo = makeRepo(
      contractFiles([
        { id: 'a', agent: 'no-such-agent' },
        { id: 'b', agent: 'demo' },
      ]),
    );
    const r = await runBaton(['doctor'], { cwd: repo.root });
    expect(r.code).toBe(1);
    // The contract that names it is refused where it is read: the check says which file and line.
    expect(r.stdout).toMatch(
      /^✗ contracts +specs\/a\/contract\.md:\d+:1: agent of a: unknown agent "no-such-agent" \[contract\/unknown-agent\]$/m,
    );
    expect(r.stdout).toContain('hint: Run `baton lint` for every problem.');
    expect(r.stdout).toMatch(/1 check failed\n$/);
  });

  it('fails the log check for a log that is a folder, and still runs every other check', async () => {
    repo = demoProject(['a']);
    mkdirSync(join(repo.root, '.baton', 'log.jsonl'), { recursive: true });
    const d = await doctor(repo.root);
    expect(d.code).toBe(1);
    expect(d.checks.get('log')).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('cannot be used: it is a directory'),
      hint: expect.stringContaining('Move it aside'),
    });
    for (const name of ['git', 'config', 'contracts', 'main checkout', 'worktree records', 'git locks'])
      expect(d.checks.get(name)?.status, name).toBe('ok');
    // Without the log nothing is known of the last run: never "no run yet".
    expect(d.checks.get('last run')).toMatchObject({
      status: 'warn',
      detail: expect.stringContaining('unknown'),
    });
  });

  it('checks the contracts beside an invalid config, as lint does', async () => {
    repo = makeRepo({
      'baton.config.json': '{ "bogus": 1 }\n',
      'specs/f1/contract.md': '---\nfeature_id: BAD\n---\n',
    });
    const d = await doctor(repo.root);
    expect(d.checks.get('config')).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('bogus'),
    });
    expect(d.checks.get('contracts')).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('specs/f1/contract.md:2'),
    });
  });

  it('fails outside a git repository, and still checks git, node and agents', async () => {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), 'baton-doctor-')));
    try {
      const d = await doctor(dir);
      expect(d.code).toBe(1);
      expect(d.checks.get('repository')).toMatchObject({
        status: 'fail',
        detail: `${dir} is not inside a git repository [git/not-a-repo]`,
      });
      expect(d.checks.get('git')?.status).toBe('ok');
      expect(d.checks.get('agent demo')?.status).toBe('ok');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says a bare repository and a git folder are what every command says, not "not inside a git repository"', async () => {
    repo = makeRepo();
    const bare = join(repo.root, '..', 'bare.git');
    repo.git('clone', '-q', '--bare', repo.root, bare);
    const inBare = await doctor(bare);
    expect(inBare.code).toBe(1);
    expect(inBare.checks.get('repository')).toMatchObject({
      status: 'fail',
      detail: `${bare} is a bare git repository: it has no checkout, and Baton works in one [git/bare-repo]`,
      hint: expect.stringContaining(`\`git clone '${bare}' <new folder>\``),
    });
    const gitDir = join(repo.root, '.git');
    const inGitDir = await doctor(gitDir);
    expect(inGitDir.checks.get('repository')).toMatchObject({
      status: 'fail',
      detail: `${gitDir} is inside the git folder ${gitDir}, not in a checkout [git/inside-git-dir]`,
      hint: expect.stringContaining('the folder above `.git`'),
    });
  });
});

describe('worktree records', () => {
  it('tells a folder that is gone from one left with no .git, which may hold work', () => {
    const main = { path: '/r' };
    const present = new Set(['/w/b']);
    const c = checkStaleRecords(
      [
        main,
        { path: '/w/a', branch: 'baton/a', prunable: true },
        { path: '/w/b', branch: 'baton/b', prunable: true },
      ],
      (p) => present.has(p),
    );
    expect(c.status).toBe('warn');
    expect(c.detail).toBe(
      '1 worktree record(s) whose folder is gone: /w/a (baton/a); 1 worktree folder(s) left with no .git (a removal cut short, or its .git deleted): /w/b (baton/b)',
    );
    expect(c.hint).toContain('`baton clean --force <id>`');
  });
});

describe('version checks', () => {
  it.each([
    ['git version 2.37.1', 'fail'],
    ['git version 2.38.0', 'ok'],
    ['git version 2.39.5 (Apple Git-154)', 'ok'],
    ['git version 3.0.0', 'ok'],
    ['git version 1.99.9', 'fail'],
    ['no digits here', 'fail'],
  ])('%s → %s', (output, status) => {
    expect(checkGitVersion(output).status).toBe(status);
  });
  it('reports a missing git', () => {
    expect(checkGitVersion(undefined)).toMatchObject({ status: 'fail', detail: 'git was not found on PATH' });
  });
  it.each([
    ['20.18.3', 'fail'],
    ['20.19.0', 'ok'],
    ['20.20.2', 'ok'],
    // require() of an ES module needs a flag on 21 and on 22 before 22.12.
    ['21.7.3', 'fail'],
    ['22.11.0', 'fail'],
    ['22.12.0', 'ok'],
    ['23.0.0', 'ok'],
    ['24.1.0', 'ok'],
    ['18.20.4', 'fail'],
  ])('node %s → %s', (version, status) => {
    expect(checkNodeVersion(version).status).toBe(status);
  });
  it('compares versions part by part', () => {
    expect(versionAtLeast([2, 38, 0], [2, 38])).toBe(true);
    expect(versionAtLeast([2, 4, 0], [2, 38])).toBe(false);
    expect(versionAtLeast([10, 0], [9, 99])).toBe(true);
  });
});
