import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runBaton } from '../rig/cli.js';
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

/** Runs the commit command init printed, as a user pasting it into a shell would. */
function runPrinted(r: TempRepo, stdout: string): void {
  const command = stdout.split('\n').find((l) => /^\s*git add /.test(l));
  expect(command).toBeDefined();
  execFileSync('sh', ['-c', command as string], {
    cwd: r.root,
    stdio: 'ignore',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'u',
      GIT_AUTHOR_EMAIL: 'u@u',
      GIT_COMMITTER_NAME: 'u',
      GIT_COMMITTER_EMAIL: 'u@u',
    },
  });
}

describe('the commit baton init suggests', () => {
  it('works in a project whose .gitignore ignores what init wrote (a whitelist), and says how to stop ignoring it', async () => {
    const r = repo({ '.gitignore': '/*\n!/src/\n!/.gitignore\n', 'src/a.txt': 'x\n' });
    const out = await runBaton(['init', '--agent', 'demo'], { cwd: r.root });
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toContain(
      '  git ignores baton.config.json, specs/: the command below adds them with -f; to stop\n' +
        '  ignoring them (the contracts you add later too), add to .gitignore, after the rule that ignores them: !/baton.config.json  !/specs/\n' +
        '  git add -f baton.config.json .gitignore specs && git commit',
    );
    runPrinted(r, out.stdout);
    expect(r.git('show', '--name-only', '--format=', 'HEAD').split('\n')).toEqual([
      'baton.config.json',
      'specs/feature-001-example/contract.md',
    ]);
    // `.baton/` is already ignored (by `/*`): git is asked, not the lines, and nothing is appended.
    expect(readFileSync(join(r.root, '.gitignore'), 'utf8')).toBe('/*\n!/src/\n!/.gitignore\n');
    expect(out.stdout).toContain('kept .gitignore (.baton/ already ignored)');
    expect(JSON.parse((await runBaton(['init', '--json'], { cwd: r.root })).stdout).ignored_by_git).toEqual(
      [],
    );
  });

  it('without ignored files says nothing of it and adds without -f', async () => {
    const r = repo({ 'README.md': '# app\n' });
    const out = await runBaton(['init', '--agent', 'demo'], { cwd: r.root });
    expect(out.stdout).not.toContain('git ignores');
    expect(out.stdout).toContain('  git add baton.config.json .gitignore specs && git commit');
  });

  it('--force says what to do with the backups before the commit, which run top to bottom would take them', async () => {
    const r = repo({ 'README.md': '# app\n' });
    await runBaton(['init', '--agent', 'demo'], { cwd: r.root });
    r.git('add', '-A');
    r.git('commit', '-qm', 'baton');
    const out = await runBaton(['init', '--force', '--agent', 'claude'], { cwd: r.root });
    const lines = out.stdout.split('\n');
    const backups = lines.findIndex((l) => l.startsWith('Once you have read the backups'));
    const commit = lines.findIndex((l) => /^\s*git add /.test(l));
    expect(backups).toBeGreaterThan(-1);
    expect(commit).toBeGreaterThan(backups);
  });

  it('names the specs folder the config sets in the Next: line too', async () => {
    const r = repo({ 'baton.config.json': '{ "specs": "contracts" }\n' });
    const out = await runBaton(['init', '--agent', 'demo'], { cwd: r.root });
    expect(out.stdout).toContain(
      '  baton new <name>   write a contract per feature (contracts/feature-NNN-<name>/contract.md)',
    );
    expect(out.stdout).not.toContain('specs/feature-NNN');
  });
});
