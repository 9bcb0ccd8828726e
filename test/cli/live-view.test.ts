import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CliContext } from '../../src/cli/context.js';
import { createLiveView } from '../../src/cli/live-view.js';
import { runCli } from '../../src/cli/main.js';
import { createProgressRenderer } from '../../src/cli/progress.js';
import { stampEvent } from '../../src/log/append.js';
import { cutToWidth, visibleWidth } from '../../src/terminal/cut.js';
import { palette } from '../../src/terminal/style.js';
import { BATON_BIN } from '../rig/cli.js';
import { holdRunLock } from '../rig/dead-run.js';
import { makeRepo } from '../rig/repo.js';
import { FakeTerminal } from '../rig/terminal.js';

describe('cutToWidth', () => {
  it.each([
    ['short', 10, 'short'],
    ['exactly 10', 10, 'exactly 10'],
    ['a much longer line', 10, 'a much lo…'],
    ['\x1b[32mcomplete\x1b[39m and more', 8, '\x1b[32mcomplet\x1b[39m…'],
  ])('%j in %i columns → %j', (line, columns, cut) => {
    expect(cutToWidth(line, columns)).toBe(cut);
    expect(visibleWidth(cutToWidth(line, columns))).toBeLessThanOrEqual(columns);
  });
});

describe('createLiveView', () => {
  it('rewrites the frame in place on a terminal, every line cut to its width', () => {
    const term = new FakeTerminal(30, 20);
    const view = createLiveView(term);
    view.update(`header\n${'x'.repeat(100)}\nthird`);
    view.update(`header\n${'y'.repeat(100)}\nthird`);
    view.update('header\nshorter\nthird\nfourth');
    // What a person sees: the last frame once, nothing of the earlier ones, no wrapped line.
    expect(term.screen()).toEqual(['header', 'shorter', 'third', 'fourth']);
    view.update(`header\n${'z'.repeat(100)}`);
    expect(term.screen()).toEqual(['header', `${'z'.repeat(28)}…`]);
    // After done() the frame stays and later output follows it.
    view.done();
    term.write('next\n');
    expect(term.screen()).toEqual(['header', `${'z'.repeat(28)}…`, 'next']);
  });

  it('keeps the top of a frame taller than the terminal, and says how many lines did not fit', () => {
    const term = new FakeTerminal(60, 6);
    const view = createLiveView(term);
    const rows = Array.from({ length: 12 }, (_, i) => `f${String(i + 1).padStart(2, '0')}`);
    view.update(['run r1 · running', 'feature  status', ...rows].join('\n'));
    view.update(['run r1 · running', 'feature  status', ...rows].join('\n'));
    // The run line and the column header stay on screen; the rest is counted, not cut from the top.
    expect(term.screen()).toEqual([
      'run r1 · running',
      'feature  status',
      'f01',
      'f02',
      '… 10 more lines (the terminal is too short)',
    ]);
  });

  it('draws at 80 columns on a terminal that reports none, not one character per row', () => {
    let raw = '';
    const view = createLiveView({ write: (s) => (raw += s), isTTY: true, columns: 0, rows: 0 });
    view.update(`header\n${'x'.repeat(100)}`);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: removing terminal escapes is the point
    const lines = raw.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').split('\n');
    expect(lines).toContain('header');
    expect(lines).toContain(`${'x'.repeat(78)}…`);
  });

  it('appends each frame whole where nothing can be redrawn', () => {
    let out = '';
    const view = createLiveView({ write: (s) => (out += s), isTTY: false });
    view.update('one');
    view.update('two\n');
    expect(out).toBe('one\ntwo\n');
  });

  it("draws `baton run`'s live table through the same view", async () => {
    const term = new FakeTerminal(60, 20);
    const live = await createProgressRenderer(term, palette(false), ['feature-001-a-rather-long-feature-id']);
    live.onEvent(
      stampEvent({
        type: 'feature.started',
        feature_id: 'feature-001-a-rather-long-feature-id',
        status: 'running',
        agent: 'demo',
        branch: 'baton/x',
        worktree: '/w',
        log_file: '/l',
        port: 1,
      }),
    );
    live.onEvent(
      stampEvent({
        type: 'feature.ended',
        feature_id: 'feature-001-a-rather-long-feature-id',
        status: 'complete',
      }),
    );
    live.onEvent(stampEvent({ type: 'run.ended', run_id: 'r1', outcome: 'complete', duration_ms: 2100 }));
    live.close();
    const screen = term.screen();
    // The ended feature's line and the run's last word stay printed above the table; the table itself is
    // redrawn in place.
    expect(screen).toHaveLength(4);
    expect(screen[0]).toMatch(/^feature-001-a-rather-long-feature-id: complete/);
    expect(screen[1]).toBe('run complete in 2.1 s');
    expect(screen[2]).toMatch(/^feature\s+status/);
    expect(screen[3]).toMatch(/^feature-001-a-rather-long-feature-id {2}complete {2}demo .*…$/);
    for (const line of screen) expect(line.length).toBeLessThanOrEqual(59);
  });
});

