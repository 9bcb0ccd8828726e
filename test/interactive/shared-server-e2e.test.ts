import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stopStragglers } from '../../src/guard/daemons.js';
import { serverProcesses, tmuxFor } from '../../src/interactive/tmux.js';
import type { BatonEvent } from '../../src/log/events.js';
import { foldEvents } from '../../src/log/fold.js';
import { readLog } from '../../src/log/read.js';
import { BATON_BIN, runBaton } from '../rig/cli.js';
import { contractFiles } from '../rig/contracts.js';
import { makeRepo } from '../rig/repo.js';
import { privateTmux, type TmuxRig, waitFor } from './tmux-rig.js';

const undo: Array<() => void> = [];
afterEach(() => {
  for (const u of undo.splice(0).reverse()) u();
});

/** The environment of a live process, as /proc shows it (only its owner can read it). */
function environOf(pid: number): Record<string, string> {
  const raw = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean);
  return Object.fromEntries(raw.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
}

function serverPidOf(rig: TmuxRig): number {
  return Number(rig.tmux('list-sessions', '-F', '#{pid}').stdout.split('\n')[0]);
}

/** fa writes what it got of the secret and the awkward value, then ends; fb asks and waits. */
const AGENT = [
  'f=$(printf %s "$BATON_FEATURE_ID" | cut -c2-); mkdir -p src/$f',
  'printf "%s" "$TEST_API_KEY" > src/$f/key.txt; printf "%s" "$TEST_TRICKY" > src/$f/tricky.txt',
  'if [ $f = b ]; then',
  `  echo '{"message":"type ok"}' | node ${BATON_BIN} hook notification --status needs-input`,
  '  read a; echo "$a" > src/b/out.txt',
  'else sleep 1; echo ok > src/a/out.txt; fi',
].join('\n');

describe('interactive runs share one tmux server with other agents and the user', () => {
  it('one feature ending leaves the server, the other agents and the user session alone; secrets never reach a command line', async () => {
    const rig = privateTmux();
    undo.push(() => rig.kill());
    const secret = `sk-test-${randomBytes(8).toString('hex')}`;
    const tricky = "it's a\nmulti-line $value";
    const repo = makeRepo({
      'baton.config.json': JSON.stringify({ agent: { command: 'sh ./agent.sh' } }),
      'agent.sh': `${AGENT}\n`,
      ...contractFiles(
        ['a', 'b'].map((f) => ({
          id: `f${f}`,
          owns: [`src/${f}/**`],
          criteria: [{ id: 'ok', text: 'ok', run: `grep -q ok src/${f}/out.txt` }],
        })),
      ),
    });
    undo.push(() => repo.cleanup());
    const logPath = join(repo.root, '.baton', 'log.jsonl');
    const events = () => readLog(logPath).events as BatonEvent[];
    const state = () => foldEvents(events());
    const env = { BATON_TMUX_SOCKET: rig.socket, TEST_API_KEY: secret, TEST_TRICKY: tricky };
    const run = runBaton(['run', '--interactive', '-j', '2'], { cwd: repo.root, env });

    const asked = await waitFor(() => state().features.fb?.status === 'needs-input', 40_000);
    expect(asked, rig.screens()).toBe(true);
    // The user's own session on the same server.
    rig.tmux('new-session', '-d', '-s', 'mine', 'sleep 600');
    const server = serverPidOf(rig);
    const serverEnv = environOf(server);
    expect(serverEnv.BATON_FEATURE_ID).toBeUndefined();
    expect(serverEnv.BATON_RUN_ID).toBeUndefined();
    // Whatever any local user can read: every process's command line.
    const ps = spawnSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).stdout;
    expect(ps).not.toContain(secret);
    // The private file that carried it is gone once the window's shell read it.
    const scratch = (f: string) =>
      readdirSync(join(repo.root, '.baton', 'runs')).map((r) =>
        join(repo.root, '.baton', 'runs', r, f, 'scratch'),
      );
    expect(scratch('fb').some((d) => existsSync(join(d, 'interactive.env')))).toBe(false);

    expect(await waitFor(() => state().features.fa?.status === 'complete', 40_000), rig.screens()).toBe(true);
    const exited = events().find((e) => e.type === 'agent.exited' && e.feature_id === 'fa');
    expect(exited && 'stopped_daemons' in exited ? exited.stopped_daemons : undefined).toBeUndefined();
    // fb still waits for its answer, and the user's session lives on.
    expect(state().features.fb?.status).toBe('needs-input');
    expect(rig.tmux('has-session', '-t', '=mine').status).toBe(0);
    expect(serverPidOf(rig)).toBe(server);

    expect((await runBaton(['send', 'fb', 'ok'], { cwd: repo.root, env })).code).toBe(0);
    const r = await run;
    expect(r.code, `${r.stdout}${r.stderr}${rig.screens()}`).toBe(0);
    expect(state().features.fb?.status).toBe('complete');
    // The agents still got every variable, values intact.
    expect(repo.git('show', 'baton/fa:src/a/key.txt')).toBe(secret);
    expect(repo.git('show', 'baton/fb:src/b/key.txt')).toBe(secret);
    expect(`${repo.git('show', 'baton/fa:src/a/tricky.txt')}`).toBe(tricky);
  }, 120_000);

  it("the sweep of an agent's leftovers never stops the tmux server or what it started, whatever their environment", async () => {
    const rig = privateTmux();
    undo.push(() => rig.kill());
    // A server started with a feature's identity (as an older Baton did), running a window.
    const runId = `r-${randomBytes(3).toString('hex')}`;
    const marked = { ...process.env, BATON_RUN_ID: runId, BATON_FEATURE_ID: 'fa' };
    spawnSync('tmux', ['-L', rig.socket, 'new-session', '-d', '-s', 'x', 'sleep 600'], { env: marked });
    const server = serverPidOf(rig);
    expect(environOf(server).BATON_FEATURE_ID).toBe('fa');
    const tmux = tmuxFor({ ...process.env, BATON_TMUX_SOCKET: rig.socket });
    const stopped = await stopStragglers(runId, 'fa', { graceMs: 200, spare: await serverProcesses(tmux) });
    expect(stopped).toEqual([]);
    expect(rig.tmux('has-session', '-t', '=x').status).toBe(0);
    expect(serverPidOf(rig)).toBe(server);
  }, 15_000);
});
