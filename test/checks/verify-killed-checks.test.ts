/**
 * A `baton verify` killed outright (kill -9, the OOM killer) while a `run:` check ran left the check's
 * process group running in the worktree, and nothing ever stopped it: the next verify took the stale
 * lock over and checked the same worktree while the orphan still wrote into it. Verify's checks now
 * carry its identity and the log (`verifyMarks`), and the verify that takes a killed one's lock over
 * stops the ones it proves (owner dead, this repository's log).
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { commandOf } from '../../src/guard/daemons.js';
import { listProcesses, processInfo } from '../../src/guard/proc.js';
import { BATON_BIN, runBaton } from '../rig/cli.js';
import { until } from '../rig/wait.js';
import { killedAfterEach, tempRepos } from '../runner/repo-rig.js';

const { repoWith } = tempRepos();
const pids = killedAfterEach();

describe('verify after a verify killed during a check', () => {
  it('stops the check the killed verify left running, and says so', async () => {
    const repo = repoWith([
      {
        id: 'a',
        agent: { command: 'mkdir -p src/a && echo x > src/a/a.txt' },
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the shell's own parameter syntax
        criteria: [{ id: 'slow', text: 'the slow suite passes', run: 'sleep ${SLOW:-0}' }],
      },
    ]);
    repo.commit('config', { 'baton.config.json': '{}', '.gitignore': '.baton/\n' });
    expect((await runBaton(['run'], { cwd: repo.root })).code).toBe(0);

    const verify = spawn(process.execPath, [BATON_BIN, 'verify'], {
      cwd: repo.root,
      env: { ...process.env, SLOW: '47' },
      stdio: 'ignore',
    });
    pids.push(verify.pid as number);
    const check = () => listProcesses().find((p) => commandOf(p.pid) === 'sleep 47');
    expect(await until(() => check() !== undefined, 30_000)).toBe(true);
    const orphan = check()!;
    pids.push(-orphan.pgid);
    verify.kill('SIGKILL');
    await until(() => verify.exitCode !== null || verify.signalCode !== null, 5000);
    expect(processInfo(orphan.pid)).toBeDefined();

    const again = await runBaton(['verify'], { cwd: repo.root, env: { SLOW: '0' } });
    expect(again.stderr).toContain('took over a stale lock');
    expect(again.stderr).toContain('a killed verify left running:');
    expect(again.stderr).toContain(`pid ${orphan.pid} (sleep 47)`);
    expect(again.code).toBe(0);
    expect(await until(() => processInfo(orphan.pid) === undefined, 5000)).toBe(true);
  }, 90_000);
});
