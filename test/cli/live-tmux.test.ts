// @module-tag slow
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readLog } from '../../src/log/read.js';
import { privateTmux, type TmuxRig, waitFor } from '../interactive/tmux-rig.js';
import { BATON_BIN } from '../rig/cli.js';
import { contractFiles } from '../rig/contracts.js';
import { makeRepo } from '../rig/repo.js';

const undo: Array<() => void> = [];
afterEach(() => {
  for (const u of undo.splice(0).reverse()) u();
});

const WIDTH = 60;
// Ids as long as people write them: a row of the table is wider than the window.
const IDS = ['feature-001-authentication-with-single-sign-on', 'feature-002-product-catalog-and-search'];

/** The whole pane, scrollback included, wrapped lines joined back (a line wider than the pane shows as such). */
function pane(rig: TmuxRig, window: string): string[] {
  const out = rig.tmux('capture-pane', '-p', '-J', '-S', '-', '-t', `t:${window}`).stdout;
  return out.split('\n').map((l) => l.replace(/\s+$/, ''));
}

describe('the live tables in a real terminal (tmux)', () => {
  it('baton run and status --watch each keep one table, redrawn in place, rows cut to the width, a clock ticking', async () => {
    const rig = privateTmux();
    undo.push(() => rig.kill());
    const agent = { command: 'while true; do echo working; sleep 1; done' };
    const repo = makeRepo(contractFiles(IDS.map((id) => ({ id, agent }))));
    undo.push(() => repo.cleanup());
    const log = join(repo.root, '.baton', 'log.jsonl');
    const baton = (args: string) => `NO_COLOR=1 '${process.execPath}' '${BATON_BIN}' ${args}; exec sleep 600`;

    const size = ['-x', String(WIDTH), '-y', '30'];
    rig.tmux('new-session', '-d', '-s', 't', '-n', 'run', ...size, '-c', repo.root, baton('run -j 2'));
    const started = () => readLog(log).events.filter((e) => e.type === 'feature.started').length === 2;
    expect(await waitFor(started, 20_000), rig.screens()).toBe(true);
    rig.tmux(
      'new-window',
      '-d',
      '-t',
      't',
      '-n',
      'watch',
      '-c',
      repo.root,
      baton('status --watch --no-disk'),
    );

    // The watch's first line is the run with its elapsed time; wait for it to tick at least twice.
    const clock = () => pane(rig, 'watch').find((l) => /^run \S+ \(in progress\) · .+ elapsed$/.test(l));
    const seen = new Set<string>();
    const ticked = await waitFor(() => {
      const c = clock();
      if (c) seen.add(c);
      return seen.size >= 3;
    }, 20_000);
    expect(ticked, rig.screens()).toBe(true);

    const table = (lines: string[]) =>
      lines.filter((l) => l.startsWith('feature ') || IDS.some((id) => l.startsWith(`${id}  `)));
    for (const window of ['watch', 'run']) {
      const lines = pane(rig, window);
      // One table on screen and in the scrollback, however many times it was redrawn.
      expect(
        lines.filter((l) => l.startsWith('feature ')),
        `${window}:\n${lines.join('\n')}`,
      ).toHaveLength(1);
      for (const id of IDS) expect(lines.filter((l) => l.startsWith(`${id}  `))).toHaveLength(1);
      // Every row cut to the width (a wrapped row would come back joined, wider than the pane).
      for (const l of table(lines)) expect(l.length, `${window}: ${l}`).toBeLessThan(WIDTH);
      expect(table(lines).every((l) => l.endsWith('…'))).toBe(true);
    }
    expect(pane(rig, 'watch').filter((l) => l.startsWith('run '))).toHaveLength(1);
    // The run's id and shape stay printed above its table.
    expect(pane(rig, 'run')[0]).toMatch(/^run \S+: 2 features, 2 at a time, contract-first/);

    // Ctrl-C stops the run: the message and the ended features are printed above the table, which is
    // redrawn under them, still once.
    rig.tmux('send-keys', '-t', 't:run', 'C-c');
    const stopped = () => pane(rig, 'run').some((l) => l.startsWith('0/2 features complete'));
    expect(await waitFor(stopped, 20_000), rig.screens()).toBe(true);
    const lines = pane(rig, 'run');
    expect(
      lines.filter((l) => l.startsWith('baton: stopping every agent')),
      lines.join('\n'),
    ).toHaveLength(1);
    expect(
      lines.filter((l) => l.startsWith('feature ')),
      lines.join('\n'),
    ).toHaveLength(1);
    for (const id of IDS) {
      expect(lines.filter((l) => l.startsWith(`${id}: interrupted — stopped by Ctrl-C`))).toHaveLength(1);
      expect(lines.filter((l) => l.startsWith(`${id}  `))).toEqual([expect.stringMatching(/interrupt/)]);
    }
  });
});
