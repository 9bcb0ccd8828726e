// @module-tag slow
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { BatonEvent, RunStarted } from '../../src/log/events.js';
import { readLog } from '../../src/log/read.js';
import { BATON_BIN, runBaton } from '../rig/cli.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';
import { until } from '../rig/wait.js';

const repos: TempRepo[] = [];
const undo: Array<() => void> = [];
afterEach(() => {
  for (const u of undo.splice(0)) u();
  for (const r of repos.splice(0)) r.cleanup();
});

/** Writes `ok`; attempt 2 hangs on its first start only (the marker `$MARK` is outside the repository). */
const AGENT = [
  // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a template
  'f=${BATON_BRANCH#baton/}; f=${f%%.a*}; mkdir -p src/$f; echo ok > src/$f/out.txt',
  'case "$BATON_BRANCH" in *.a2) if [ ! -e "$MARK" ]; then touch "$MARK"; sleep 60; fi;; esac',
  '',
].join('\n');

const CONTRACT =
  '---\nfeature_id: fa\ntitle: fa\nowns: ["src/fa/**"]\nacceptance_criteria:\n  - id: ok\n    text: ok\n    run: grep -q ok src/fa/out.txt\n---\n';

describe('an interrupted best-of-N run, resumed without repeating --attempts', () => {
  it('pick and a plain run refuse it; `run --resume` reads the attempts count from the log, stops the orphan and selects', async () => {
    const repo = makeRepo({
      'README.md': '# app\n',
      '.gitignore': '.baton/\n',
      'agent.sh': AGENT,
      'baton.config.json': JSON.stringify({ agent: { command: 'sh ./agent.sh' } }),
      'specs/fa/contract.md': CONTRACT,
    });
    repos.push(repo);
    const env = { MARK: join(dirname(repo.root), `mark-${Date.now()}`) };
    const log = join(repo.root, '.baton', 'log.jsonl');
    const events = () => (existsSync(log) ? (readLog(log).events as BatonEvent[]) : []);

    const child = spawn(process.execPath, [BATON_BIN, 'run', 'fa', '--attempts', '2'], {
      cwd: repo.root,
      env: { ...process.env, ...env },
      stdio: 'ignore',
    });
    undo.push(() => child.kill('SIGKILL'));
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    const ready = await until(
      () => existsSync(env.MARK) && events().some((e) => e.type === 'attempt.ended' && e.attempt === 1),
      20_000,
    );
    expect(ready, JSON.stringify(events().map((e) => e.type))).toBe(true);
    child.kill('SIGKILL');
    await exited;

    const pick = await runBaton(['pick', 'fa', '1'], { cwd: repo.root, env });
    expect(pick.code).toBe(1);
    expect(pick.stderr).toMatch(/not decided yet: attempt 2 is still running in the log \[pick\/undecided\]/);
    expect(events().some((e) => e.type === 'attempt.picked')).toBe(false);

    // No winner, so no attempt is fa's work: verify refuses as pick does, and checks (logs) nothing.
    const logged = events().length;
    const verify = await runBaton(['verify', 'fa'], { cwd: repo.root, env });
    expect(verify.code).toBe(1);
    expect(verify.stderr).toMatch(
      /^baton: fa has no winner yet: attempt 2 is still running in the log, .* \[verify\/undecided\]\nhint: Run `baton run --resume fa`/,
    );
    expect(verify.stdout).toBe('');
    const every = await runBaton(['verify'], { cwd: repo.root, env });
    expect(every.code, every.stderr).toBe(0);
    expect(every.stderr).toMatch(/^skipped fa: fa has no winner yet: .*\[verify\/undecided\]/);
    expect(events()).toHaveLength(logged);

    // Its attempts ran: integrate calls it undecided, as pick and verify do, and names the resume.
    const integrate = await runBaton(['integrate'], { cwd: repo.root, env });
    expect(integrate.code).toBe(1);
    expect(integrate.stderr).toMatch(
      /^baton: best-of-N is not decided yet for fa \(attempt 2 .*\): .*\[integrate\/undecided\]\nhint: Run `baton run --resume fa`/,
    );

    const plain = await runBaton(['run', 'fa'], { cwd: repo.root, env });
    expect(plain.code).toBe(1);
    expect(plain.stderr).toMatch(/\[run\/undecided-attempts\]/);
    expect(plain.stderr).toMatch(/baton run --resume fa/);

    const resumed = await runBaton(['run', '--resume', 'fa'], { cwd: repo.root, env });
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/stopped what the dead run left running for fa\.a2/);
    const all = events();
    const runs = all.filter((e): e is RunStarted => e.type === 'run.started');
    expect(runs.map((r) => r.attempts)).toEqual([{ fa: 2 }, { fa: 2 }]);
    const second = runs[1]!.run_id;
    // Attempt 1 is kept; attempt 2 runs again; no plain run of fa.
    const inSecond = all.filter((e) => e.run_id === second);
    expect(inSecond.filter((e) => e.type === 'attempt.started').map((e) => e.attempt)).toEqual([2]);
    expect(inSecond.some((e) => e.type === 'feature.started' && e.feature_id === 'fa')).toBe(false);
    expect(all.filter((e) => e.type === 'attempt.selected')).toHaveLength(1);
    const status = JSON.parse((await runBaton(['status', '--json'], { cwd: repo.root })).stdout);
    const fa = status.features.find((f: { feature_id: string }) => f.feature_id === 'fa');
    expect(fa.status).toBe('complete');
    expect(fa.attempts.map((a: { status: string }) => a.status)).toEqual(['complete', 'complete']);
    expect(repo.git('rev-parse', 'baton/fa')).toBe(repo.git('rev-parse', `baton/fa.a${fa.winner.attempt}`));
  });
});
