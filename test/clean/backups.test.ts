// `baton clean --backups`: the backup refs Baton keeps of the tips it drops, listed, removed when a
// branch or tag holds their tip, kept (with how to keep them) otherwise unless --force. Real
// repositories, the backups written by Baton's own writer, the CLI in-process (a real process for the race).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { keepTipRef } from '../../src/git/branches.js';
import {
  CLEAN_BACKUP_PREFIX,
  INTEGRATION_BACKUP_PREFIX,
  pickBackupRef,
  restartBackupRef,
  tipBackupRef,
} from '../../src/git/refs.js';
import { projectRepo } from '../reliability/fixture.js';
import { runBaton, runBatonProcess } from '../rig/cli.js';
import { holdRunLock } from '../rig/dead-run.js';
import { gitShim, racingGit } from '../rig/git-shim.js';
import type { TempRepo } from '../rig/repo.js';

let repo: TempRepo | undefined;
afterEach(() => {
  repo?.cleanup();
  repo = undefined;
});

/** A commit on top of main that no branch or tag holds (as a dropped tip is). */
function looseCommit(r: TempRepo, message: string): string {
  return r.git('commit-tree', 'HEAD^{tree}', '-p', 'HEAD', '-m', message);
}

/** A commit made on a branch of its own, then merged into main (fast-forward) and the branch deleted. */
function mergedCommit(r: TempRepo, name: string): string {
  r.git('checkout', '-q', '-b', name);
  const tip = r.commit(`${name} work`, { [`${name}.txt`]: `${name}\n` });
  r.git('checkout', '-q', 'main');
  r.git('merge', '-q', '--ff-only', name);
  r.git('branch', '-q', '-D', name);
  return tip;
}

/** Keeps `commit` under `ref`, as pick, clean, restart and integrate do (`keepTipRef`). */
async function keep(r: TempRepo, ref: string, commit: string): Promise<string> {
  await keepTipRef(r.root, { ref, commit, why: 'test' });
  return ref;
}

/** Every ref under refs/baton/ with its tip. */
const batonRefs = (r: TempRepo) => r.git('for-each-ref', '--format=%(objectname) %(refname)', 'refs/baton/');

