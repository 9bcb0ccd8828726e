/**
 * A run killed while a check's `serve` server ran: the server carries the run's id like the agent,
 * so a resume finds it by its environment and stops it, instead of meeting it on the feature's port.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePortBase } from '../checks/rig.js';
import { BATON_BIN, runBaton } from '../rig/cli.js';
import { contractFiles } from '../rig/contracts.js';
import { makeRepo } from '../rig/repo.js';
import { until } from '../rig/wait.js';
import { killedAfterEach, tempRepos } from './repo-rig.js';

const pids = killedAfterEach();
const { kept } = tempRepos();

function alive(pid: number): boolean {
  try {
    return !/\) [ZX] /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe('resume after a run killed during a serve check', () => {
  it('stops the dead run’s server, found by the run id in its environment', async () => {
    const repo = makeRepo({ 'README.md': '# app\n' });
    kept(repo);
    const pidFile = join(repo.root, '..', 'server.pid');
    // A port of its own: other test files running meanwhile serve on the default 41000.
    const portBase = await freePortBase();
    repo.write({
      'baton.config.json': JSON.stringify({ port_base: portBase }),
      ...contractFiles([
        {
          id: 'b',
          agent: { command: 'mkdir -p src/b && echo hi > src/b/a.txt' },
          serve: `echo $$ > ${pidFile}; exec sleep 300`,
          criteria: [
            { id: 'up', text: 'up', http: { url: '/', p95_ms: 100, requests: 1, start_timeout_s: 60 } },
          ],
        },
      ]),
    });
    repo.git('add', '-A');
    repo.git('commit', '-qm', 'contract');
    const child = spawn(process.execPath, [BATON_BIN, 'run'], { cwd: repo.root, stdio: 'ignore' });
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    // Generous: on a busy 2-core CI the run's agent, commit and check start can take many seconds.
    expect(
      await until(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').endsWith('\n'), 45_000),
    ).toBe(true);
    const server = Number(readFileSync(pidFile, 'utf8'));
    pids.push(server);
    child.kill('SIGKILL');
    await exited;
    expect(alive(server)).toBe(true);
    const resumed = await runBaton(['run', '--resume', '--no-verify'], { cwd: repo.root });
    expect(resumed.stdout).toContain(`for b (group ${server}: its agent, setup or checks)`);
    expect(await until(() => !alive(server), 3000)).toBe(true);
  });
});
