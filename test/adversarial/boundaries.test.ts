import { mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { lintContracts } from '../../src/contracts/lint.js';
import { parseContract } from '../../src/contracts/parse.js';
import { startDashboard } from '../../src/dashboard/server.js';
import { copyIntoWorktree, readWorktreeInclude } from '../../src/runner/worktree.js';
import { runBaton } from '../rig/cli.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';
import { events, expectErrorLine, hostileRepo, printedError, watchWorld } from './rig.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
function repo(): TempRepo {
  const r = makeRepo();
  cleanups.push(() => r.cleanup());
  return r;
}

describe('adversarial: copies stay inside the repository', () => {
  it.each([
    ['../../etc/passwd', /\.worktreeinclude:2: "\.\.\/\.\.\/etc\/passwd" leads outside/],
    ['/etc/passwd', /\.worktreeinclude:2: "\/etc\/passwd" is an absolute path/],
    ['.', /\.worktreeinclude:2: "\." names the whole repository/],
    ['./', /\.worktreeinclude:2: "\.\/" names the whole repository/],
    ['.git', /\.worktreeinclude:2: "\.git" names \.git\/, which is git's own/],
    ['.baton/log.jsonl', /\.worktreeinclude:2: "\.baton\/log\.jsonl" names \.baton\/, which is Baton's own/],
  ])('refuses %s in .worktreeinclude with its line', async (entry, message) => {
    const r = repo();
    writeFileSync(join(r.root, '.worktreeinclude'), `# local files\n${entry}\n`);
    const world = watchWorld(r);
    expect(() => readWorktreeInclude(r.root)).toThrow(message);
    expectErrorLine(await printedError(() => readWorktreeInclude(r.root)), 'run/copy-outside');
    world.expectUntouched();
  });

  it('refuses a symlink that points out of the repository, and copies nothing', async () => {
    const r = repo();
    symlinkSync('/etc', join(r.root, 'config-link'));
    symlinkSync('/etc/hostname', join(r.root, '.env'));
    const wt = join(r.root, '..', 'wt');
    mkdirSync(wt);
    const world = watchWorld(r, [wt]);
    await expect(copyIntoWorktree(r.root, wt, ['.env'])).rejects.toThrow(/resolves outside the repository/);
    expectErrorLine(
      await printedError(() => copyIntoWorktree(r.root, wt, ['config-link/**'])),
      'run/copy-outside',
    );
    expect(readdirSync(wt)).toEqual([]);
    world.expectUntouched();
  });

  it.each([
    [
      '.worktreeinclude naming the canary beside the repository',
      { '.worktreeinclude': '../canary.txt\n' },
      'run/copy-outside',
    ],
    // The config's own entries are refused where the config is read, at their line (as lint and doctor say).
    [
      'a copy entry with an absolute path',
      { 'baton.config.json': '{ "copy": ["/etc/hostname"] }\n' },
      'config/invalid',
    ],
    [
      'a copy entry naming the whole repository',
      { 'baton.config.json': '{ "copy": ["."] }\n' },
      'config/invalid',
    ],
  ])(
    'baton run refuses %s before it starts: one error line, nothing read or written outside',
    async (_what, files, code) => {
      const r = hostileRepo({ 'feature-001-a': 'mkdir -p src/feature-001-a && touch src/feature-001-a/x' });
      cleanups.push(() => r.cleanup());
      r.commit('copy entries', files);
      const world = watchWorld(r);
      const res = await runBaton(['run'], { cwd: r.root });
      expect(res.code).toBe(1);
      expectErrorLine(res.stderr, code);
      if (code === 'config/invalid')
        expect(res.stderr).toMatch(/^baton\.config\.json:1: error: copy\[0\]: .*\[config\/copy-outside\]$/m);
      expect(r.git('branch', '--list', 'baton/*')).toBe('');
      world.expectUntouched();
    },
  );

  it('baton run refuses a copy entry through a symlink out of the repository before the run starts', async () => {
    const r = hostileRepo({ 'feature-001-a': 'mkdir -p src/feature-001-a && touch src/feature-001-a/x' });
    cleanups.push(() => r.cleanup());
    r.commit('copy entries', { 'baton.config.json': '{ "copy": [".env"] }\n', '.gitignore': '.env\n' });
    symlinkSync('../canary.txt', join(r.root, '.env'));
    const world = watchWorld(r);
    const res = await runBaton(['run'], { cwd: r.root });
    expect(res.code).toBe(1);
    // Like `..` and absolute entries: one line with its code, before any branch or worktree is made.
    expect(expectErrorLine(res.stderr, 'run/copy-outside')).toContain(
      '".env" resolves outside the repository',
    );
    expect(r.git('branch', '--list', 'baton/*')).toBe('');
    expect(events(r).some((e) => e.type === 'feature.started')).toBe(false);
    world.expectUntouched();
  });
});

describe('adversarial: the specs folder stays inside the repository', () => {
  it.each([
    ['an absolute path', '/etc', 'is an absolute path'],
    ['a path up out of the repository', '../x', 'is outside the repository'],
    ['a symlink out of the repository', 'out', 'leads out of the repository'],
  ])('refuses %s as specs at its config line, and baton new writes nothing', async (_what, specs, why) => {
    const r = repo();
    const outside = join(r.root, '..', 'outside-specs');
    mkdirSync(outside, { recursive: true });
    cleanups.push(() => rmSync(outside, { recursive: true, force: true }));
    symlinkSync(outside, join(r.root, 'out'));
    writeFileSync(join(r.root, 'baton.config.json'), `{\n  "agent": "claude",\n  "specs": "${specs}"\n}\n`);
    const c = loadConfig(r.root);
    expect(c.ok).toBe(false);
    const err = c.ok ? undefined : c.errors[0];
    expect(err?.code).toBe('config/specs-outside');
    expect(err?.location).toEqual({ file: 'baton.config.json', line: 3 });
    expect(err?.message).toContain(why);
    const res = await runBaton(['new', 'bar'], { cwd: r.root });
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain('[config/specs-outside]');
    expect(readdirSync(outside)).toEqual([]);
  });

  it('keeps a specs folder inside the repository, and a worktrees folder outside it', () => {
    const r = repo();
    writeFileSync(join(r.root, 'baton.config.json'), '{ "specs": "docs/specs", "worktrees": "../wt" }\n');
    const c = loadConfig(r.root);
    expect(c.ok).toBe(true);
    if (c.ok) expect(c.value.specs).toBe(join(r.root, 'docs', 'specs'));
  });
});

describe('adversarial: contract limits', () => {
  const contract = (id: string, owns = '["src/x/**"]') =>
    `---\nfeature_id: ${id}\nowns: ${owns}\nacceptance_criteria:\n  - text: tests pass\n    run: "true"\n---\n`;

  it('refuses a 101-character id and the reserved id "integration"', () => {
    expect(parseContract(contract('a'.repeat(100)), 'c.md').ok).toBe(true);
    const long = parseContract(contract('a'.repeat(101)), 'c.md');
    expect(long.ok).toBe(false);
    const reserved = parseContract(contract('integration'), 'c.md');
    expect(reserved.ok).toBe(false);
    if (!reserved.ok) expect(reserved.errors[0]?.message).toMatch(/reserved/);
  });

  it.each([
    ['a 101-character id', 'a'.repeat(101)],
    ['the reserved id "integration"', 'integration'],
  ])(
    'baton run refuses %s: located diagnostics, one error line with its code, nothing made',
    async (_what, id) => {
      const r = hostileRepo({ [id]: 'touch never-run' });
      cleanups.push(() => r.cleanup());
      const world = watchWorld(r);
      const res = await runBaton(['run'], { cwd: r.root });
      expect(res.code).toBe(1);
      expect(res.stderr).toMatch(/^specs\/.*contract\.md:\d+:\d+: error: .* \[contract\/[a-z-]+\]$/m);
      expectErrorLine(res.stderr, 'contracts/invalid');
      expect(r.git('branch', '--list', 'baton/*')).toBe('');
      world.expectUntouched();
    },
  );

  it('warns about owns patterns that can never match a repository path', () => {
    const parsed = parseContract(
      contract('feature-001-a', '["C:/etc/**", "../outside/**", ".git/config", "src/ok/**"]'),
      'c.md',
    );
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    const warnings = lintContracts([parsed.value], []).filter((d) => d.code === 'lint/owns-outside');
    expect(warnings.map((w) => w.message)).toEqual([
      expect.stringContaining('"C:/etc/**" leads outside the repository (an absolute path)'),
      expect.stringContaining('"../outside/**" leads outside the repository (it climbs out with "..")'),
      expect.stringContaining('".git/config" names git'),
    ]);
  });

  it('baton lint warns about each such owns pattern on a located line with its code, and changes nothing', async () => {
    const r = makeRepo({
      'specs/feature-001-a/contract.md': contract(
        'feature-001-a',
        '["C:/etc/**", "../outside/**", ".git/config", "src/ok/**"]',
      ),
    });
    cleanups.push(() => r.cleanup());
    const world = watchWorld(r);
    const res = await runBaton(['lint'], { cwd: r.root });
    expect(res.code, res.stderr).toBe(0);
    const warnings = `${res.stdout}${res.stderr}`
      .split('\n')
      .filter((l) => l.includes('[lint/owns-outside]'));
    expect(warnings).toHaveLength(3);
    for (const w of warnings) expect(w).toMatch(/^specs\/feature-001-a\/contract\.md:\d+:\d+: warning: /);
    world.expectUntouched();
  });
});

describe('adversarial: the dashboard', () => {
  it('never exits on an unusable log, and reads one huge line without stalling other requests', async () => {
    const r = repo();
    mkdirSync(join(r.root, '.baton', 'log.jsonl'), { recursive: true });
    const world = watchWorld(r);
    const dash = await startDashboard({
      root: r.root,
      logPath: join(r.root, '.baton', 'log.jsonl'),
      port: 0,
      pollMs: 50,
      loadProject: async () => ({ diagnostics: [] }) as never,
    });
    cleanups.push(() => dash.close());
    const auth = { headers: { Authorization: `Bearer ${dash.token}` } };
    const state = (await (await fetch(`http://127.0.0.1:${dash.port}/api/state`, auth)).json()) as {
      problems: Array<{ message: string }>;
    };
    expect(state.problems.at(-1)?.message).toMatch(/^the log .* it is a directory \[log\/unusable\]$/);
    // Replaced by a file holding a 20 MiB line and then one event: both the page and the event get through.
    rmSync(join(r.root, '.baton', 'log.jsonl'), { recursive: true });
    writeFileSync(
      join(r.root, '.baton', 'log.jsonl'),
      `{"feature_id":"huge","status":"running","x":"${'a'.repeat(20 << 20)}"}\n{"feature_id":"feature-009-after","status":"complete"}\n`,
    );
    let seen = false;
    for (let i = 0; i < 100 && !seen; i++) {
      const reply = await fetch(`http://127.0.0.1:${dash.port}/api/state`, auth);
      expect(reply.status).toBe(200);
      const body = (await reply.json()) as { features: Array<{ feature_id: string }> };
      seen = body.features.some((f) => f.feature_id === 'feature-009-after');
      if (!seen) await new Promise((res) => setTimeout(res, 100));
    }
    expect(seen).toBe(true);
    world.expectUntouched();
  });
});