describe('baton clean --backups', () => {
  it('removes a pick backup whose commit is merged into main, saying where it is kept', async () => {
    repo = projectRepo(['alpha']);
    const tip = mergedCommit(repo, 'work');
    const ref = await keep(repo, pickBackupRef('alpha', tip), tip);
    const r = await runBaton(['clean', '--backups'], { cwd: repo.root });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Removed 1 backup ref(s):');
    expect(r.stdout).toMatch(
      new RegExp(
        `^ {2}alpha {2}pick {2}${tip.slice(0, 8)} {2}\\d{4}-\\d\\d-\\d\\d {2}kept elsewhere: on main$`,
        'm',
      ),
    );
    expect(repo.git('for-each-ref', ref)).toBe('');
  });

  it('keeps one on no branch, listed with the git branch that keeps it; --force removes it and prints its sha', async () => {
    repo = projectRepo(['alpha']);
    const tip = looseCommit(repo, 'dropped');
    const ref = await keep(repo, pickBackupRef('alpha', tip), tip);
    const r = await runBaton(['clean', '--backups'], { cwd: repo.root });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Kept 1 backup ref(s) whose tip is on no branch or tag:');
    expect(r.stdout).toContain(`  alpha  pick  ${tip.slice(0, 8)}  `);
    expect(r.stdout).toContain(ref);
    expect(r.stdout).toContain(
      `keep it as a branch: git branch kept/alpha-${tip.slice(0, 8)} ${tip}; or \`baton clean --backups --force\` removes it`,
    );
    expect(repo.git('rev-parse', ref)).toBe(tip);

    const forced = await runBaton(['clean', '--backups', '--force'], { cwd: repo.root });
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toContain('Removed 1 backup ref(s):');
    expect(forced.stdout).toContain(`forced, discarding: on no branch or tag; its tip was ${tip}`);
    expect(batonRefs(repo)).toBe('');
    // The sha printed still recovers it: nothing has collected it yet.
    repo.git('branch', 'back', tip);
    expect(repo.git('rev-parse', 'back')).toBe(tip);
  });

  it('--dry-run prints the same decisions and changes no ref', async () => {
    repo = projectRepo(['alpha']);
    const merged = mergedCommit(repo, 'work');
    const loose = looseCommit(repo, 'dropped');
    await keep(repo, pickBackupRef('alpha', merged), merged);
    await keep(repo, restartBackupRef('alpha', loose), loose);
    const before = batonRefs(repo);
    const dry = await runBaton(['clean', '--backups', '--dry-run'], { cwd: repo.root });
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('Would remove 1 backup ref(s):');
    expect(dry.stdout).toContain('Kept 1 backup ref(s)');
    const forced = await runBaton(['clean', '--backups', '--dry-run', '--force'], { cwd: repo.root });
    expect(forced.stdout).toContain('Would remove 2 backup ref(s):');
    expect(batonRefs(repo)).toBe(before);
  });

  it('lists every kind, and ids select the backups of those features (attempts with them)', async () => {
    repo = projectRepo(['alpha', 'beta']);
    const a = looseCommit(repo, 'a');
    const b = looseCommit(repo, 'b');
    const refs = {
      pick: await keep(repo, pickBackupRef('alpha', a), a),
      clean: await keep(repo, tipBackupRef(CLEAN_BACKUP_PREFIX, 'alpha.a2', a), a),
      restart: await keep(repo, restartBackupRef('beta', b), b),
      integration: await keep(repo, `${INTEGRATION_BACKUP_PREFIX}2024-01-02T03-04-05-678Z`, b),
    };
    const all = await runBaton(['clean', '--backups', '--dry-run', '--json'], { cwd: repo.root });
    const kept = JSON.parse(all.stdout).kept as Array<{ ref: string; kind: string; feature_id: string }>;
    expect(kept.map((k) => [k.kind, k.feature_id, k.ref]).sort()).toEqual(
      [
        ['clean', 'alpha.a2', refs.clean],
        ['integration', 'integration', refs.integration],
        ['pick', 'alpha', refs.pick],
        ['restart', 'beta', refs.restart],
      ].sort(),
    );

    const alpha = await runBaton(['clean', '--backups', '--force', 'alpha'], { cwd: repo.root });
    expect(alpha.code, alpha.stderr).toBe(0);
    expect(alpha.stdout).toContain('Removed 2 backup ref(s):');
    expect(
      batonRefs(repo)
        .split('\n')
        .map((l) => l.split(' ')[1]),
    ).toEqual([refs.integration, refs.restart]);

    const unknown = await runBaton(['clean', '--backups', 'gamma'], { cwd: repo.root });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain(
      'baton: unknown feature: gamma; known ids: alpha, beta, integration [features/unknown]',
    );
    const none = await runBaton(['clean', '--backups', 'alpha'], { cwd: repo.root });
    expect(none.stdout).toBe('alpha: no backup refs\n');
  });

  it('--json prints { dry_run, removed, failed, kept, absent }, each with ref, kind, feature, tip, date, where it is kept', async () => {
    repo = projectRepo(['alpha']);
    const merged = mergedCommit(repo, 'work');
    const loose = looseCommit(repo, 'dropped');
    const m = await keep(repo, pickBackupRef('alpha', merged), merged);
    const l = await keep(repo, pickBackupRef('alpha', loose), loose);
    const r = await runBaton(['clean', '--backups', '--json'], { cwd: repo.root });
    expect(r.code, r.stderr).toBe(0);
    const date = (c: string) => repo?.git('show', '-s', '--format=%cI', c);
    expect(JSON.parse(r.stdout)).toEqual({
      dry_run: false,
      removed: [
        {
          ref: m,
          kind: 'pick',
          feature_id: 'alpha',
          tip: merged,
          date: date(merged),
          on: 'main',
          reasons: ['kept elsewhere: on main'],
          forced: false,
        },
      ],
      failed: [],
      kept: [
        {
          ref: l,
          kind: 'pick',
          feature_id: 'alpha',
          tip: loose,
          date: date(loose),
          on: null,
          reasons: ['on no branch or tag'],
        },
      ],
      absent: [],
    });
  });

  it('leaves a ref another process moves between listing and deletion, naming it; the rest go', async () => {
    repo = projectRepo(['alpha', 'beta']);
    const tip = mergedCommit(repo, 'work');
    const moved = await keep(repo, pickBackupRef('alpha', tip), tip);
    const gone = await keep(repo, pickBackupRef('beta', tip), tip);
    const elsewhere = looseCommit(repo, 'theirs');
    // Just before clean deletes, another process moves one backup: the race, made certain.
    const git = racingGit(join(repo.root, '..'), {
      when: 'update-ref --no-deref -z --stdin',
      first: ['update-ref', moved, elsewhere],
    });
    const r = runBatonProcess(['clean', '--backups'], { cwd: repo.root, env: { PATH: git.path } });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toContain('Removed 1 backup ref(s):');
    expect(r.stdout).toContain('Failed 1 (left as they are):');
    expect(r.stdout).toContain(
      `${moved}: moved since it was listed (now at ${elsewhere.slice(0, 8)}); it was left`,
    );
    expect(batonRefs(repo)).toBe(`${elsewhere} ${moved}`);
    expect(repo.git('for-each-ref', gone)).toBe('');
  });

  it('asks git the same few times for two backups as for eight: two listings, one rev-list, one name-rev, one transaction', async () => {
    repo = projectRepo(['alpha']);
    const r = repo;
    const callsFor = async (n: number): Promise<string[]> => {
      for (let i = 0; i < n; i++) {
        const tip = i % 2 === 0 ? mergedCommit(r, `w${n}-${i}`) : looseCommit(r, `l${n}-${i}`);
        await keep(r, pickBackupRef('alpha', tip), tip);
      }
      const shim = gitShim(join(r.root, '..', `shim-${n}`));
      const run = runBatonProcess(['clean', '--backups', '--force'], {
        cwd: r.root,
        env: { PATH: shim.path },
      });
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toContain(`Removed ${n} backup ref(s):`);
      return shim.calls().map((c) => c.replace(/^(-c \S+ )*/, '').split(' ')[0] ?? '');
    };
    const two = await callsFor(2);
    const eight = await callsFor(8);
    // The holding questions run side by side: their order is the scheduler's.
    expect([...eight].sort()).toEqual([...two].sort());
    expect(eight.filter((c) => c === 'for-each-ref')).toHaveLength(2);
    for (const cmd of ['rev-list', 'name-rev', 'update-ref']) {
      expect(eight.filter((c) => c === cmd)).toHaveLength(1);
    }
  });

  it('never deletes a symbolic ref planted among the backups, nor the branch it names, even with --force', async () => {
    repo = projectRepo(['alpha']);
    const r = repo;
    r.git('tag', 'v1');
    r.git('checkout', '-q', '-b', 'side');
    const side = r.commit('side work', { 'side.txt': 'side\n' });
    r.git('checkout', '-q', 'main');
    const main = r.git('rev-parse', 'main');
    r.git('symbolic-ref', 'refs/baton/pick-backup/alpha/x', 'refs/heads/main');
    r.git('symbolic-ref', 'refs/baton/clean-backup/alpha/y', 'refs/heads/side');
    for (const args of [
      ['clean', '--backups'],
      ['clean', '--backups', '--force'],
    ]) {
      const out = await runBaton(args, { cwd: r.root });
      expect(out.code, out.stderr).toBe(0);
      expect(out.stdout).toContain('a symbolic ref to refs/heads/main, which Baton never writes: left alone');
      expect(r.git('rev-parse', 'main')).toBe(main);
      expect(r.git('rev-parse', 'side')).toBe(side);
      expect(r.git('symbolic-ref', 'refs/baton/clean-backup/alpha/y')).toBe('refs/heads/side');
    }
  });

  it('counts a tip as kept elsewhere only when a branch or tag holds it, not a ref that ends like one', async () => {
    repo = projectRepo(['alpha']);
    const tip = looseCommit(repo, 'dropped');
    const ref = await keep(repo, `${CLEAN_BACKUP_PREFIX}alpha/${tip}`, tip);
    // What filter-branch leaves, and a ref planted to look like a branch: neither is a branch.
    repo.git('update-ref', 'refs/original/refs/heads/old', tip);
    repo.git('update-ref', `${CLEAN_BACKUP_PREFIX}refs/heads/z`, tip);
    const out = await runBaton(['clean', '--backups'], { cwd: repo.root });
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).not.toContain('kept elsewhere');
    expect(repo.git('rev-parse', ref)).toBe(tip);
    // A real branch holding it: removed, and the branch named.
    repo.git('branch', 'keeper', tip);
    const again = await runBaton(['clean', '--backups'], { cwd: repo.root });
    expect(again.stdout).toContain('kept elsewhere: on keeper');
    expect(repo.git('for-each-ref', ref)).toBe('');
  });

  it('is refused while another Baton runs, exactly as clean is; --dry-run still lists', async () => {
    repo = projectRepo(['alpha']);
    const tip = mergedCommit(repo, 'work');
    await keep(repo, pickBackupRef('alpha', tip), tip);
    const before = batonRefs(repo);
    // A real live process stands for the other Baton: its run lock names it.
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    try {
      await new Promise((ok) => other.once('spawn', ok));
      holdRunLock(repo.root, 'r1', other.pid);
      const clean = await runBaton(['clean', '--force'], { cwd: repo.root });
      expect(clean.stderr).toContain(`baton: another Baton is running (pid ${other.pid}`);
      for (const args of [['--backups'], ['--backups', '--force'], ['--backups', '--json']]) {
        const backups = await runBaton(['clean', ...args], { cwd: repo.root });
        expect(backups.code).toBe(clean.code);
        expect(backups.stderr).toBe(clean.stderr);
      }
      expect(batonRefs(repo)).toBe(before);
      const dry = await runBaton(['clean', '--backups', '--dry-run'], { cwd: repo.root });
      expect(dry.stdout).toContain('Would remove 1 backup ref(s):');
    } finally {
      other.kill('SIGKILL');
    }
  });

  it('--backups with --merged or --all is a usage error naming both flags', async () => {
    repo = projectRepo(['alpha']);
    for (const flag of ['--merged', '--all']) {
      const r = await runBaton(['clean', '--backups', flag], { cwd: repo.root });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`option '--backups' cannot be used with option '${flag}'`);
    }
  });

  it('prints ref names escaped and touches nothing outside the backup namespaces, --force or not', async () => {
    repo = projectRepo(['alpha']);
    const loose = looseCommit(repo, 'agent');
    // An agent can create refs under refs/baton/: a name that reorders the line, and refs beside the backups.
    const evil = await keep(repo, pickBackupRef('alpha\u202e', loose), loose);
    for (const other of [
      'refs/baton/attempts/alpha/j.1',
      'refs/baton/pick-backups/alpha/x',
      'refs/heads/keep',
    ]) {
      repo.git('update-ref', other, loose);
    }
    const r = await runBaton(['clean', '--backups', '--force'], { cwd: repo.root });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toContain('\u202e');
    expect(r.stdout).toContain('alpha\\u202e');
    expect(repo.git('for-each-ref', evil)).toBe('');
    expect(repo.git('for-each-ref', '--format=%(refname)', 'refs/baton/')).toBe(
      'refs/baton/attempts/alpha/j.1\nrefs/baton/pick-backups/alpha/x',
    );
  });
});

