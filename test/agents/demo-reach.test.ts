// @module-tag slow
/**
 * The scripted demo agent's reach, said where a user looks: `init --agent demo` scaffolds a sample it
 * can run end to end; a feature it has no recipe for is a `lint` warning naming the ones it has, a
 * `run --dry-run` warning, and fails in `run` with that reason before its worktree is made.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { BatonEvent } from '../../src/log/events.js';
import { readLog } from '../../src/log/read.js';
import { runBaton } from '../rig/cli.js';
import { contractFiles } from '../rig/contracts.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

/** The demo agent without its working time. */
const FAST = { BATON_DEMO_SECONDS: '0' };
const eventsOf = (repo: TempRepo) => readLog(join(repo.root, '.baton', 'log.jsonl')).events as BatonEvent[];

describe('the demo agent', () => {
  it('`init --agent demo` scaffolds a sample it runs to complete, with every check passing, and lint is clean', async () => {
    const repo = makeRepo({ f: 'x\n' });
    repos.push(repo);
    const init = await runBaton(['init', '--agent', 'demo', '--test', 'true'], { cwd: repo.root });
    expect(init.code, init.stderr).toBe(0);
    expect(init.stdout).toContain(
      'the scripted demo agent (no model) writes only the features it has a recipe for',
    );
    expect(init.stdout).toContain('the sample criterion runs `node --test test/example/example.test.mjs`');
    repo.git('add', '-A');
    repo.git('commit', '-qm', 'contracts');

    const lint = await runBaton(['lint', '--no-coupling'], { cwd: repo.root });
    expect(lint.stdout).toContain('1 contract: no problems');

    const run = await runBaton(['run'], { cwd: repo.root, env: FAST });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain('feature-001-example: complete');
    const checks = eventsOf(repo).filter((e) => e.type === 'check.passed');
    expect(checks.map((e) => (e as { criterion_id: string }).criterion_id).sort()).toEqual([
      'files',
      'owns',
      'tests',
    ]);
  });

  it('a feature it has no recipe for: lint warns naming the recipes, dry-run warns, run fails it before its worktree', async () => {
    const repo = makeRepo({
      'baton.config.json': JSON.stringify({ agent: 'demo', test: 'true' }),
      ...contractFiles([{ id: 'feature-009-billing', criteria: [{ text: 'ok', run: 'true' }] }]),
    });
    repos.push(repo);

    const lint = await runBaton(['lint', '--no-coupling', '--json'], { cwd: repo.root });
    const warning = (
      JSON.parse(lint.stdout) as {
        diagnostics: Array<{ code: string; message: string; location: { file: string } }>;
      }
    ).diagnostics.find((d) => d.code === 'lint/agent-cannot-do');
    expect(warning?.location.file).toContain('specs/feature-009-billing/contract.md');
    expect(warning?.message).toContain("runs agent demo (the config's `agent`)");
    expect(warning?.message).toContain('has no recipe for feature-009-billing');
    expect(warning?.message).toContain(
      '(feature-001-example, feature-001-upload, feature-002-grade, feature-003-feedback)',
    );

    const dry = await runBaton(['run', '--dry-run'], { cwd: repo.root });
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stderr).toContain(
      'warning: feature-009-billing: the scripted demo agent (no model) has no recipe',
    );

    const run = await runBaton(['run'], { cwd: repo.root, env: FAST });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      'feature-009-billing: failed — the scripted demo agent (no model) has no recipe for feature-009-billing',
    );
    expect(run.stdout).not.toContain('exit 2');
    // Not started: no worktree, no branch, no agent.
    expect(existsSync(join(repo.root, '..', 'repo.baton-worktrees', 'feature-009-billing'))).toBe(false);
    expect(repo.git('branch', '--list', 'baton/*')).toBe('');
    const events = eventsOf(repo);
    expect(events.some((e) => e.type === 'feature.started')).toBe(false);
    const status = await runBaton(['status', '--json', '--no-disk'], { cwd: repo.root });
    const [row] = (JSON.parse(status.stdout) as { features: Array<{ status: string; reason: string }> })
      .features;
    expect(row?.status).toBe('failed');
    expect(row?.reason).toContain('it writes only the features it has one for');
  });

  it('reads the recipes folder the config names for it', async () => {
    const repo = makeRepo(
      contractFiles([{ id: 'feature-001-upload', criteria: [{ text: 'ok', run: 'true' }] }]),
    );
    repos.push(repo);
    const nowhere = join(repo.root, '..', 'no-recipes');
    const config = { agent: 'demo', agents: { demo: { env: { BATON_DEMO_RECIPES: nowhere } } } };
    repo.commit('config', { 'baton.config.json': JSON.stringify(config) });
    const lint = await runBaton(['lint', '--no-coupling'], { cwd: repo.root });
    expect(lint.stdout).toContain(`its recipes folder ${nowhere} cannot be read`);
  });
});
