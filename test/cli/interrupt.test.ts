import { describe, expect, it } from 'vitest';
import { abortOnInterrupt, untilInterrupted } from '../../src/cli/interrupt.js';

/** A context whose signals the test sends: the handlers listening now, and what reached stderr. */
function signals() {
  const handlers = new Set<(signal?: string) => void>();
  const stderr: string[] = [];
  return {
    ctx: {
      onInterrupt(handler: (signal?: string) => void) {
        handlers.add(handler);
        return () => void handlers.delete(handler);
      },
      stderr: { write: (s: string) => void stderr.push(s) },
    },
    send: (signal?: string) => {
      for (const h of [...handlers]) h(signal);
    },
    listening: () => handlers.size,
    stderr,
  };
}

describe('Ctrl-C, one rule for every command', () => {
  it('untilInterrupted resolves with the signal and stops listening', async () => {
    const s = signals();
    const stopped = untilInterrupted(s.ctx);
    expect(s.listening()).toBe(1);
    s.send('SIGTERM');
    await expect(stopped).resolves.toBe('SIGTERM');
    expect(s.listening()).toBe(0);
  });

  it('abortOnInterrupt aborts with the signal name, says its notice once, then that it is already stopping, and releases', () => {
    const s = signals();
    const abort = abortOnInterrupt(s.ctx, 'stopping the checks…');
    expect(abort.signal.aborted).toBe(false);
    s.send('SIGHUP');
    s.send('SIGINT');
    expect(abort.signal.aborted).toBe(true);
    expect(abort.signal.reason).toBe('SIGHUP');
    // The second signal found no process group waiting out a grace period.
    expect(s.stderr).toEqual([
      '\nbaton: stopping the checks…\n',
      '\nbaton: already stopping: recording what was stopped and keeping its work…\n',
    ]);
    abort.release();
    expect(s.listening()).toBe(0);
  });

  it('takes a listener per check and agent of a wide run (-j 12) without Node warning of a leak', async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => void warnings.push(w);
    process.on('warning', onWarning);
    const s = signals();
    const abort = abortOnInterrupt(s.ctx);
    for (let i = 0; i < 24; i++) abort.signal.addEventListener('abort', () => {});
    await new Promise((r) => setTimeout(r, 20));
    process.off('warning', onWarning);
    abort.release();
    expect(warnings.map((w) => w.name)).not.toContain('MaxListenersExceededWarning');
  });

  it('a signal without a name counts as Ctrl-C, and no notice is printed when none is given', () => {
    const s = signals();
    const abort = abortOnInterrupt(s.ctx);
    s.send();
    expect(abort.signal.reason).toBe('SIGINT');
    expect(s.stderr).toEqual([]);
  });
  it('prints the notice inside `around` (a live table clears itself before and redraws after)', () => {
    const s = signals();
    const order: string[] = [];
    abortOnInterrupt(s.ctx, 'stopping every agent…', (write) => {
      order.push('clear');
      write();
      order.push(`redraw after ${JSON.stringify(s.stderr)}`);
    });
    s.send('SIGINT');
    s.send('SIGINT');
    expect(order.slice(0, 2)).toEqual(['clear', 'redraw after ["\\nbaton: stopping every agent…\\n"]']);
    // The second signal's line goes through `around` too.
    expect(order).toHaveLength(4);
  });
});
