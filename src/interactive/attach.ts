import { isatty } from 'node:tty';
import { UserError } from '../errors.js';
import { realOr } from '../real-nearest.js';
import { runTmux, type Tmux } from './tmux.js';

/**
 * The tmux arguments that bring this terminal to `target`, after proving they can: a refusal
 * (`interactive/no-terminal`, `interactive/other-tmux`) names what is in the way and the command that
 * works, so nothing is recorded for an attach that never happened.
 */
export async function attachArgs(tmux: Tmux, env: NodeJS.ProcessEnv, target: string): Promise<string[]> {
  const attach = [...tmux.prefix, 'attach-session', '-t', target];
  const printed = `tmux ${attach.join(' ')}`;
  const inside = env.TMUX;
  if (inside === undefined || inside === '') {
    if (!isatty(0)) {
      throw new UserError('interactive/no-terminal', 'baton attach needs a terminal on its standard input', {
        hint: `Run it in a terminal, or attach yourself: ${printed}`,
      });
    }
    return attach;
  }
  // TMUX is "<socket path>,<server pid>,<session index>": the server this client is on.
  const parts = inside.split(',');
  const mine = parts.length >= 3 ? parts.slice(0, -2).join(',') : inside;
  const r = await runTmux(tmux, ['display-message', '-p', '#{socket_path}']);
  const theirs = r.code === 0 ? r.stdout.trim() : undefined;
  if (theirs !== undefined && realOr(theirs) !== realOr(mine)) {
    throw new UserError(
      'interactive/other-tmux',
      `this terminal is inside another tmux server (${mine}) than the run's windows (${theirs})`,
      { hint: `Detach from it (Ctrl-b d), then run baton attach again, or: ${printed}` },
    );
  }
  return [...tmux.prefix, 'switch-client', '-t', target];
}
