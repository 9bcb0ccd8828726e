/** Baton's commit trailers: what `batonCommitMessage` writes `readBatonTrailers` reads back, and nothing else. */
import { describe, expect, it } from 'vitest';
import { agentExitTrailer, batonCommitMessage, readBatonTrailers } from '../../src/runner/baton-commit.js';

const trailers = { run: '20250101T000000Z-abc123', unit: 'feature-002-x', agentExit: '0' };

describe('Baton commit trailers', () => {
  it('reads back what it writes, after the title and body', () => {
    const message = batonCommitMessage('Title\n\nBaton: feature x, run r, agent shell', trailers);
    expect(message).toBe(
      'Title\n\nBaton: feature x, run r, agent shell\n\nBaton-Run: 20250101T000000Z-abc123\nBaton-Unit: feature-002-x\nBaton-Agent-Exit: 0',
    );
    expect(readBatonTrailers(message)).toEqual(trailers);
    // git ends a message with a newline.
    expect(readBatonTrailers(`${message}\n`)).toEqual(trailers);
  });

  it.each([
    ['no trailers', 'Title\n\nBaton: feature x, run r, agent shell'],
    ['one missing', 'Title\n\nBaton-Run: r\nBaton-Unit: x'],
    [
      'another line in the paragraph',
      'Title\n\nBaton-Run: r\nBaton-Unit: x\nBaton-Agent-Exit: 0\nSigned-off-by: a',
    ],
    ['out of order', 'Title\n\nBaton-Unit: x\nBaton-Run: r\nBaton-Agent-Exit: 0'],
    ['an empty value', 'Title\n\nBaton-Run: \nBaton-Unit: x\nBaton-Agent-Exit: 0'],
    ['not the last paragraph', 'Title\n\nBaton-Run: r\nBaton-Unit: x\nBaton-Agent-Exit: 0\n\nmore words'],
  ])('reads nothing from a message with %s', (_, message) => {
    expect(readBatonTrailers(message)).toBeUndefined();
  });

  it.each([
    [{ exitCode: 0, signal: null, timedOut: false }, false, '0'],
    [{ exitCode: 3, signal: null, timedOut: false }, false, '3'],
    [{ exitCode: null, signal: 'SIGKILL', timedOut: false }, false, 'signal SIGKILL'],
    // Stopped at its timeout or by the radar, an agent that exits 0 has not finished.
    [{ exitCode: 0, signal: null, timedOut: true }, false, 'timeout'],
    [{ exitCode: 0, signal: null, timedOut: false }, true, 'stopped'],
  ])('says how the agent ended: %o, stopped %s → %s', (exit, stopped, value) => {
    expect(agentExitTrailer(exit, stopped)).toBe(value);
  });
});
