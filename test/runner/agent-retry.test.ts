import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBaton } from '../rig/cli.js';
import { contractFiles, type TestContract } from '../rig/contracts.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';
import { events, tempRepos } from './repo-rig.js';

const { kept } = tempRepos();

/**
 * A repository whose `claude` is a fake Claude Code: `script` is the shell body run after it answered
 * `--version` and read its task from stdin, in the feature's worktree.
 */
function repoWithFakeClaude(
  script: string,
  contract: Partial<TestContract> = {},
  config: object = {},
): TempRepo {
  const repo = makeRepo({
    'README.md': '# app\n',
    ...contractFiles([{ id: 'hello', agent: 'claude', owns: ['src/hello/**'], ...contract }]),
  });
  kept(repo);
  const fake = join(repo.root, '..', 'fake-claude.sh');
  writeFileSync(
    fake,
    `#!/bin/sh\nif [ "$1" = "--version" ]; then echo "2.1.197 (Claude Code)"; exit 0; fi\ncat > /dev/null\n${script}\n`,
  );
  chmodSync(fake, 0o755);
  repo.commit('config', {
    'baton.config.json': JSON.stringify({
      agents: { claude: { command: fake } },
      retry: { attempts: 2, initial_delay_s: 0, factor: 1 },
      ...config,
    }),
  });
  return repo;
}

/** Shell that prints `lines` (JSON events) as they are. */
const print = (...lines: object[]) => `cat <<'JSON'\n${lines.map((l) => JSON.stringify(l)).join('\n')}\nJSON`;

const toolResult = (text: string) => ({
  type: 'user',
  message: { role: 'user', content: [{ tool_use_id: 't1', type: 'tool_result', content: text }] },
});

describe('agent retries', () => {
  it('does not rerun a failed agent whose transcript merely mentions a rate limit', async () => {
    const repo = repoWithFakeClaude(
      [
        'mkdir -p src/hello && echo hi > src/hello/x',
        print(
          toolResult(
            'export function rateLimit(){ /* token bucket rate limit */ } // HTTP 429 529 overloaded',
          ),
          {
            type: 'result',
            subtype: 'error_max_turns',
            is_error: true,
            api_error_status: null,
            total_cost_usd: 1.25,
            num_turns: 40,
          },
        ),
        'exit 1',
      ].join('\n'),
    );
    const r = await runBaton(['run'], { cwd: repo.root });
    expect(r.code).not.toBe(0);
    const log = events(repo);
    expect(log.filter((e) => e.type === 'feature.started')).toHaveLength(1);
    expect(log.filter((e) => e.type === 'agent.retrying')).toHaveLength(0);
  });

  it('retries a run the API rate-limited, and says so with the wait', async () => {
    const repo = repoWithFakeClaude(
      [
        'mkdir -p src/hello',
        'if [ -f src/hello/.tried ]; then echo ok > src/hello/x; exit 0; fi',
        'touch src/hello/.tried',
        print({
          type: 'result',
          subtype: 'success',
          is_error: true,
          api_error_status: 429,
          result: 'API Error: Request rejected (429)',
        }),
        'exit 1',
      ].join('\n'),
    );
    const r = await runBaton(['run'], { cwd: repo.root });
    expect(r.code).toBe(0);
    const log = events(repo);
    expect(log.filter((e) => e.type === 'feature.started')).toHaveLength(2);
    expect(log.filter((e) => e.type === 'agent.retrying')).toMatchObject([
      { feature_id: 'hello', reason: 'rate-limited', retry: 1, of: 2, delay_ms: 0 },
    ]);
    expect(r.stdout).toMatch(/hello: agent rate-limited \(exit 1\); retry 1 of 2 in 0 s/);
  });
});

describe('usage over attempts', () => {
  it('sums the cost and turns of every attempt, the failed ones included', async () => {
    const repo = repoWithFakeClaude(
      [
        'mkdir -p src/hello',
        print({ type: 'result', subtype: 'success', is_error: false, total_cost_usd: 3.5, num_turns: 40 }),
        'if [ -f src/hello/.tried ]; then echo ok > src/hello/x; exit 0; fi',
        'touch src/hello/.tried',
        'exit 1',
      ].join('\n'),
      { retries: 1 },
    );
    const r = await runBaton(['run'], { cwd: repo.root });
    expect(r.code).toBe(0);
    const log = events(repo);
    expect(log.filter((e) => e.type === 'feature.started')).toHaveLength(2);
    expect(log.filter((e) => e.type === 'agent.retrying')).toMatchObject([
      { reason: 'failed', retry: 1, of: 1 },
    ]);
    expect(log.find((e) => e.type === 'agent.exited')).toMatchObject({ usage: { cost_usd: 7, turns: 80 } });
    const status = JSON.parse((await runBaton(['status', '--json'], { cwd: repo.root })).stdout) as {
      features: Array<{ usage?: { cost_usd?: number; turns?: number } }>;
    };
    expect(status.features[0]?.usage).toMatchObject({ cost_usd: 7, turns: 80 });
  });
});

/** Grows the agent's own log past V8's longest string (0x1fffffe8 characters) at once: a sparse 600 MB. */
const GROW_LOG = 'truncate -s +600M "$(dirname "$BATON_TASK_FILE")/agent.log"';

describe('an agent that prints more than a string can hold', () => {
  it('a command agent: its work is committed, its log never read', async () => {
    const repo = makeRepo({
      'README.md': '# app\n',
      ...contractFiles([
        { id: 'hello', agent: { command: `mkdir -p src/hello && echo hi > src/hello/x && ${GROW_LOG}` } },
      ]),
    });
    kept(repo);
    const r = await runBaton(['run'], { cwd: repo.root });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(repo.git('show', 'baton/hello:src/hello/x')).toBe('hi');
  });

  it('Claude: its usage is still read from the end of the log', async () => {
    const repo = repoWithFakeClaude(
      [
        'mkdir -p src/hello && echo hi > src/hello/x',
        GROW_LOG,
        'echo',
        print({ type: 'result', subtype: 'success', is_error: false, total_cost_usd: 1.5, num_turns: 3 }),
      ].join('\n'),
    );
    const r = await runBaton(['run'], { cwd: repo.root });
    expect(r.code).toBe(0);
    const exited = events(repo).find((e) => e.type === 'agent.exited');
    expect(exited).toMatchObject({ exit_code: 0, usage: { cost_usd: 1.5, turns: 3 } });
  });
});
