/**
 * A desktop notification when a feature starts needing input (config `interactive.notify`), sent
 * through `notify-send` (libnotify) when it is on PATH. Fire and forget: a missing or failing
 * notifier never slows down or fails the run.
 */
import { spawn } from 'node:child_process';
import { findExecutable } from '../agents/executable.js';
import { stripTerminalSequences } from '../text/terminal-sequences.js';

/**
 * The agent's message as plain text (pure): its terminal control sequences left out whole, then any
 * other control character made a space, so it can neither drive the notifier nor show the remains of a
 * sequence (`[31m`).
 */
function plain(text: string): string {
  let out = '';
  for (const ch of stripTerminalSequences(text)) {
    const code = ch.charCodeAt(0);
    out += code < 0x20 || (code >= 0x7f && code <= 0x9f) ? ' ' : ch;
  }
  return out.trim();
}

/** `notify-send`'s arguments for a feature that needs input: a title naming it and the agent's message (pure). */
export function needsInputNotification(featureId: string, detail?: string): string[] {
  const body = plain(detail ?? '') || 'The agent is waiting for you: baton attach';
  return ['--app-name=Baton', '--', `Baton: ${featureId} needs input`, body];
}

/** Shows the notification when `notify-send` is installed; whether it was launched. */
export function notifyNeedsInput(env: NodeJS.ProcessEnv, featureId: string, detail?: string): boolean {
  const notifier = findExecutable('notify-send', env);
  if (!notifier) return false;
  const child = spawn(notifier, needsInputNotification(featureId, detail), {
    env,
    stdio: 'ignore',
    detached: true,
  });
  child.on('error', () => {
    // A notifier that cannot start costs the conductor a notification, never the run.
  });
  child.unref();
  return true;
}
