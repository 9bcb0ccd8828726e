import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hasControl } from '../../src/text/escape.js';
import { BATON_BIN, runBaton } from '../rig/cli.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});
function repo(files?: Record<string, string>): TempRepo {
  const r = makeRepo(files);
  repos.push(r);
  return r;
}

/** A PATH with only git and node on it (no agent CLIs), in a folder beside the repository. */
function bareBin(r: TempRepo, name = 'bin'): string {
  const bin = join(dirname(r.root), name);
  mkdirSync(bin, { recursive: true });
  for (const tool of ['git', 'node']) {
    const target = execFileSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim();
    if (!existsSync(join(bin, tool))) symlinkSync(target, join(bin, tool));
  }
  return bin;
}

describe('baton init', () => {
  it('in a linked worktree of the user, init and new refuse and write nothing: Baton reads the main checkout', async () => {
    const r = repo({ 'README.md': '# app\n' });
    const linked = join(dirname(r.root), 'dev-wt');
    r.git('worktree', 'add', '-q', '-b', 'dev', linked);
    for (const args of [
      ['init', '--test', 'true'],
      ['new', 'upload'],
    ]) {
      const res = await runBaton(args, { cwd: linked });
      expect(res.code, res.stdout + res.stderr).toBe(1);
      expect(res.stderr).toContain(
        `baton: ${realpathSync(linked)} is a linked worktree; Baton reads the config and contracts from the main checkout, ${realpathSync(r.root)} [${args[0]}/linked-worktree]`,
      );
      expect(res.stderr).toContain(`hint: Run \`baton ${args[0]}\` in the main checkout.`);
    }
    expect(existsSync(join(linked, 'baton.config.json'))).toBe(false);
    expect(existsSync(join(linked, 'specs'))).toBe(false);
  });

  it('works in a checkout whose git folder is elsewhere (--separate-git-dir, as a submodule has): it is a main checkout', async () => {
    const base = realpathSync(mkdtempSync(join(tmpdir(), 'baton-sepgit-')));
    const root = join(base, 'app');
    try {
      execFileSync('git', ['init', '-q', '-b', 'main', `--separate-git-dir=${join(base, 'app.git')}`, root]);
      const res = await runBaton(['init', '--test', 'true'], { cwd: root });
      expect(res.code, res.stderr).toBe(0);
      expect(existsSync(join(root, 'baton.config.json'))).toBe(true);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });

  it('suggests a commit of its own files that leaves what the user had staged out of it', async () => {
    const r = repo({ 'README.md': '# app\n' });
    r.write({ 'wip.txt': 'half done\n' });
    r.git('add', 'wip.txt');
    const res = await runBaton(['init', '--test', 'true'], { cwd: r.root });
    expect(res.code, res.stderr).toBe(0);
    const command = res.stdout.split('\n').find((l) => l.trim().startsWith('git add '));
    expect(command).toBeDefined();
    execFileSync('sh', ['-c', command as string], {
      cwd: r.root,
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 'u',
        GIT_AUTHOR_EMAIL: 'u@u',
        GIT_COMMITTER_NAME: 'u',
        GIT_COMMITTER_EMAIL: 'u@u',
      },
    });
    expect(r.git('show', '--name-only', '--format=', 'HEAD').split('\n')).not.toContain('wip.txt');
    expect(r.git('show', '--name-only', '--format=', 'HEAD')).toContain('baton.config.json');
    expect(r.git('status', '--porcelain', '--', 'wip.txt')).toBe('A  wip.txt');
  });

  it('writes the config and a sample contract, and appends .baton/ to an existing .gitignore', async () => {
    const r = repo({ '.gitignore': 'node_modules/' });
    const out = await runBaton(['init'], { cwd: r.root });
    expect(out.code).toBe(0);
    expect(out.stdout).toContain('created baton.config.json');
    expect(out.stdout).toContain('created specs/feature-001-example/contract.md');
    expect(readFileSync(join(r.root, '.gitignore'), 'utf8')).toBe(
      "node_modules/\n# Baton's log, task files and agent logs (never committed)\n.baton/\n",
    );
    const config = JSON.parse(readFileSync(join(r.root, 'baton.config.json'), 'utf8'));
    expect(config.agent).toBe('claude');
    // No copy of Baton in the project: no $schema, rather than this machine's install path, which a
    // clone elsewhere would not have.
    expect(config.$schema).toBeUndefined();
    const sample = readFileSync(join(r.root, 'specs/feature-001-example/contract.md'), 'utf8');
    expect(sample).not.toContain('yaml-language-server');
    expect(`${JSON.stringify(config)}${sample}`).not.toContain(resolve(BATON_BIN, '..', '..'));
    // git itself now ignores the log folder.
    expect(r.git('check-ignore', '.baton/log.jsonl')).toBe('.baton/log.jsonl');
    // It ends by saying to commit the contracts.
    expect(out.stdout).toContain('git add baton.config.json .gitignore specs && git commit');
    // The untouched sample is flagged, not called clean.
    const lint = await runBaton(['lint'], { cwd: r.root });
    expect(lint).toMatchObject({ code: 0 });
    expect(lint.stdout).toContain('feature-001-example is still the template');
    expect(lint.stdout).toContain('1 contract: 2 warnings');
  });

  it('points the config and contracts at the schemas of a copy of Baton in node_modules, relative to each file', async () => {
    const r = repo({
      'node_modules/baton-cli/schema/config.schema.json': '{}',
      'node_modules/baton-cli/schema/contract.schema.json': '{}',
    });
    expect((await runBaton(['init'], { cwd: r.root })).code).toBe(0);
    const config = JSON.parse(readFileSync(join(r.root, 'baton.config.json'), 'utf8'));
    expect(config.$schema).toBe('./node_modules/baton-cli/schema/config.schema.json');
    expect((await runBaton(['new', 'upload'], { cwd: r.root })).code).toBe(0);
    for (const id of ['feature-001-example', 'feature-002-upload']) {
      const text = readFileSync(join(r.root, 'specs', id, 'contract.md'), 'utf8');
      expect(text).toContain(
        '# yaml-language-server: $schema=../../node_modules/baton-cli/schema/contract.schema.json\n',
      );
    }
  });

  it('sets the test command it finds and writes the sample criterion with that runner', async () => {
    const r = repo({ 'package.json': JSON.stringify({ name: 'shop', scripts: { test: 'node --test' } }) });
    const out = await runBaton(['init'], { cwd: r.root, env: { PATH: bareBin(r) } });
    expect(out.code).toBe(0);
    expect(out.stdout).toContain('test: npm test (from package.json "test" (node --test))');
    expect(JSON.parse(readFileSync(join(r.root, 'baton.config.json'), 'utf8')).test).toBe('npm test');
    const sample = readFileSync(join(r.root, 'specs/feature-001-example/contract.md'), 'utf8');
    expect(sample).toContain('run: "node --test test/example/"');
    // `baton new` uses the same runner.
    await runBaton(['new', 'upload'], { cwd: r.root });
    expect(readFileSync(join(r.root, 'specs/feature-002-upload/contract.md'), 'utf8')).toContain(
      'run: "node --test test/upload/"',
    );
  });

  it('reads a package.json that starts with a byte order mark, as npm does; one it cannot read is said, not "none found"', async () => {
    const script = JSON.stringify({ name: 'shop', scripts: { test: 'vitest run' } });
    const r = repo({ 'package.json': `\uFEFF${script}\n` });
    const out = await runBaton(['init'], { cwd: r.root, env: { PATH: bareBin(r) } });
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toContain('test: npm test (from package.json "test" (vitest))');
    expect(JSON.parse(readFileSync(join(r.root, 'baton.config.json'), 'utf8')).test).toBe('npm test');

    writeFileSync(join(r.root, 'package.json'), '{"scripts": {"test": "vitest",}}\n');
    const broken = await runBaton(['init', '--force'], { cwd: r.root, env: { PATH: bareBin(r) } });
    expect(broken.stdout).toMatch(
      /test: none found \(.*\); package\.json is not valid JSON \(.+\), so its "test" script was not read; set "test" in baton\.config\.json/,
    );
    // A FIFO is not waited on (it would hang init): spawned, so a hang is a timeout, not a stuck test worker.
    rmSync(join(r.root, 'package.json'));
    execFileSync('mkfifo', [join(r.root, 'package.json')]);
    const fifo = spawnSync(process.execPath, [BATON_BIN, 'init', '--force'], {
      cwd: r.root,
      env: { ...process.env, NO_COLOR: '1', PATH: bareBin(r) },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(fifo.status, fifo.stderr).toBe(0);
    expect(fifo.stdout).toContain(
      'package.json is a FIFO, not a regular file, so its "test" script was not read',
    );
  });

  it.each<[string, Record<string, string>, string, string]>([
    [
      'pytest (tests/test_*.py)',
      { 'tests/test_cart.py': 'def test_x(): pass\n' },
      'pytest',
      'pytest -k example',
    ],
    [
      'pytest (pyproject.toml)',
      { 'pyproject.toml': '[tool.pytest.ini_options]\n' },
      'pytest',
      'pytest -k example',
    ],
    ['go (go.mod)', { 'go.mod': 'module shop\n' }, 'go test ./...', 'go test ./src/example/...'],
    [
      'cargo (Cargo.toml)',
      { 'Cargo.toml': '[package]\nname = "shop"\n' },
      'cargo test',
      'cargo test example',
    ],
    ['make (a Makefile test target)', { Makefile: 'test:\n\ttrue\n' }, 'make test', 'make test'],
  ])('in a %s project, sets its test command and the sample runs it', async (_, files, test, run) => {
    const r = repo(files);
    const out = await runBaton(['init', '--json'], { cwd: r.root, env: { PATH: bareBin(r) } });
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout).test).toBe(test);
    expect(JSON.parse(readFileSync(join(r.root, 'baton.config.json'), 'utf8')).test).toBe(test);
    const sample = readFileSync(join(r.root, 'specs/feature-001-example/contract.md'), 'utf8');
    expect(sample).toContain(`run: "${run}"`);
  });

  it('refuses an --agent that names no agent, with the nearest one and the known ones, writing nothing', async () => {
    const r = repo();
    const typo = await runBaton(['init', '--agent', 'cladue'], { cwd: r.root, env: { PATH: bareBin(r) } });
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain(
      'baton: unknown agent "cladue" (did you mean "claude"?) [init/unknown-agent]',
    );
    expect(typo.stderr).toContain('Known agents: aider, claude, codex, demo, gemini, opencode');
    // A name every object has is no agent either (it was written into the config, which then did not load).
    const inherited = await runBaton(['init', '--agent', 'constructor'], {
      cwd: r.root,
      env: { PATH: bareBin(r) },
    });
    expect(inherited.code).toBe(2);
    expect(inherited.stderr).toContain('unknown agent "constructor"');
    expect(existsSync(join(r.root, 'baton.config.json'))).toBe(false);
  });

  it('picks an installed agent and names the others it found', async () => {
    const r = repo();
    const bin = bareBin(r);
    for (const name of ['codex', 'aider']) {
      writeFileSync(join(bin, name), `#!/bin/sh\necho "${name} 1.2.3"\n`, { mode: 0o755 });
    }
    const out = await runBaton(['init', '--json'], { cwd: r.root, env: { PATH: bin } });
    expect(JSON.parse(out.stdout)).toMatchObject({
      agent: 'codex',
      agents_found: ['codex', 'aider'],
      test: null,
    });
    const text = await runBaton(['init', '--force'], { cwd: r.root, env: { PATH: bin } });
    expect(text.stdout).toContain('agent: codex (installed); also found: aider');
    expect(text.stdout).toContain('test: none found');
    const none = await runBaton(['init', '--force'], { cwd: r.root, env: { PATH: bareBin(r, 'empty') } });
    expect(none.stdout).toContain('agent: claude, but no agent CLI was found on PATH');
  });

  it("reports a kept config's own agent and test, says a flag it did not write, and what --force replaced", async () => {
    const r = repo();
    const env = { PATH: bareBin(r) };
    expect((await runBaton(['init', '--agent', 'demo', '--test', 'true'], { cwd: r.root, env })).code).toBe(
      0,
    );
    const again = await runBaton(['init'], { cwd: r.root, env });
    expect(again.stdout).toContain('kept baton.config.json (already there;');
    expect(again.stdout).toContain('agent: demo (from baton.config.json, kept)');
    expect(again.stdout).not.toContain('no agent CLI was found');
    expect(again.stdout).toContain('test: true (from baton.config.json, kept)');
    expect(JSON.parse((await runBaton(['init', '--json'], { cwd: r.root, env })).stdout)).toMatchObject({
      agent: 'demo',
      test: 'true',
    });
    const flagged = await runBaton(['init', '--agent', 'codex', '--test', 'make check'], {
      cwd: r.root,
      env,
    });
    expect(flagged.stdout).toContain(
      '--agent codex is not written into a kept config: `baton init --force --agent codex` replaces baton.config.json, keeping a backup of it',
    );
    expect(flagged.stdout).toContain('--test is not written into a kept config');
    // An edited sample contract is replaced by --force too: the hint says so.
    const sample = join(r.root, 'specs', 'feature-001-example', 'contract.md');
    writeFileSync(sample, `${readFileSync(sample, 'utf8')}\nMy own note.\n`);
    const edited = await runBaton(['init', '--agent', 'codex'], { cwd: r.root, env });
    expect(edited.stdout).toContain(
      '`baton init --force --agent codex` replaces baton.config.json and specs/feature-001-example/contract.md (edited since), keeping a backup of each',
    );
    const forced = await runBaton(['init', '--force'], { cwd: r.root, env });
    expect(forced.stdout).toContain('replaced baton.config.json (backup: baton.config.json.bak)');
    expect(forced.stdout).toMatch(
      /^agent: claude, .*; the config it replaced named demo \(kept in baton\.config\.json\.bak; `baton init --force --agent demo` names it again\)$/m,
    );
    expect(forced.stdout).toContain('the config it replaced had `true`');
    // The backups are not in the commit init suggests: the summary says what to do with them before a run.
    expect(forced.stdout).toContain(
      'Once you have read the backups (baton.config.json.bak, specs/feature-001-example/contract.md.bak), move them out of the repository or delete them:\n`baton run` refuses a checkout holding files that are not committed.\n',
    );
    expect(JSON.parse(readFileSync(join(r.root, 'baton.config.json'), 'utf8')).agent).toBe('claude');
  });

  it('writes only what is missing: a config gone, an edited sample is kept; --force replaces it after a backup', async () => {
    const r = repo();
    expect((await runBaton(['init', '--test', 'true'], { cwd: r.root })).code).toBe(0);
    const sample = join(r.root, 'specs/feature-001-example/contract.md');
    const edited = `${readFileSync(sample, 'utf8')}MY REAL WORK\n`;
    writeFileSync(sample, edited);
    rmSync(join(r.root, 'baton.config.json'));
    const again = await runBaton(['init', '--test', 'true'], { cwd: r.root });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('created baton.config.json');
    expect(again.stdout).toContain(
      'kept specs/feature-001-example/contract.md (already there; `baton init --force` replaces it, keeping a backup)',
    );
    expect(readFileSync(sample, 'utf8')).toBe(edited);
    const forced = await runBaton(['init', '--force', '--test', 'true'], { cwd: r.root });
    expect(forced.stdout).toContain(
      'replaced specs/feature-001-example/contract.md (backup: specs/feature-001-example/contract.md.bak)',
    );
    expect(forced.stdout).toContain('kept baton.config.json (unchanged)');
    expect(forced.stdout).toContain(
      'Once you have read the backup (specs/feature-001-example/contract.md.bak), move it out of the repository or delete it:',
    );
    expect(readFileSync(`${sample}.bak`, 'utf8')).toBe(edited);
    // A second replacement never overwrites the first backup.
    writeFileSync(sample, 'second edit\n');
    const twice = await runBaton(['init', '--force', '--json', '--test', 'true'], { cwd: r.root });
    expect(JSON.parse(twice.stdout).replaced).toEqual([
      {
        file: 'specs/feature-001-example/contract.md',
        backup: 'specs/feature-001-example/contract.md.bak.1',
      },
    ]);
    expect(readFileSync(`${sample}.bak`, 'utf8')).toBe(edited);
    expect(readFileSync(`${sample}.bak.1`, 'utf8')).toBe('second edit\n');
  });

  it('works with the config already there (baton.yaml): kept, or rewritten in place with --force; no sample beside contracts', async () => {
    const r = repo({ 'baton.yaml': 'agent: codex\n', 'specs/feature-001-upload/contract.md': 'mine\n' });
    const out = await runBaton(['init', '--test', 'true'], { cwd: r.root });
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toContain('kept baton.yaml (already there;');
    expect(out.stdout).toContain(
      'no sample contract: specs/ already holds 1 contract (`baton new <name>` adds one)',
    );
    expect(out.stdout).toContain('git add baton.yaml .gitignore specs');
    expect(existsSync(join(r.root, 'specs/feature-001-example'))).toBe(false);
    const forced = await runBaton(['init', '--force', '--json', '--test', 'true'], { cwd: r.root });
    expect(forced.code, forced.stderr).toBe(0);
    expect(JSON.parse(forced.stdout)).toMatchObject({
      created: [],
      replaced: [{ file: 'baton.yaml', backup: 'baton.yaml.bak' }],
      sample_skipped: true,
      gitignore: 'already ignored',
    });
    expect(existsSync(join(r.root, 'baton.config.json'))).toBe(false);
    expect(readFileSync(join(r.root, 'baton.yaml.bak'), 'utf8')).toBe('agent: codex\n');
    const lint = await runBaton(['lint', '--no-coupling'], { cwd: r.root });
    expect(lint.stdout + lint.stderr).not.toContain('ignored');
    expect(readFileSync(join(r.root, 'specs/feature-001-upload/contract.md'), 'utf8')).toBe('mine\n');
  });

  it('--force keeps the settings of the config it replaces but the agent and test (its specs folder too), and says which', async () => {
    const contract =
      '---\nfeature_id: feature-001-real\nowns: ["src/real/**"]\nacceptance_criteria:\n  - id: t\n    text: t\n    run: "true"\n---\n';
    const r = repo({
      'baton.config.json': `${JSON.stringify({ agent: 'demo', specs: 'contracts', copy: ['.env'], base: 'main' })}\n`,
      'contracts/feature-001-real/contract.md': contract,
    });
    const forced = await runBaton(['init', '--force', '--agent', 'codex', '--test', 'true'], { cwd: r.root });
    expect(forced.code, forced.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(r.root, 'baton.config.json'), 'utf8'))).toEqual({
      agent: 'codex',
      specs: 'contracts',
      base: 'main',
      copy: ['.env'],
      test: 'true',
    });
    expect(forced.stdout).toContain(
      'no sample contract: contracts/ already holds 1 contract (`baton new <name>` adds one)',
    );
    expect(forced.stdout).toContain(
      'settings kept from the config it replaced: base, specs (contracts/), copy',
    );
    expect(existsSync(join(r.root, 'specs'))).toBe(false);
    const plan = await runBaton(['plan', '--json', '--no-coupling'], { cwd: r.root });
    expect(JSON.parse(plan.stdout).features.map((f: { feature_id: string }) => f.feature_id)).toEqual([
      'feature-001-real',
    ]);
    // A config that does not load gives nothing to keep: the summary says so, and where it is kept.
    writeFileSync(join(r.root, 'baton.config.json'), '{"agent": "cluade", "specs": "contracts"}\n');
    const broken = await runBaton(['init', '--force', '--json', '--test', 'true'], { cwd: r.root });
    expect(JSON.parse(broken.stdout).settings_kept).toEqual([]);
    writeFileSync(join(r.root, 'baton.config.json'), '{"agent": "cluade", "specs": "contracts"}\n');
    const said = await runBaton(['init', '--force', '--test', 'true'], { cwd: r.root });
    expect(said.stdout).toMatch(
      /^the config it replaced does not load \(agent: unknown agent "cluade".*\): none of its settings were kept \(they are in baton\.config\.json\.bak\.2\)$/m,
    );
  });

  it('suggests a commit a shell runs as printed, whatever the specs folder is called (spaces, quotes, control characters)', async () => {
    const specs = 'my specs/it\'s "new"\tnow\nthen\u001b[31m';
    const r = repo({ 'baton.config.json': `${JSON.stringify({ specs })}\n` });
    const res = await runBaton(['init', '--test', 'true'], { cwd: r.root });
    expect(res.code, res.stderr).toBe(0);
    const command = res.stdout.split('\n').find((l) => l.trim().startsWith('git add '));
    // Printed on one line, with no control character to act on the terminal.
    expect(command).toBeDefined();
    expect(hasControl(command as string)).toBe(false);
    execFileSync('bash', ['-c', command as string], {
      cwd: r.root,
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 'u',
        GIT_AUTHOR_EMAIL: 'u@u',
        GIT_COMMITTER_NAME: 'u',
        GIT_COMMITTER_EMAIL: 'u@u',
      },
    });
    const committed = execFileSync('git', ['show', '-z', '--name-only', '--format=', 'HEAD'], {
      cwd: r.root,
      encoding: 'utf8',
    }).split('\0');
    // The config was committed with the repository: the contract and .gitignore are what is new.
    expect(committed).toContain(`${specs}/feature-001-example/contract.md`);
    expect(committed).toContain('.gitignore');
  });

  it('puts the sample in the specs folder of the config it keeps', async () => {
    const r = repo({ 'baton.config.json': '{"specs": "contracts"}\n' });
    const out = await runBaton(['init', '--test', 'true'], { cwd: r.root });
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toContain('created contracts/feature-001-example/contract.md');
    expect(existsSync(join(r.root, 'specs'))).toBe(false);
  });

  it('says it created .gitignore when there was none', async () => {
    const r = repo();
    const out = await runBaton(['init', '--test', 'true'], { cwd: r.root });
    expect(out.stdout).toContain('created .gitignore (.baton/ ignored)');
    const again = await runBaton(['init', '--test', 'true'], { cwd: r.root });
    expect(again.stdout).toContain('kept .gitignore (.baton/ already ignored)');
  });

  it.each([
    [
      'a file named .baton',
      '.baton',
      'file',
      '.baton is a file, not a folder; nothing was written [init/not-a-folder]',
    ],
    [
      'a folder named .gitignore',
      '.gitignore',
      'folder',
      '.gitignore is a folder, not a file; nothing was written [init/not-a-file]',
    ],
    [
      'a file named specs',
      'specs',
      'file',
      'specs is a file, not a folder; nothing was written [init/not-a-folder]',
    ],
  ])('refuses %s in one line, before writing anything', async (_name, path, kind, message) => {
    const r = repo();
    if (kind === 'file') writeFileSync(join(r.root, path), 'mine\n');
    else mkdirSync(join(r.root, path));
    const out = await runBaton(['init'], { cwd: r.root });
    expect(out.code).toBe(1);
    expect(out.stderr).toContain(`baton: ${message}`);
    expect(out.stderr).toContain(`hint: \`baton init\` needs ${path} to be a`);
    expect(out.stderr).not.toContain('internal error');
    expect(existsSync(join(r.root, 'baton.config.json'))).toBe(false);
    expect(existsSync(join(r.root, 'specs/feature-001-example'))).toBe(false);
  });

  it('new --help states the name rule the command applies', async () => {
    const r = repo();
    const help = await runBaton(['new', '--help'], { cwd: r.root });
    const text = help.stdout.replace(/\s+/g, ' ');
    expect(text).toContain(
      'A name is ASCII letters (a-z, A-Z), digits, spaces, dashes and underscores, starting with a letter or digit, at most 48 characters',
    );
    // What the help allows is taken; what it leaves out is refused, saying the same rule.
    expect((await runBaton(['new', 'Upload 2_x-y', '--json'], { cwd: r.root })).code).toBe(0);
    for (const name of ['_upload', 'café', 'a'.repeat(49)]) {
      const out = await runBaton(['new', name], { cwd: r.root });
      expect(out.code, name).toBe(2);
    }
    expect((await runBaton(['new', 'café'], { cwd: r.root })).stderr).toContain(
      'use ASCII letters (a-z, A-Z), digits, spaces, dashes and underscores, starting with a letter or digit',
    );
  });

  it('new refuses a file named specs in one line, not a stack trace', async () => {
    const r = repo();
    writeFileSync(join(r.root, 'specs'), 'mine\n');
    const out = await runBaton(['new', 'upload'], { cwd: r.root });
    expect(out.code).toBe(1);
    expect(out.stderr).toContain(
      'baton: specs is a file, not a folder; nothing was written [new/not-a-folder]',
    );
    expect(out.stderr).not.toContain('internal error');
    expect(readFileSync(join(r.root, 'specs'), 'utf8')).toBe('mine\n');
  });

  it('new refuses a name a contract declares as its feature_id in a folder named otherwise, and numbers after it', async () => {
    const contract = (id: string) =>
      `---\nfeature_id: ${id}\ntitle: T\nowns: ["src/${id}/**"]\nacceptance_criteria:\n  - id: t\n    text: t\n    run: "true"\n---\n# T\n`;
    const r = repo({ 'specs/upload-stuff/contract.md': contract('feature-007-upload') });
    const taken = await runBaton(['new', 'upload'], { cwd: r.root });
    expect(taken.code).toBe(1);
    expect(taken.stderr).toContain(
      'a feature named "upload" already exists: feature-007-upload, declared in specs/upload-stuff/contract.md [new/exists]',
    );
    const next = await runBaton(['new', 'grade', '--json'], { cwd: r.root });
    expect(JSON.parse(next.stdout).feature_id).toBe('feature-008-grade');
  });

  it('new numbers past a folder whose number no double holds, and refuses in one line an id too long', async () => {
    const r = repo();
    mkdirSync(join(r.root, 'specs', 'feature-9007199254740993-x'), { recursive: true });
    const next = await runBaton(['new', 'y', '--json'], { cwd: r.root });
    expect(JSON.parse(next.stdout).feature_id).toBe('feature-9007199254740994-y');
    mkdirSync(join(r.root, 'specs', `feature-${'9'.repeat(90)}-x`));
    const long = await runBaton(['new', 'z'], { cwd: r.root });
    expect(long.code).toBe(1);
    expect(long.stderr).toContain('longer than 100 characters [new/no-number]');
    expect(long.stderr).not.toContain('internal error');
  });

  it('run from a subfolder, says the files went to the repository root', async () => {
    const r = repo();
    mkdirSync(join(r.root, 'sub'));
    const out = await runBaton(['init'], { cwd: join(r.root, 'sub') });
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout.split('\n')[0]).toBe(`in the repository's root, ${r.root}:`);
    expect(existsSync(join(r.root, 'baton.config.json'))).toBe(true);
    // The commit it says to make works as printed, from where it was run.
    const commitLine = out.stdout.split('\n').find((l) => l.trimStart().startsWith('git '));
    expect(commitLine?.trim()).toMatch(/^git -C \.\. add /);
    const committed = spawnSync('sh', ['-c', commitLine ?? 'false'], {
      cwd: join(r.root, 'sub'),
      encoding: 'utf8',
    });
    expect(committed.status, committed.stderr).toBe(0);
    expect(r.git('show', '--name-only', '--format=', 'HEAD')).toContain('baton.config.json');
    const atRoot = await runBaton(['init', '--force'], { cwd: r.root });
    expect(atRoot.stdout).toContain('  git add baton.config.json');
    expect(atRoot.stdout).not.toContain("in the repository's root");
  });

  it('refuses, in one line, a specs folder that is a symlink out of the repository: init and new write nothing there', async () => {
    const r = repo();
    const outside = join(dirname(r.root), 'elsewhere');
    mkdirSync(outside);
    symlinkSync(outside, join(r.root, 'specs'));
    for (const args of [
      ['init', '--test', 'true'],
      ['new', 'foo'],
    ]) {
      const res = await runBaton(args, { cwd: r.root });
      expect(res.code, res.stdout).toBe(1);
      expect(res.stderr).toContain(
        `baton: specs is a symlink out of the repository (to ${outside}); nothing was written [${args[0]}/outside-repo]`,
      );
      expect(res.stderr).toContain('hint: Baton writes only inside the repository');
    }
    expect(readdirSync(outside)).toEqual([]);
    expect(existsSync(join(r.root, 'baton.config.json'))).toBe(false);
  });

  it('refuses a dangling symlink or a FIFO where it writes, before writing anything; a dangling .bak is passed over', async () => {
    const r = repo();
    const tree = () => r.git('status', '--porcelain', '--ignored', '--untracked-files=all');
    const clean = tree();
    const refused = async (path: string, what: string) => {
      const res = await runBaton(['init', '--test', 'true'], { cwd: r.root });
      expect(res.code, res.stderr).toBe(1);
      expect(res.stderr).toContain(`baton: ${path} is ${what}; nothing was written [init/not-a-file]`);
      expect(res.stderr).not.toContain('internal error');
      rmSync(join(r.root, path));
      expect(tree()).toBe(clean);
    };
    mkdirSync(join(r.root, 'specs/feature-001-example'), { recursive: true });
    symlinkSync('../../notes.md', join(r.root, 'specs/feature-001-example/contract.md'));
    await refused('specs/feature-001-example/contract.md', 'a symbolic link to nothing');
    symlinkSync('nowhere.json', join(r.root, 'baton.config.json'));
    await refused('baton.config.json', 'a symbolic link to nothing');
    execFileSync('mkfifo', [join(r.root, 'baton.config.json')]);
    await refused('baton.config.json', 'not a regular file (a FIFO, socket or device)');

    expect((await runBaton(['init', '--test', 'true'], { cwd: r.root })).code).toBe(0);
    writeFileSync(join(r.root, 'baton.config.json'), '{}\n');
    symlinkSync('gone', join(r.root, 'baton.config.json.bak'));
    const forced = await runBaton(['init', '--force', '--test', 'true'], { cwd: r.root });
    expect(forced.stderr).toBe('');
    expect(forced.stdout).toContain('replaced baton.config.json (backup: baton.config.json.bak.1)');
    expect(readFileSync(join(r.root, 'baton.config.json.bak.1'), 'utf8')).toBe('{}\n');
  });

  it('in a folder it cannot write, init and new say so in one line and init writes nothing', async () => {
    const r = repo();
    mkdirSync(join(r.root, 'specs'));
    // Root writes anywhere: run Baton as a user that cannot, the repository being that user's.
    const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    if ('uid' in asUser) {
      chmodSync(dirname(r.root), 0o755);
      execFileSync('chown', ['-R', '65534:65534', r.root]);
    }
    chmodSync(join(r.root, 'specs'), 0o555);
    const run = (args: string[]) =>
      spawnSync(process.execPath, [BATON_BIN, ...args], {
        cwd: r.root,
        env: { ...process.env, NO_COLOR: '1', HOME: r.root },
        encoding: 'utf8',
        ...asUser,
      });
    for (const args of [
      ['init', '--test', 'true'],
      ['new', 'y'],
    ]) {
      const res = run(args);
      expect(res.status, res.stdout).toBe(1);
      expect(res.stderr).toContain(
        `baton: cannot write specs: permission denied; nothing was written [${args[0]}/not-writable]`,
      );
      expect(res.stderr).not.toContain('internal error');
    }
    expect(existsSync(join(r.root, 'baton.config.json'))).toBe(false);
    expect(existsSync(join(r.root, '.gitignore'))).toBe(false);
    expect(existsSync(join(r.root, '.baton'))).toBe(false);
  });

  it('outside a git repository says to run git init', async () => {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), 'baton-nogit-')));
    const out = await runBaton(['init'], { cwd: dir });
    expect(out.code).toBe(1);
    expect(out.stderr).toContain('is not inside a git repository');
    expect(out.stderr).toContain('git init');
  });
});

