import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runBaton } from '../rig/cli.js';
import type { TempRepo } from '../rig/repo.js';
import { events, hostileRepo, processesMatching, watchWorld } from './rig.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});
function track(repo: TempRepo): TempRepo {
  cleanups.push(() => repo.cleanup());
  return repo;
}

describe('adversarial: agents must not subvert git', () => {
  it('an agent that plants core.hooksPath and core.fsmonitor runs none of them in Baton’s commits, status or integrate; the change is reported', async () => {
    const trap = realpathSync(mkdtempSync(join(tmpdir(), 'baton-trap-')));
    cleanups.push(() => rmSync(trap, { recursive: true, force: true }));
    const marker = join(trap, 'ran');
    for (const hook of [
      'pre-commit',
      'commit-msg',
      'post-commit',
      'pre-merge-commit',
      'post-merge',
      'post-checkout',
    ]) {
      writeFileSync(join(trap, hook), `#!/bin/sh\necho ${hook} >> ${marker}\n`, { mode: 0o755 });
    }
    writeFileSync(join(trap, 'fsmonitor'), `#!/bin/sh\necho fsmonitor >> ${marker}\n`, { mode: 0o755 });
    const repo = track(
      hostileRepo({
        'feature-001-evil': `git config core.hooksPath ${trap} && git config core.fsmonitor ${trap}/fsmonitor && mkdir -p src/feature-001-evil && echo x > src/feature-001-evil/a.txt`,
        'feature-002-good': 'sleep 1; mkdir -p src/feature-002-good && echo y > src/feature-002-good/b.txt',
      }),
    );
    const world = watchWorld(repo);
    const r = await runBaton(['run', '-j', '1'], { cwd: repo.root });
    expect(r.code).toBe(0);
    expect(await runBaton(['status'], { cwd: repo.root })).toMatchObject({ code: 0 });
    await runBaton(['integrate'], { cwd: repo.root });
    // Baton committed both features (the second one after the config was planted) and ran no script.
    expect(repo.git('log', '-1', '--format=%s', 'baton/feature-002-good')).toBe('Feature feature-002-good');
    expect(existsSync(marker)).toBe(false);
    const escaped = events(repo).filter((e) => e.type === 'feature.escaped');
    const said = escaped.flatMap((e) => (e.type === 'feature.escaped' ? e.files : []));
    expect(said).toContain(`git config core.hookspath added (${JSON.stringify(trap)})`);
    expect(said.some((s) => s.startsWith('git config core.fsmonitor added'))).toBe(true);
    // Reported, left for the user to decide: Baton neither kept it silently nor rewrote the config.
    expect(repo.git('config', 'core.hooksPath')).toBe(trap);
    // The config change is the agent's (checked above); nothing else of the user's moved.
    world.expectUntouched({ config: true });
  });

  it('an agent that switches branch, deletes its branch or resets below the base ends failed with the reason', async () => {
    const repo = track(
      hostileRepo({
        'feature-001-switch':
          'git checkout -q -b elsewhere && echo x > x.txt && git add x.txt && git commit -qm x',
        'feature-002-delete':
          'git checkout -q --orphan fresh && git branch -D baton/feature-002-delete && echo y > y.txt',
        'feature-003-reset': 'git reset -q --hard HEAD~1 && echo z > z.txt',
      }),
    );
    repo.commit('second', { 'more.txt': 'more\n' });
    const world = watchWorld(repo);
    const r = await runBaton(['run', '-j', '3'], { cwd: repo.root });
    expect(r.code).toBe(1);
    const ended = new Map(
      events(repo).flatMap((e) => (e.type === 'feature.ended' ? [[e.feature_id, e] as const] : [])),
    );
    expect(ended.get('feature-001-switch')).toMatchObject({
      status: 'failed',
      reason: expect.stringContaining('switched its worktree to elsewhere'),
    });
    expect(ended.get('feature-002-delete')).toMatchObject({
      status: 'failed',
      reason: expect.stringMatching(/switched|deleted/),
    });
    // Nothing was committed on the reset branch, and the reason says the agent's file is left uncommitted.
    expect(ended.get('feature-003-reset')).toMatchObject({
      status: 'failed',
      reason: expect.stringMatching(
        /no longer descends from its base .*; Baton committed nothing: the agent's 1 changed path\(s\) are left uncommitted in \S+feature-003-reset$/,
      ),
    });
    // The branch the first agent made is its own doing; the user's checkout, main, config: untouched.
    world.expectUntouched({ refs: ['refs/heads/elsewhere'] });
  });

  it('an agent that moves a branch of the user’s and plants a tag is reported as an escape; a setsid daemon it starts is stopped and reported, an unrelated one survives', async () => {
    // The daemon writes its pid once it has its own session, and the agent waits for that before it
    // exits: the group kill at the agent's exit can no longer land before the daemon exists.
    const pids = realpathSync(mkdtempSync(join(tmpdir(), 'baton-daemon-')));
    cleanups.push(() => rmSync(pids, { recursive: true, force: true }));
    const pidFile = join(pids, 'daemon.pid');
    const repo = track(
      hostileRepo({
        'feature-001-daemon': `setsid sh -c "echo \\$\\$ > ${pidFile}; exec sleep 313" >/dev/null 2>&1 < /dev/null & while [ ! -s ${pidFile} ]; do sleep 0.05; done; mkdir -p src/feature-001-daemon && echo d > src/feature-001-daemon/d.txt`,
        'feature-002-mover':
          'git commit -q --allow-empty -m evil && git update-ref refs/heads/release HEAD && git tag planted && mkdir -p src/feature-002-mover && echo m > src/feature-002-mover/m.txt',
      }),
    );
    repo.git('branch', 'release');
    const world = watchWorld(repo);
    const r = await runBaton(['run', '-j', '2'], { cwd: repo.root });
    expect(r.code).toBe(0);
    const log = events(repo);
    const exited = log.find(
      (e) => e.type === 'agent.exited' && e.feature_id === 'feature-001-daemon',
    ) as unknown as {
      stopped_daemons?: Array<{ pid: number; command: string }>;
    };
    // The sweep found the very daemon the agent started (its pid from the file), and stopped it.
    const daemonPid = Number(readFileSync(pidFile, 'utf8').trim());
    expect(exited.stopped_daemons).toContainEqual({
      pid: daemonPid,
      command: expect.stringContaining('sleep 313'),
    });
    expect(processesMatching('sleep 313')).toEqual([]);
    const said = log.flatMap((e) => (e.type === 'feature.escaped' ? e.files : []));
    expect(said).toContain('ref refs/tags/planted created');
    expect(said).toContainEqual(
      expect.stringMatching(/^ref refs\/heads\/release moved [0-9a-f]{8} → [0-9a-f]{8}$/),
    );
    // Reported and left for the user to decide: the tag and the moved branch are the agent's doing;
    // main, HEAD, the checkout, the config, the files beside the repository and the bystander are not.
    expect(repo.git('tag', '--list', 'planted')).toBe('planted');
    expect(repo.git('rev-parse', 'release')).not.toBe(repo.git('rev-parse', 'main'));
    world.expectUntouched({ refs: ['refs/tags/planted', 'refs/heads/release'] });
  });
});
