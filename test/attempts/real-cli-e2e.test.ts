// @module-tag slow
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { AttemptEnded, AttemptSelected, BatonEvent, CheckPassed } from '../../src/log/events.js';
import {
  agentBin,
  deferAfterEach,
  FAKE_KEY,
  filesContaining,
  isolatedEnv,
  logEvents,
  mockStarter,
  writeCodexConfig,
} from '../agents/agent-rig.js';
import { startAnthropicMock } from '../agents/mock-servers/anthropic.js';
import { startResponsesMock } from '../agents/mock-servers/openai-responses.js';
import { runBaton } from '../rig/cli.js';
import { makeRepo } from '../rig/repo.js';

const defer = deferAfterEach();
const anthropic = mockStarter(startAnthropicMock, defer);
const responses = mockStarter(startResponsesMock, defer);

const FEATURE = 'feature-001-hello';
const OWNED_FILE = 'src/hello/hello.txt';

const ofType = <T extends BatonEvent['type']>(events: BatonEvent[], type: T) =>
  events.filter((e): e is Extract<BatonEvent, { type: T }> => e.type === type);

describe('best-of-N with real agent CLIs against mock model servers', () => {
  it('runs `attempts: [claude, codex]` as two attempts, checks both, and the rule picks the winner with its reason in the log', async () => {
    agentBin('claude');
    agentBin('codex');
    // Both answer the contract; Claude's answer is three lines, Codex's one: the rule prefers the smaller diff.
    const claude = await anthropic({
      actions: [
        { write: { path: OWNED_FILE, content: 'hello from claude\nand a second line\nand a third\n' } },
      ],
      finalText: 'Wrote the greeting.',
    });
    const codex = await responses({
      actions: [{ write: { path: OWNED_FILE, content: 'hello from codex\n' } }],
      finalText: 'Wrote the greeting.',
    });
    const contract = {
      feature_id: FEATURE,
      title: 'Say hello',
      owns: ['src/hello/**'],
      depends_on: { features: [] },
      acceptance_criteria: [
        { id: 'exists', text: 'the greeting exists', run: `test -f ${OWNED_FILE}` },
        { id: 'hello', text: 'it says hello', run: `grep -q hello ${OWNED_FILE}` },
      ],
      attempts: ['claude', 'codex'],
    };
    const repo = makeRepo({
      'README.md': '# app\n',
      [`specs/${FEATURE}/contract.md`]: `---\n${stringify(contract)}---\nWrite a greeting into ${OWNED_FILE}.\n`,
    });
    defer(() => repo.cleanup());
    const home = join(repo.root, '..', 'home');
    mkdirSync(home, { recursive: true });
    writeCodexConfig(home, codex);
    const env = isolatedEnv(home, {
      ANTHROPIC_BASE_URL: claude.url,
      ANTHROPIC_API_KEY: FAKE_KEY,
      OPENAI_API_KEY: FAKE_KEY,
    });
    const mainHead = repo.git('rev-parse', 'HEAD');

    const r = await runBaton(['run'], { cwd: repo.root, env });
    expect(r.stderr).toBe('');
    expect(r.code, r.stdout).toBe(0);

    const events = logEvents(repo.root);
    // Two attempts, each its own agent, branch and port block, both started by this run.
    const started = ofType(events, 'attempt.started');
    expect(started.map((e) => [e.attempt, e.agent, e.branch])).toEqual([
      [1, 'claude', `baton/${FEATURE}.a1`],
      [2, 'codex', `baton/${FEATURE}.a2`],
    ]);
    expect(new Set(started.map((e) => e.port)).size).toBe(2);
    // Each real CLI reached its own mock, and only its own.
    expect(claude.requests.some((q) => q.headers['x-api-key'] === FAKE_KEY)).toBe(true);
    expect(codex.requests.some((q) => q.headers.authorization === `Bearer ${FAKE_KEY}`)).toBe(true);

    // Both attempts ran every check in their own worktree, and passed.
    const checks = ofType(events, 'check.passed') as CheckPassed[];
    for (const n of [1, 2]) {
      expect(
        checks
          .filter((c) => c.feature_id === `${FEATURE}.a${n}`)
          .map((c) => c.criterion_id)
          .sort(),
      ).toEqual(['exists', 'hello', 'owns']);
    }
    const ended = ofType(events, 'attempt.ended') as AttemptEnded[];
    const byAttempt = new Map(ended.map((e) => [e.attempt, e]));
    expect(byAttempt.get(1)).toMatchObject({ status: 'complete', files: [OWNED_FILE], lines_changed: 3 });
    expect(byAttempt.get(2)).toMatchObject({ status: 'complete', files: [OWNED_FILE], lines_changed: 1 });
    expect(byAttempt.get(1)?.checks).toEqual({ passed: 3, failed: 0, unverifiable: 0, total: 3 });
    expect(byAttempt.get(2)?.checks).toEqual({ passed: 3, failed: 0, unverifiable: 0, total: 3 });
    // Claude reports its cost; Codex reports tokens only.
    expect(byAttempt.get(1)?.cost_usd).toBeGreaterThan(0);

    // The rule chose: both pass every criterion, nothing measured, none outside owns; fewer lines wins.
    const [selected] = ofType(events, 'attempt.selected') as AttemptSelected[];
    expect(selected).toMatchObject({
      winner: 2,
      ranking: [2, 1],
      select: 'best',
      branch: `baton/${FEATURE}`,
    });
    expect(selected?.reasons).toEqual(['attempt 2 over attempt 1: fewer lines changed (1 vs 3)']);
    expect(ofType(events, 'feature.ended').map((e) => [e.feature_id, e.status])).toEqual([
      [FEATURE, 'complete'],
    ]);

    // The winner's commit is the feature's branch; the loser's branch is kept with its own work.
    expect(repo.git('rev-parse', `baton/${FEATURE}`)).toBe(repo.git('rev-parse', `baton/${FEATURE}.a2`));
    expect(repo.git('show', `baton/${FEATURE}:${OWNED_FILE}`)).toBe('hello from codex');
    expect(repo.git('show', `baton/${FEATURE}.a1:${OWNED_FILE}`)).toBe(
      'hello from claude\nand a second line\nand a third',
    );
    expect(repo.git('rev-parse', 'HEAD')).toBe(mainHead);
    expect(r.stdout).toMatch(/attempt 2 wins \(best\): attempt 2 over attempt 1: fewer lines changed/);
    expect(filesContaining(join(repo.root, '.baton'), FAKE_KEY)).toEqual([]);
    // Two real CLIs start and run side by side: a loaded machine needs more than the default minute.
  }, 180_000);
});