describe('baton new', () => {
  it('numbers new contracts after the highest existing one and slugifies the name', async () => {
    const r = repo();
    await runBaton(['init'], { cwd: r.root });
    const a = await runBaton(['new', 'upload'], { cwd: r.root });
    expect(a.code).toBe(0);
    expect(a.stdout).toContain('created specs/feature-002-upload/contract.md');
    const b = await runBaton(['new', 'Product Catalog', '--json'], { cwd: join(r.root, 'specs') });
    expect(JSON.parse(b.stdout)).toEqual({
      feature_id: 'feature-003-product-catalog',
      file: 'specs/feature-003-product-catalog/contract.md',
    });
    const text = readFileSync(join(r.root, 'specs/feature-003-product-catalog/contract.md'), 'utf8');
    expect(text).toContain('title: "Product catalog"');
    // No copy of Baton in the project: no schema comment (an absolute path would hold on this machine only).
    expect(text).not.toContain('$schema');
    const plan = await runBaton(['plan', '--json'], { cwd: r.root });
    expect(JSON.parse(plan.stdout).waves).toEqual([
      ['feature-001-example', 'feature-002-upload', 'feature-003-product-catalog'],
    ]);
  });

  it.each(['../etc', 'x;rm -rf', ''])('refuses the name %j clearly (exit 2)', async (name) => {
    const r = repo();
    const out = await runBaton(['new', name], { cwd: r.root });
    expect(out.code).toBe(2);
    expect(out.stderr).toContain(`invalid feature name ${JSON.stringify(name)}`);
    expect(existsSync(join(r.root, 'specs'))).toBe(false);
  });

  it('refuses a name already taken', async () => {
    const r = repo();
    await runBaton(['new', 'upload'], { cwd: r.root });
    const out = await runBaton(['new', 'Upload'], { cwd: r.root });
    expect(out.code).toBe(1);
    expect(out.stderr).toContain('a feature named "upload" already exists: specs/feature-001-upload');
  });

  it('run from a subfolder, names the repository root its path is relative to, as init does', async () => {
    const r = repo();
    mkdirSync(join(r.root, 'sub'));
    const out = await runBaton(['new', 'upload'], { cwd: join(r.root, 'sub') });
    expect(out.stdout.split('\n').slice(0, 2)).toEqual([
      `in the repository's root, ${r.root}:`,
      'created specs/feature-001-upload/contract.md',
    ]);
    const atRoot = await runBaton(['new', 'other'], { cwd: r.root });
    expect(atRoot.stdout).not.toContain("in the repository's root");
  });

  it('writes into the specs folder of the config', async () => {
    const r = repo({ 'baton.config.json': '{"specs": "contracts"}' });
    writeFileSync(join(r.root, 'x'), '');
    const out = await runBaton(['new', 'upload'], { cwd: r.root });
    expect(out.stdout).toContain('created contracts/feature-001-upload/contract.md');
  });
});
