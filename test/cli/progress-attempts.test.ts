// @module-tag slow
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { CliContext } from '../../src/cli/context.js';
import { runCli } from '../../src/cli/main.js';
import { createProgressRenderer } from '../../src/cli/progress.js';
import type { BatonEvent } from '../../src/log/events.js';
import { readLog } from '../../src/log/read.js';
import { palette } from '../../src/terminal/style.js';
import { BATON_BIN, fixture } from '../rig/cli.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';
import { FakeTerminal } from '../rig/terminal.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

const AGENT = fixture('attempts', 'agent.mjs');
/** A `command` agent of known quality (test/fixtures/attempts/agent.mjs). */
const agent = (args: string) => ({
  command: `${JSON.stringify(process.execPath)} ${JSON.stringify(AGENT)} api ${args}`,
});

/** A repo whose one feature `api` runs three attempts: one misses the `ok` marker, one passes, one passes with extra lines. */
function threeAttempts(): TempRepo {
  const contract = {
    feature_id: 'api',
    title: 'API',
    owns: ['src/api/**'],
    acceptance_criteria: [
      { id: 'server', text: 'the server exists', run: 'test -f src/api/server.mjs' },
      { id: 'ok', text: 'the ok marker exists', run: 'test -f src/api/ok' },
    ],
    attempts: [agent('0 --no-ok'), agent('0'), agent('0 --lines 40')],
  };
  const repo = makeRepo({
    'README.md': '# app\n',
    'specs/api/contract.md': `---\n${stringify(contract)}---\nBuild the API.\n`,
  });
  repos.push(repo);
  return repo;
}

/** Runs `baton run` in-process with `term` as its standard output (a terminal: the live table is drawn). */
async function runOnTerminal(cwd: string, term: FakeTerminal): Promise<number> {
  const ctx: CliContext = {
    cwd,
    env: { ...process.env, NO_COLOR: '1' },
    stdout: term,
    stderr: { write: () => {}, isTTY: false },
    clock: () => new Date(),
    color: false,
    batonBin: BATON_BIN,
    readStdin: () => undefined,
    onInterrupt: () => () => {},
  };
  return runCli(['run'], ctx);
}

describe("best-of-N in `baton run`'s live table", () => {
  it('draws each attempt as a row under its feature, the winner starred, and prints the winner above the table', async () => {
    const repo = threeAttempts();
    const term = new FakeTerminal(160, 60);
    expect(await runOnTerminal(repo.root, term)).toBe(0);
    const screen = term.screen();
    // Printed for good above the table: each attempt's end and the winner with the rule that chose it.
    const won = screen.filter((l) => /^api: attempt \d wins/.test(l));
    expect(won).toEqual([
      expect.stringMatching(/^api: attempt 2 wins \(best\): attempt 2 over attempt 3: fewer lines changed/),
    ]);
    for (const n of [1, 2, 3]) expect(screen.some((l) => l.startsWith(`api: attempt ${n} `))).toBe(true);
    // The table, redrawn in place: one header, the feature's row, then its three attempts.
    const header = screen.findIndex((l) => /^feature\s+status\s+agent/.test(l));
    expect(header).toBeGreaterThan(-1);
    expect(screen.filter((l) => /^feature\s+status\s+agent/.test(l))).toHaveLength(1);
    expect(screen[header + 1]).toMatch(/^api\s+complete\s/);
    expect(screen[header + 2]).toMatch(/^ {2}└ api\.a1\s+failed-checks\s.*2\/3/);
    expect(screen[header + 3]).toMatch(
      /^ {2}★ api\.a2\s+complete\s.*3\/3\s.*winner: attempt 2 over attempt 3/,
    );
    expect(screen[header + 4]).toMatch(/^ {2}└ api\.a3\s+complete\s.*3\/3/);
    expect(screen[header + 5] ?? '').not.toMatch(/api\.a\d/);
  });

  it('shows attempts running while they run: the events of a real run replayed through the renderer', async () => {
    const repo = threeAttempts();
    const r = await runOnTerminal(repo.root, new FakeTerminal(160, 60));
    expect(r).toBe(0);
    const events = readLog(join(repo.root, '.baton', 'log.jsonl')).events as BatonEvent[];
    const term = new FakeTerminal(160, 60);
    const live = await createProgressRenderer(term, palette(false), ['api']);
    // Replayed one event at a time: an attempt's row says running from its start to its end, and the
    // star comes with the selection, not before.
    const selectedAt = events.findIndex((e) => e.type === 'attempt.selected');
    expect(selectedAt).toBeGreaterThan(-1);
    const runningRows = new Set<string>();
    events.forEach((e, i) => {
      live.onEvent(e);
      const screen = term.screen();
      for (const l of screen) {
        const m = /^ {2}└ (api\.a\d)\s+running\s+command/.exec(l);
        if (m?.[1]) runningRows.add(m[1]);
      }
      expect(screen.some((l) => /^ {2}★ api\.a\d/.test(l))).toBe(i >= selectedAt);
    });
    expect([...runningRows].sort()).toEqual(['api.a1', 'api.a2', 'api.a3']);
    live.close();
    const done = term.screen();
    const table = done.slice(done.findIndex((l) => /^feature\s+status/.test(l)));
    expect(table.filter((l) => /running/.test(l))).toEqual([]);
    expect(table.filter((l) => /^ {2}★ api\.a2\s+complete/.test(l))).toHaveLength(1);
  });
});
