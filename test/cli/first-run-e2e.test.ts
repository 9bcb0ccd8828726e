import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeRepo } from '../rig/repo.js';

const PACKAGE_ROOT = resolve(import.meta.dirname, '..', '..');

describe('a new user, end to end, with the built package installed into a fresh repository', () => {
  const r = makeRepo();
  afterAll(() => r.cleanup());
  const env = { ...process.env, NO_COLOR: '1', npm_config_update_notifier: 'false' };
  const bin = join(r.root, 'node_modules', '.bin', 'baton');
  const baton = (...args: string[]) => spawnSync(bin, args, { cwd: r.root, env, encoding: 'utf8' });

  it('installs, then --help, init, new upload, lint and plan work as real processes', () => {
    writeFileSync(join(r.root, 'package.json'), '{ "name": "shop", "version": "1.0.0", "private": true }\n');
    execFileSync(
      'npm',
      ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', PACKAGE_ROOT],
      {
        cwd: r.root,
        env,
        stdio: 'pipe',
      },
    );

    const help = spawnSync('npx', ['baton', '--help'], { cwd: r.root, env, encoding: 'utf8' });
    expect(help.status).toBe(0);
    for (const command of ['init', 'new', 'lint', 'plan'])
      expect(help.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));

    const init = baton('init');
    expect(init.stderr).toBe('');
    expect(init.status).toBe(0);
    // The $schema written into the config resolves to the installed package's schema, for editors.
    const config = JSON.parse(readFileSync(join(r.root, 'baton.config.json'), 'utf8'));
    expect(existsSync(join(r.root, config.$schema))).toBe(true);

    const created = baton('new', 'upload');
    expect(created.status).toBe(0);
    expect(created.stdout).toContain('created specs/feature-002-upload/contract.md');

    const lint = baton('lint');
    expect(lint.status).toBe(0);
    expect(lint.stdout).toContain('2 contracts: no problems');

    const plan = baton('plan');
    expect(plan.status).toBe(0);
    expect(plan.stdout).toContain('2 features in 1 wave');
    expect(plan.stdout).toContain('1 potential point (N·(N−1)/2, N = 2)');
    const json = JSON.parse(baton('plan', '--json').stdout);
    expect(json.waves).toEqual([['feature-001-example', 'feature-002-upload']]);

    // Baton's own state never shows up as something to commit.
    mkdirSync(join(r.root, '.baton'), { recursive: true });
    writeFileSync(
      join(r.root, '.baton', 'log.jsonl'),
      '{"feature_id":"feature-002-upload","status":"complete"}\n',
    );
    const status = r.git('status', '--porcelain', '--untracked-files=all');
    expect(status).toContain('specs/feature-002-upload/contract.md');
    expect(status).not.toContain('.baton');
  });
});