describe("`baton run`'s live table and a silent agent", () => {
  it('shows an agent silent for over a minute, or retrying its model API, as such; the others as running', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'baton-silent-'));
    try {
      const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000);
      // Each agent's log where Baton writes it for the run (a path a line names is never read).
      const logOf = (id: string) => {
        mkdirSync(join(dir, '.baton', 'runs', 'r1', id), { recursive: true });
        return join(dir, '.baton', 'runs', 'r1', id, 'agent.log');
      };
      const quiet = logOf('quiet');
      const busy = logOf('busy');
      writeFileSync(quiet, 'thinking…\n');
      writeFileSync(busy, 'writing src/busy/index.ts\n');
      utimesSync(quiet, minutesAgo(2), minutesAgo(2));
      // Claude Code's stream-json while it waits to retry an overloaded API: output, but no progress.
      const retrying = logOf('retrying');
      const retry = { type: 'system', subtype: 'api_retry', attempt: 2, max_retries: 10, error_status: 529 };
      writeFileSync(retrying, `${'{"type":"assistant"}\n'.repeat(500)}${JSON.stringify(retry)}\n`);
      // The same, after the retry went through.
      const retried = logOf('retried');
      writeFileSync(retried, `${JSON.stringify(retry)}\n{"type":"assistant","message":{}}\n`);
      const term = new FakeTerminal(100, 20);
      const ids = ['quiet', 'busy', 'retrying', 'retried'];
      const live = await createProgressRenderer(term, palette(false), ids, dir);
      for (const [id, log] of [
        ['quiet', quiet],
        ['busy', busy],
        ['retrying', retrying],
        ['retried', retried],
      ] as const) {
        const started = {
          type: 'feature.started' as const,
          feature_id: id,
          run_id: 'r1',
          status: 'running' as const,
          agent: 'demo',
          branch: `baton/${id}`,
          worktree: '/w',
          log_file: log,
          port: 1,
        };
        live.onEvent(stampEvent(started, () => minutesAgo(3)));
      }
      const screen = term.screen();
      live.close();
      expect(screen.find((l) => l.startsWith('quiet '))).toMatch(
        /^quiet\s+running \(silent 1[12]\d s\)\s+demo /,
      );
      expect(screen.find((l) => l.startsWith('busy '))).toMatch(/^busy\s+running\s+demo /);
      expect(screen.find((l) => l.startsWith('retrying '))).toMatch(
        /^retrying\s+running \(retrying its API: attempt 2 of 10, HTTP 529\)\s+demo /,
      );
      expect(screen.find((l) => l.startsWith('retried '))).toMatch(/^retried\s+running\s+demo /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('baton status --watch on a terminal', () => {
  it('redraws one table in place with a ticking elapsed clock, cut to the width', async () => {
    const r = makeRepo();
    try {
      // The run "started" just after this process did, so the liveness check sees its orchestrator alive
      // (a pid whose process started after the run is a recycled one, and the run would show interrupted).
      const started = new Date(performance.timeOrigin + 1).toISOString();
      r.write({
        '.baton/log.jsonl': `${JSON.stringify({
          v: 1,
          ts: started,
          run_id: 'r1',
          type: 'run.started',
          feature_ids: ['feature-001-with-a-very-long-name-indeed'],
          concurrency: 1,
          mode: 'contract-first',
          pid: process.pid,
          base: 'main',
          base_commit: '0'.repeat(40),
        })}\n${JSON.stringify({ feature_id: 'feature-001-with-a-very-long-name-indeed', status: 'running' })}\n`,
      });
      holdRunLock(r.root, 'r1');
      const term = new FakeTerminal(50, 30);
      let stop: (() => void) | undefined;
      const frames: string[][] = [];
      const ctx: CliContext = {
        cwd: r.root,
        env: { ...process.env, NO_COLOR: '1' },
        stdout: term,
        stderr: { write: () => {}, isTTY: false },
        clock: () => new Date(),
        color: false,
        batonBin: BATON_BIN,
        readStdin: () => undefined,
        onInterrupt(handler) {
          stop = handler;
          return () => {};
        },
      };
      const done = runCli(['status', '--watch', '--no-disk'], ctx);
      // Wait for two frames a second apart, then stop as Ctrl-C would.
      await new Promise<void>((resolve) => {
        const poll = setInterval(() => {
          const screen = term.screen();
          if (screen.length > 0 && screen[0] !== frames[frames.length - 1]?.[0]) frames.push(screen);
          if (frames.length >= 2 && stop) {
            clearInterval(poll);
            resolve();
          }
        }, 50);
      });
      stop?.();
      expect(await done).toBe(0);
      const [first, second] = frames;
      expect(first?.[0]).toMatch(/^run r1 \(in progress\) · .+ elapsed$/);
      expect(second?.[0]).not.toBe(first?.[0]);
      // One table on screen, not one per redraw, and no row wider than the terminal.
      const screen = term.screen();
      expect(screen.filter((l) => l.startsWith('run r1'))).toHaveLength(1);
      expect(screen.filter((l) => l.startsWith('feature '))).toHaveLength(1);
      for (const line of screen) expect(line.length).toBeLessThanOrEqual(49);
      expect(screen.some((l) => l.endsWith('…'))).toBe(true);
    } finally {
      r.cleanup();
    }
  });
});
