import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AgentAdapter } from '../../src/agents/adapter.js';
import { resolveAdapter } from '../../src/agents/registry.js';
import { createLogSink } from '../../src/log/sink.js';
import { loadProject } from '../../src/project.js';
import { runFeatures } from '../../src/runner/run.js';
import { BATON_BIN, runBaton } from '../rig/cli.js';
import { events, tempRepos } from './repo-rig.js';

const { repoWith } = tempRepos();

const writer = (id: string) => ({
  command: `mkdir -p src/${id} && echo "$BATON_FEATURE_ID" > src/${id}/index.txt`,
});

describe('one sink for the run', () => {
  it("prints each check as it finishes in baton run's own output", async () => {
    const repo = repoWith([
      {
        id: 'ok',
        agent: writer('ok'),
        criteria: [
          { id: 'exists', text: 'the file exists', run: 'test -f src/ok/index.txt' },
          { id: 'never', text: 'a check that fails', run: 'echo nope; exit 3' },
        ],
      },
    ]);
    const r = await runBaton(['run'], { cwd: repo.root });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/ok: check owns passed: 1 changed file, none outside owns/);
    expect(r.stdout).toMatch(/ok: check exists passed: /);
    expect(r.stdout).toMatch(/ok: check never failed: /);
    // The live lines come before the feature's end, in the order the checks ran.
    const order = ['check owns', 'check exists', 'check never', 'ok: failed-checks'].map((s) =>
      r.stdout.indexOf(s),
    );
    expect(order.every((at, i) => at >= 0 && (i === 0 || at > (order[i - 1] ?? 0)))).toBe(true);
    expect(r.stdout).toMatch(/ok: failed-checks — never: exit 3 after \d+ ms: nope/);
  });
});

describe('a feature that throws', () => {
  it('ends that feature failed with the error while the others finish, and run.ended is written', async () => {
    const repo = repoWith([
      { id: 'boom', agent: writer('boom') },
      { id: 'fine', agent: { command: 'sleep 1; mkdir -p src/fine && echo x > src/fine/a.txt' } },
    ]);
    const project = await loadProject(repo.root);
    const throwing = (spec: Parameters<typeof resolveAdapter>[0]): AgentAdapter => {
      const real = resolveAdapter(spec);
      return {
        ...real,
        prepare: async (task) => {
          if (task.feature.feature_id === 'boom') throw new Error('adapter exploded while preparing');
          return real.prepare(task);
        },
      };
    };
    const summary = await runFeatures({
      root: project.root,
      config: project.config,
      plan: project.plan,
      logPath: project.logPath,
      sink: createLogSink({ logPath: project.logPath }),
      featureIds: ['boom', 'fine'],
      clock: () => new Date(),
      env: process.env,
      batonCommand: [process.execPath, BATON_BIN],
      signal: new AbortController().signal,
      resolveAdapter: throwing,
    });
    expect(summary.outcome).toBe('failed');
    const log = events(repo);
    const ends = log.filter((e) => e.type === 'feature.ended');
    expect(ends.map((e) => [e.feature_id, e.status])).toEqual(
      expect.arrayContaining([
        ['boom', 'failed'],
        ['fine', 'complete'],
      ]),
    );
    const boom = ends.find((e) => e.feature_id === 'boom');
    expect(boom?.type === 'feature.ended' && boom.reason).toMatch(/adapter exploded while preparing/);
    // The other agent was awaited, not left detached: its end comes before the run's.
    const last = log.at(-1);
    expect(last?.type).toBe('run.ended');
    expect(last?.type === 'run.ended' && last.outcome).toBe('failed');
    expect(log.findIndex((e) => e.type === 'feature.ended' && e.feature_id === 'fine')).toBeLessThan(
      log.length - 1,
    );
  });
});

describe('ownership at run time', () => {
  it('ends a feature that wrote outside owns failed-checks, naming the file in run and status', async () => {
    const repo = repoWith([
      {
        id: 'catalog',
        owns: ['src/catalog/**'],
        agent: { command: 'mkdir -p src/catalog && echo a > src/catalog/a.js && echo s > src/store.js' },
      },
    ]);
    const r = await runBaton(['run'], { cwd: repo.root });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/catalog: check owns failed: changed outside owns: src\/store\.js/);
    expect(r.stdout).toMatch(/catalog: failed-checks — owns: changed outside owns: src\/store\.js/);
    const status = await runBaton(['status'], { cwd: repo.root });
    expect(status.stdout).toMatch(/catalog\s+failed-checks.*owns: changed outside owns: src\/store\.js/);
    const json = JSON.parse((await runBaton(['status', '--json'], { cwd: repo.root })).stdout) as {
      features: Array<{ feature_id: string; status: string; reason: string }>;
    };
    expect(json.features[0]).toMatchObject({
      status: 'failed-checks',
      reason: expect.stringMatching(/^owns: changed outside owns: src\/store\.js/),
    });
  });

  it('with owns_policy: warn lets the feature complete and says so', async () => {
    const repo = repoWith([
      {
        id: 'catalog',
        owns: ['src/catalog/**'],
        agent: { command: 'mkdir -p src/catalog && echo a > src/catalog/a.js && echo s > src/store.js' },
      },
    ]);
    const file = join(repo.root, 'specs', 'catalog', 'contract.md');
    const { readFileSync, writeFileSync } = await import('node:fs');
    writeFileSync(file, readFileSync(file, 'utf8').replace('owns:', 'owns_policy: warn\nowns:'));
    repo.git('commit', '-qam', 'warn only');
    const r = await runBaton(['run'], { cwd: repo.root });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /catalog: check owns passed with a warning: changed outside owns: src\/store\.js/,
    );
    expect(r.stdout).toMatch(/catalog: complete/);
  });
});
