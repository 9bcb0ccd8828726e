import { UserError } from '../errors.js';
import { findMainWorktree } from '../git/git.js';
import { interventionText, untypeable } from '../interactive/target.js';
import { sendText } from '../interactive/tmux.js';
import { openWindow } from '../interactive/window.js';
import { appendEvent } from '../log/append.js';
import { findLastRunStart, foldLastRun } from '../log/last-run.js';
import { logPathFor } from '../log/paths.js';
import { escapeControl } from '../text/escape.js';
import type { RegisterCommand } from './commands.js';

/** `baton send <id> <text>`: types a message into an interactive agent's window and logs the intervention. */
export const registerSend: RegisterCommand = (program, ctx) => {
  program
    .command('send')
    .description("type a message into an interactive agent's tmux window (recorded as a user intervention)")
    .argument('<id>', "feature id, or a best-of-N attempt's (<feature_id>.a<n>)")
    .argument(
      '<text...>',
      'what to type, exactly (words are joined with spaces); one line of plain text: control characters are refused',
    )
    .option('--no-enter', 'do not press Enter after the text')
    .addHelpText(
      'after',
      '\nExamples:\n  baton send feature-002-catalog 1        # choose "1. Yes" at a permission prompt\n  baton send feature-002-catalog "use port 8080 instead"',
    )
    .action(async (id: string, words: string[], flags: { enter: boolean }) => {
      const text = words.join(' ');
      const why = untypeable(text);
      if (why !== undefined) {
        throw new UserError('interactive/control-character', `nothing was sent: ${why}`, {
          exitCode: 2,
          hint: 'Send one line of plain text; to press a key yourself, attach to the window (baton attach).',
        });
      }
      const logPath = ctx.env.BATON_LOG || logPathFor(await findMainWorktree(ctx.cwd));
      // Windows belong to the current run: fold its bytes only, found from the end of the log.
      const { state } = foldLastRun(logPath);
      const start = findLastRunStart(logPath);
      const { w, tmux, unitId } = await openWindow(state, id, ctx.env, {
        logPath,
        interactive: start?.interactive === true,
        tmuxSocket: start?.tmux_socket,
      });
      await sendText(tmux, w.target, text, flags.enter);
      appendEvent(
        logPath,
        { type: 'user.intervention', feature_id: unitId, action: 'send', text: interventionText(text) },
        ctx.clock,
      );
      ctx.stdout.write(`sent to ${escapeControl(unitId)}\n`);
    });
};
