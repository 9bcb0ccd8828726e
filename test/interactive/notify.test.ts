import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { needsInputNotification, notifyNeedsInput } from '../../src/interactive/notify.js';
import { fakeNotifySend, waitFor } from './tmux-rig.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('the desktop notification on needs-input', () => {
  it('runs notify-send from PATH with the feature and the agent message, escape sequences and control characters removed', async () => {
    const fake = fakeNotifySend();
    dirs.push(fake.bin);
    const env = { ...process.env, PATH: `${fake.bin}:${process.env.PATH ?? ''}` };
    expect(notifyNeedsInput(env, 'feature-001-a', 'Allow \x1b[31mWrite\x07?')).toBe(true);
    expect(await waitFor(() => fake.recorded() !== undefined, 5000)).toBe(true);
    expect(fake.recorded()).toEqual([
      '--app-name=Baton',
      '--',
      'Baton: feature-001-a needs input',
      'Allow Write ?',
    ]);
  });

  it('does nothing, and says so, when notify-send is not installed', () => {
    const empty = mkdtempSync(join(tmpdir(), 'baton-notify-none-'));
    dirs.push(empty);
    expect(notifyNeedsInput({ PATH: empty }, 'feature-001-a', 'hi')).toBe(false);
  });

  it('falls back to a hint when the agent gave no message', () => {
    expect(needsInputNotification('f')).toEqual([
      '--app-name=Baton',
      '--',
      'Baton: f needs input',
      'The agent is waiting for you: baton attach',
    ]);
  });
});
