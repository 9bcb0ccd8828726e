/** Two config files: the one Baton reads is named, and the one it ignores is warned about in lint and doctor. */
import { afterEach, describe, expect, it } from 'vitest';
import { runBaton } from '../rig/cli.js';
import { contractFiles } from '../rig/contracts.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

describe('a config file shadowed by another', () => {
  it('is named as ignored by lint and doctor; alone, nothing is said', async () => {
    const repo = makeRepo({
      'README.md': '# app\n',
      'baton.config.json': '{}\n',
      'baton.yaml': 'agent: codex\n',
      ...contractFiles([{ id: 'feature-001-a', agent: { command: 'true' } }]),
    });
    repos.push(repo);
    const warning =
      'baton.yaml: warning: baton.yaml is ignored: baton.config.json is read instead (the first of baton.config.json, baton.yaml, baton.yml that exists) [config/ignored-file]';
    const lint = await runBaton(['lint'], { cwd: repo.root });
    expect(lint.code, lint.stdout + lint.stderr).toBe(0);
    expect(lint.stdout + lint.stderr).toContain(warning);
    const doctor = await runBaton(['doctor'], { cwd: repo.root });
    expect(doctor.stdout).toMatch(/! config +.*baton\.yaml is ignored: baton\.config\.json is read instead/);
    repo.git('rm', '-q', 'baton.yaml');
    const alone = await runBaton(['lint'], { cwd: repo.root });
    expect(alone.stdout + alone.stderr).not.toContain('config/ignored-file');
  });
});