describe('plain baton clean', () => {
  it('ends with one line counting the backup refs kept, only when there are any', async () => {
    repo = projectRepo(['alpha']);
    const none = await runBaton(['clean', '--dry-run'], { cwd: repo.root });
    expect(none.stdout).not.toContain('backup');
    const tip = looseCommit(repo, 'dropped');
    await keep(repo, pickBackupRef('alpha', tip), tip);
    await keep(repo, restartBackupRef('alpha', tip), tip);
    for (const args of [['clean', '--dry-run'], ['clean']]) {
      const r = await runBaton(args, { cwd: repo.root });
      expect(r.stdout.trimEnd().split('\n').at(-1)).toBe(
        'note: 2 backup refs of dropped tips kept under refs/baton/: `baton clean --backups` lists them and removes those a branch or tag holds.',
      );
    }
  });
});

describe('docs', () => {
  it('the help text and the README document --backups', async () => {
    repo = projectRepo(['alpha']);
    const help = await runBaton(['clean', '--help'], { cwd: repo.root });
    expect(help.stdout).toContain('--backups');
    expect(help.stdout).toContain('With --backups, clean lists');
    const readme = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');
    expect(readme).toMatch(/\| `baton clean --backups \[ids…\] \[--force\] \[--dry-run\] \[--json\]` \|/);
  });
});
