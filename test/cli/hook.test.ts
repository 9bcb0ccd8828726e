import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { readPayloadStream } from '../../src/cli/hook.js';
import { foldEvents } from '../../src/log/fold.js';
import { readLog } from '../../src/log/read.js';
import { BATON_BIN, fixture, runBaton } from '../rig/cli.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

describe('baton hook', () => {
  it('reads a payload already in the pipe even when the process first polls after its timeout (a busy machine)', () => {
    const payload = JSON.stringify({ session_id: 's1', last_assistant_message: 'done' });
    const r = spawnSync(process.execPath, [fixture('late-payload-reader.mjs')], {
      input: payload,
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toBe(payload);
  });

  it('logs from a folder its agent removed (it needs none), and other commands say the folder is gone in one line', () => {
    const repo = makeRepo();
    repos.push(repo);
    const log = join(repo.root, '.baton', 'log.jsonl');
    // The shell stands in a folder that no longer exists when Baton starts there.
    const inGone = (args: string) =>
      spawnSync(
        'sh',
        ['-c', `mkdir gone && cd gone && rmdir ../gone && exec "$0" ${args}`, process.execPath],
        {
          cwd: join(repo.root, '..'),
          encoding: 'utf8',
          env: { ...process.env, BATON_FEATURE_ID: 'feature-001-a', BATON_LOG: log, NO_COLOR: '1' },
        },
      );
    const hook = inGone(`${BATON_BIN} hook stop --status complete`);
    expect(hook.stderr).toBe('');
    expect(hook.status).toBe(0);
    expect(readLog(log).events).toMatchObject([
      { type: 'hook', feature_id: 'feature-001-a', status: 'complete' },
    ]);
    const status = inGone(`${BATON_BIN} status`);
    expect(status.status).toBe(1);
    expect(status.stderr).toBe(
      'baton: the current folder no longer exists (it was removed) [cli/no-cwd]\nhint: cd into the repository, then run the command again.\n',
    );
  });

  it('refuses the id Baton keeps for itself, given or read from the integration branch; nothing is logged', async () => {
    const repo = makeRepo();
    repos.push(repo);
    const wt = join(repo.root, '..', 'wt-integration');
    repo.git('worktree', 'add', '-q', '-b', 'baton/integration', wt);
    const fromBranch = await runBaton(['hook', 'stop', '--status', 'complete'], {
      cwd: wt,
      env: { BATON_FEATURE_ID: '', BATON_LOG: '' },
    });
    const given = await runBaton(['hook', 'stop', '--feature', 'integration', '--status', 'failed'], {
      cwd: repo.root,
      env: { BATON_FEATURE_ID: '', BATON_LOG: '' },
    });
    for (const r of [fromBranch, given]) {
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(
        `baton: "integration" is Baton's own (baton/integration), not a feature's [hook/bad-feature]`,
      );
    }
    expect(readLog(join(repo.root, '.baton', 'log.jsonl')).events).toEqual([]);
  });

  it('finds the feature from the worktree branch and writes to the main checkout log', async () => {
    const repo = makeRepo();
    repos.push(repo);
    const wt = join(repo.root, '..', 'wt-x');
    repo.git('worktree', 'add', '-q', '-b', 'baton/feature-007-x', wt);
    const payload = JSON.stringify({
      session_id: 'abc',
      hook_event_name: 'Stop',
      last_assistant_message: 'All done.',
    });
    const r = await runBaton(['hook', 'stop'], {
      cwd: wt,
      stdin: payload,
      env: { BATON_FEATURE_ID: '', BATON_LOG: '' },
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const { events } = readLog(join(repo.root, '.baton', 'log.jsonl'));
    expect(events).toEqual([
      expect.objectContaining({
        type: 'hook',
        feature_id: 'feature-007-x',
        event: 'stop',
        session_id: 'abc',
        detail: 'All done.',
      }),
    ]);
  });

  it('takes a Codex-style JSON argument and an explicit status', async () => {
    const repo = makeRepo();
    repos.push(repo);
    const arg = JSON.stringify({
      type: 'agent-turn-complete',
      'thread-id': 't1',
      'last-assistant-message': 'ok',
    });
    const r = await runBaton(
      ['hook', 'agent-turn-complete', arg, '--feature', 'f1', '--status', 'needs-input'],
      {
        cwd: repo.root,
      },
    );
    expect(r.code).toBe(0);
    const state = foldEvents(readLog(join(repo.root, '.baton', 'log.jsonl')).events);
    expect(state.features.f1?.status).toBe('needs-input');
  });

  it.each([
    ['BATON_UNIT_ID', { BATON_UNIT_ID: 'Not An Id', BATON_FEATURE_ID: 'feature-001-a' }],
    ['BATON_FEATURE_ID', { BATON_UNIT_ID: '', BATON_FEATURE_ID: 'Not An Id' }],
  ])('names %s when the bad id came from it', async (name, env) => {
    const repo = makeRepo();
    repos.push(repo);
    const r = await runBaton(['hook', 'stop'], { cwd: repo.root, env: { ...env, BATON_LOG: '' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${name} "Not An Id" is not a feature id`);
  });

  it('rejects an unknown status with exit 2 and writes nothing', async () => {
    const repo = makeRepo();
    repos.push(repo);
    const r = await runBaton(['hook', 'stop', '--feature', 'f1', '--status', 'finished-ish'], {
      cwd: repo.root,
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown status "finished-ish"');
    expect(readLog(join(repo.root, '.baton', 'log.jsonl')).events).toEqual([]);
  });

  it('the shipped examples/completionhook.sh appends a plain line that status folds', async () => {
    const repo = makeRepo();
    repos.push(repo);
    const script = join(import.meta.dirname, '..', '..', 'examples', 'completionhook.sh');
    execFileSync('sh', [script, 'feature-003-x', 'complete'], { cwd: repo.root });
    const status = await runBaton(['status', '--json'], { cwd: repo.root });
    const json = JSON.parse(status.stdout) as { features: Array<{ feature_id: string; status: string }> };
    expect(json.features).toEqual([
      expect.objectContaining({ feature_id: 'feature-003-x', status: 'complete' }),
    ]);
  });

  it('a payload over 8 MiB is dropped aloud: exit 0, one line on stderr, payload_dropped on the event, shown by status', () => {
    const repo = makeRepo();
    repos.push(repo);
    const big = JSON.stringify({ session_id: 's9', last_assistant_message: 'x'.repeat(9 << 20) });
    const env = { ...process.env, NO_COLOR: '1', BATON_FEATURE_ID: '', BATON_LOG: '' };
    const r = spawnSync(process.execPath, [BATON_BIN, 'hook', 'stop', '--feature', 'feature-009-big'], {
      cwd: repo.root,
      env,
      input: big,
      encoding: 'utf8',
      maxBuffer: 1 << 20,
    });
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/^baton hook: payload dropped \(over 8 MiB\)[^\n]*\n$/);
    const { events } = readLog(join(repo.root, '.baton', 'log.jsonl'));
    expect(events).toEqual([
      expect.objectContaining({ type: 'hook', feature_id: 'feature-009-big', payload_dropped: 'too-large' }),
    ]);
    expect(events[0]).not.toHaveProperty('session_id');
    const status = spawnSync(process.execPath, [BATON_BIN, 'status', '--no-disk'], {
      cwd: repo.root,
      env,
      encoding: 'utf8',
    });
    expect(status.stdout).toContain('hook stop (payload dropped: too-large)');
  });

  it('a payload whose writer keeps the pipe open past the time limit is reported as timed out', async () => {
    const open = new PassThrough();
    open.write('{"session_id":"s1"');
    await expect(readPayloadStream(open, { timeoutMs: 20 })).resolves.toEqual({ dropped: 'timeout' });
  });
});
