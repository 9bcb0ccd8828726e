import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { literalPieces, SEND_PIECE_BYTES, sendText, tmuxFor, tmuxOk } from '../../src/interactive/tmux.js';
import { privateTmux, waitFor } from './tmux-rig.js';

const undo: Array<() => unknown> = [];
afterEach(() => {
  for (const u of undo.splice(0).reverse()) u();
});

/**
 * A reader of keys as agents' TUIs read them (raw mode): an Enter within 120 ms of the key before it
 * (Codex's window; Gemini CLI's is 30 ms) is a newline in a paste, a later one submits the line, which
 * it writes to `submitted` before it exits.
 */
const FAST_RETURN_READER = `
const { writeFileSync } = require('node:fs');
const [ready, submitted] = process.argv.slice(2);
process.stdin.setRawMode(true);
process.stdin.setEncoding('utf8');
let line = '';
let last = 0;
process.stdin.on('data', (chunk) => {
  for (const ch of chunk) {
    const now = performance.now();
    if (ch !== '\\r') line += ch;
    else if (now - last < 120) line += '\\n';
    else {
      writeFileSync(submitted, line);
      process.exit(0);
    }
    last = now;
  }
});
writeFileSync(ready, '');
`;

/** A pane on a private server running the raw-mode reader; what it submits, once it has. */
async function readerPane(): Promise<{
  rig: ReturnType<typeof privateTmux>;
  submitted: () => string | undefined;
}> {
  const rig = privateTmux();
  undo.push(() => rig.kill());
  const dir = mkdtempSync(join(tmpdir(), 'baton-send-'));
  undo.push(() => rmSync(dir, { recursive: true, force: true }));
  const reader = join(dir, 'reader.cjs');
  const ready = join(dir, 'ready');
  const submitted = join(dir, 'submitted');
  writeFileSync(reader, FAST_RETURN_READER);
  rig.tmux(
    'new-session',
    '-d',
    '-s',
    'agent',
    `${process.execPath} ${reader} ${ready} ${submitted}; sleep 60`,
  );
  expect(await waitFor(() => existsSync(ready), 10_000), rig.screens()).toBe(true);
  return { rig, submitted: () => (existsSync(submitted) ? readFileSync(submitted, 'utf8') : undefined) };
}

describe('typing into an agent’s window', () => {
  const tmuxOf = (rig: ReturnType<typeof privateTmux>) =>
    tmuxFor({ ...process.env, BATON_TMUX_SOCKET: rig.socket });

  it('sends the text, then Enter late enough that a TUI which takes a quick Enter for a newline submits it', async () => {
    const { rig, submitted } = await readerPane();
    await sendText(tmuxOf(rig), '=agent:', '/quit');
    expect(await waitFor(() => submitted() !== undefined, 5000), `nothing submitted\n${rig.screens()}`).toBe(
      true,
    );
    expect(submitted()).toBe('/quit');
  });

  it('takes a pane out of copy-mode (the conductor scrolled back and detached) before typing', async () => {
    const { rig, submitted } = await readerPane();
    rig.tmux('copy-mode', '-t', '=agent:');
    expect(rig.tmux('display-message', '-p', '-t', '=agent:', '#{pane_in_mode}').stdout.trim()).toBe('1');
    await sendText(tmuxOf(rig), '=agent:', 'yes');
    expect(await waitFor(() => submitted() !== undefined, 5000), `nothing submitted\n${rig.screens()}`).toBe(
      true,
    );
    expect(submitted()).toBe('yes');
  });

  it.each([
    ['a final semicolon, which tmux takes for the end of its command', 'return 0;'],
    ['a final escaped semicolon and a lone one', 'a\\; ;'],
    ['text longer than one tmux command may be', `${'ü'.repeat(6000)}${'x'.repeat(9000)};`],
  ])('types %s exactly', async (_, text) => {
    const { rig, submitted } = await readerPane();
    await sendText(tmuxOf(rig), '=agent:', text);
    expect(
      await waitFor(() => submitted() !== undefined, 10_000),
      `nothing submitted\n${rig.screens()}`,
    ).toBe(true);
    // Compared whole, told in short: a diff of 15 000 characters says nothing.
    const got = submitted() ?? '';
    expect(got === text, `typed ${got.length} characters, ending ${JSON.stringify(got.slice(-12))}`).toBe(
      true,
    );
  });
});

describe('the pieces `send-keys -l` types text in (literalPieces)', () => {
  it('cuts between characters under the byte limit and escapes each final semicolon', () => {
    const text = `${'é'.repeat(SEND_PIECE_BYTES / 2 - 1)}a;${'x'.repeat(10)};`;
    const pieces = literalPieces(text);
    expect(pieces).toEqual([`${'é'.repeat(SEND_PIECE_BYTES / 2 - 1)}a\\;`, `${'x'.repeat(10)}\\;`]);
    for (const p of pieces) expect(Buffer.byteLength(p)).toBeLessThanOrEqual(SEND_PIECE_BYTES + 1);
    expect(literalPieces('')).toEqual([]);
    expect(literalPieces('a;b')).toEqual(['a;b']);
  });
});

describe('a tmux command that fails', () => {
  it('says what tmux said, with a hint that runs on the run’s server and ends nothing', async () => {
    const rig = privateTmux();
    undo.push(() => rig.kill());
    rig.tmux('new-session', '-d', '-s', 'agent', 'sleep 60');
    const tmux = tmuxFor({ ...process.env, BATON_TMUX_SOCKET: rig.socket });
    const failed = await tmuxOk(tmux, ['send-keys', '-t', '%999', 'x']).catch((e: unknown) => e);
    expect(failed).toMatchObject({
      code: 'interactive/tmux-failed',
      message: expect.stringContaining("can't find pane"),
    });
    const hint = (failed as { hint?: string }).hint ?? '';
    expect(hint).toContain(`tmux -L ${rig.socket} list-sessions`);
    expect(hint).not.toMatch(/kill/);
  });
});
