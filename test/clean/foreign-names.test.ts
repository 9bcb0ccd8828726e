// git takes any byte from 0x80 up in a ref name, so an agent can make `baton/x<U+009B>31m` (a C1
// control) or `baton/evil<U+202E>txt` (a bidi override). Clean took every `baton/*` branch for a
// feature and printed its name raw. It now takes only the names Baton gives, and leaves others alone.
import { afterEach, describe, expect, it } from 'vitest';
import { runBaton } from '../rig/cli.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

describe('clean and baton/* names Baton never gives', () => {
  it('neither lists nor removes them, and prints no control character', async () => {
    const repo = makeRepo({ 'README.md': 'hi\n', '.gitignore': '.baton/\n' });
    repos.push(repo);
    const names = ['baton/x\u009b31m', 'baton/evil\u202etxt'];
    for (const n of names) repo.git('branch', n);
    repo.git('branch', 'baton/feature-001-a');
    for (const args of [['clean', '--dry-run'], ['clean']]) {
      const r = await runBaton(args, { cwd: repo.root, env: { NO_COLOR: '1' } });
      expect(r.stdout + r.stderr).not.toMatch(/[\u0080-\u009f\u202a-\u202e]/);
      expect(r.stdout + r.stderr).toContain('feature-001-a');
    }
    for (const n of names) expect(repo.git('branch', '--list', n)).not.toBe('');
    expect(repo.git('branch', '--list', 'baton/feature-001-a')).toBe('');
  });
});
