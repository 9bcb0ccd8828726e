/**
 * The look at the main checkout begins beside Baton's commit of the agent's work (settle.ts). A feature
 * that then fails on its own branch (the agent moved it) still reports what its agent wrote into the
 * main checkout: the look marked those changes seen, so dropping its answer would lose them for good.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { runBaton } from '../rig/cli.js';
import type { TempRepo } from '../rig/repo.js';
import { events, hostileRepo } from './rig.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

describe('adversarial: an agent that writes into the main checkout and leaves its branch', () => {
  it('fails the feature on the branch and still reports the write, under that feature', async () => {
    const main = '"$(git rev-parse --git-common-dir)/.."';
    const repo = hostileRepo({
      f1: `echo leaked > ${main}/leak.txt && git checkout -q -b elsewhere && mkdir -p src/f1 && echo a > src/f1/x`,
    });
    repos.push(repo);
    const r = await runBaton(['run', 'f1', '--no-verify'], { cwd: repo.root });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    const all = events(repo);
    expect(all.find((e) => e.type === 'feature.ended')).toMatchObject({ feature_id: 'f1', status: 'failed' });
    const escaped = all.filter((e) => e.type === 'feature.escaped');
    // Each change reported once, under the feature, before its end (not again at the run's end).
    expect(escaped).toEqual([
      expect.objectContaining({ feature_id: 'f1', files: ['leak.txt'], kind: 'checkout' }),
      expect.objectContaining({ feature_id: 'f1', kind: 'repository' }),
    ]);
    const order = all.map((e) => e.type);
    expect(order.lastIndexOf('feature.escaped')).toBeLessThan(order.indexOf('feature.ended'));
    expect(r.stdout).toContain('the main checkout changed while it ran: leak.txt');
  });
});
