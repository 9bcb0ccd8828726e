import { spawnSync } from 'node:child_process';
import { UserError } from '../errors.js';
import { findMainWorktree } from '../git/git.js';
import { attachArgs } from '../interactive/attach.js';
import { firstNeedingInput } from '../interactive/target.js';
import { openWindow } from '../interactive/window.js';
import { appendEvent } from '../log/append.js';
import { findLastRunStart, foldLastRun } from '../log/last-run.js';
import { logPathFor } from '../log/paths.js';
import { escapeControl } from '../text/escape.js';
import type { RegisterCommand } from './commands.js';

/** `baton attach [id]`: jumps to a feature's tmux window (the first one needing input by default). */
export const registerAttach: RegisterCommand = (program, ctx) => {
  program
    .command('attach')
    .description(
      "jump to an interactive agent's tmux window; without an id, the first feature (or best-of-N attempt) that needs input",
    )
    .argument('[id]', "feature id, or a best-of-N attempt's (<feature_id>.a<n>)")
    .option('--print', 'print the tmux command instead of running it')
    .addHelpText(
      'after',
      '\nInside tmux this switches your client to the window; outside it attaches this terminal.\nDetach again with the tmux prefix and d (Ctrl-b d).',
    )
    .action(async (given: string | undefined, flags: { print?: boolean }) => {
      const logPath = ctx.env.BATON_LOG || logPathFor(await findMainWorktree(ctx.cwd));
      // Windows belong to the current run: fold its bytes only, found from the end of the log.
      const { state } = foldLastRun(logPath);
      const id = given ?? firstNeedingInput(state);
      if (!id) {
        throw new UserError('interactive/nothing-waiting', 'no feature needs input right now', {
          hint: 'Name one: baton attach <id> (see `baton status`).',
          exitCode: 1,
        });
      }
      const start = findLastRunStart(logPath);
      const { w, tmux, unitId } = await openWindow(state, id, ctx.env, {
        logPath,
        interactive: start?.interactive === true,
        tmuxSocket: start?.tmux_socket,
      });
      if (flags.print) {
        const how = ctx.env.TMUX ? ['switch-client', '-t', w.target] : ['attach-session', '-t', w.target];
        ctx.stdout.write(`tmux ${[...tmux.prefix, ...how].join(' ')}\n`);
        return;
      }
      // Proven first (a terminal, the right tmux server): an attach that cannot happen is not recorded.
      const args = await attachArgs(tmux, ctx.env, w.target);
      appendEvent(logPath, { type: 'user.intervention', feature_id: unitId, action: 'attach' }, ctx.clock);
      const r = spawnSync('tmux', args, { stdio: 'inherit', env: ctx.env });
      if (r.status !== 0) {
        throw new UserError(
          'interactive/attach-failed',
          `tmux could not attach to ${escapeControl(unitId)}'s window`,
          {
            hint: `tmux said why above; try it yourself: tmux ${args.join(' ')}`,
          },
        );
      }
    });
};
