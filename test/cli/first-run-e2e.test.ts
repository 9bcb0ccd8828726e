// @module-tag slow
import { execFileSync, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeRepo } from '../rig/repo.js';

const PACKAGE_ROOT = resolve(import.meta.dirname, '..', '..');
const README = readFileSync(join(PACKAGE_ROOT, 'README.md'), 'utf8');

/** The shell lines of the first ```sh block under a README heading, comments removed. */
function readmeCommands(heading: string): string[] {
  const section = README.slice(README.indexOf(`### ${heading}\n`));
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
  return block
    .split('\n')
    .map((l) => l.replace(/\s+#\s.*$/, '').trim())
    .filter((l) => l !== '');
}

describe('a new user, following the README literally, in a fresh HOME and npm prefix', () => {
  const scratch = realpathSync(mkdtempSync(join(tmpdir(), 'baton-first-run-')));
  const home = join(scratch, 'home');
  const prefix = join(scratch, 'prefix');
  mkdirSync(home);
  mkdirSync(prefix);
  // A developer's machine has a git identity; nothing else of this one's HOME or npm setup carries over.
  writeFileSync(join(home, '.gitconfig'), '[user]\n\tname = New User\n\temail = new@example.com\n');
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(npm_|VITEST|NODE_OPTIONS$|HOME$|PATH$)/i.test(k)),
  );
  const env: NodeJS.ProcessEnv = {
    ...inherited,
    HOME: home,
    PATH: `${join(prefix, 'bin')}:${process.env.PATH}`,
    NO_COLOR: '1',
    // Where `npm install -g` puts things, without changing the command the README gives.
    npm_config_prefix: prefix,
    npm_config_cache: join(home, '.npm'),
    npm_config_update_notifier: 'false',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    // dist/ is built already (npm test builds it); rebuilding it here would pull it from under other tests.
    npm_config_ignore_scripts: 'true',
  };
  const project = makeRepo();
  afterAll(() => {
    project.cleanup();
    rmSync(scratch, { recursive: true, force: true });
  });
  const sh = (line: string, cwd: string) => spawnSync('sh', ['-c', line], { cwd, env, encoding: 'utf8' });

  it('installs from the clone, then init, new, an edit, lint, plan, commit, and a clear stop at run', () => {
    // Install: the suite runs from a clone in which `npm install` was done, so those two lines are done.
    const install = readmeCommands('Install');
    expect(install[0]).toMatch(/^git clone .* baton && cd baton$/);
    expect(install[1]).toBe('npm install');
    for (const line of install.slice(2)) {
      const r = sh(line, PACKAGE_ROOT);
      expect(r.status, `${line}\n${r.stdout}${r.stderr}`).toBe(0);
      if (line === 'baton --version') expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    }
    expect(existsSync(join(prefix, 'bin', 'baton'))).toBe(true);
    expect(execFileSync('sh', ['-c', 'command -v baton'], { env, encoding: 'utf8' }).trim()).toBe(
      join(prefix, 'bin', 'baton'),
    );

    // Your project: a Node project tested with node --test.
    project.commit('a node project', {
      'package.json': `${JSON.stringify({ name: 'shop', private: true, scripts: { test: 'node --test' } }, null, 2)}\n`,
    });
    const steps = readmeCommands('Your project');
    expect(steps[0]).toBe('cd my-project');
    const seen: string[] = [];
    for (const line of steps.slice(1)) {
      if (line.startsWith('baton run')) {
        // No agent CLI is installed in this fresh environment: run stops at once, saying which and how.
        const r = sh(line, project.root);
        expect(r.status).toBe(1);
        expect(r.stderr).toMatch(/agent "claude" \(Claude Code\) is not installed/);
        expect(r.stderr).not.toContain('internal error');
        break;
      }
      if (line.startsWith('$EDITOR')) {
        const file = join(project.root, line.split(/\s+/)[1] ?? '');
        const text = readFileSync(file, 'utf8');
        writeFileSync(
          file,
          text.replace(/Describe the feature for the agent here:.*/, 'Uploads files up to 10 MB.'),
        );
        seen.push('edit');
        continue;
      }
      const r = sh(line, project.root);
      expect(r.status, `${line}\n${r.stdout}${r.stderr}`).toBe(0);
      expect(r.stderr).toBe('');
      seen.push(line.split(' ').slice(0, 2).join(' '));
      if (line === 'baton init') {
        expect(r.stdout).toContain('test: npm test (from package.json "test" (node --test))');
        expect(r.stdout).toContain('agent: claude, but no agent CLI was found on PATH');
        expect(r.stdout).toContain('git add baton.config.json .gitignore specs && git commit');
        const config = JSON.parse(readFileSync(join(project.root, 'baton.config.json'), 'utf8'));
        expect(config.test).toBe('npm test');
        // Installed globally, not in the project: no $schema (its absolute path would not hold in a clone).
        expect(config.$schema).toBeUndefined();
      }
      if (line.startsWith('baton new')) {
        expect(r.stdout).toContain('created specs/feature-002-upload/contract.md');
        expect(readFileSync(join(project.root, 'specs/feature-002-upload/contract.md'), 'utf8')).toContain(
          'run: "node --test test/upload/"',
        );
      }
      if (line.startsWith('baton lint')) {
        // The sample left as is is flagged; the edited contract is not.
        expect(r.stdout).toContain('feature-001-example is still the template');
        expect(r.stdout).not.toContain('feature-002-upload is still the template');
      }
      if (line.startsWith('baton plan')) {
        expect(r.stdout).toContain('2 features in 1 wave');
        expect(r.stdout).toContain('1 potential point (N·(N−1)/2, N = 2)');
      }
    }
    expect(seen).toEqual(['baton init', 'baton new', 'edit', 'baton lint', 'baton plan', 'git add']);
    // The contracts are committed, and Baton's own state never shows up as something to commit.
    expect(project.git('ls-files', 'specs')).toContain('specs/feature-002-upload/contract.md');
    expect(project.git('status', '--porcelain', '--untracked-files=all')).toBe('');
  });
});
