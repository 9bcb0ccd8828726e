import { planPick } from '../attempts/pick.js';
import { UserError } from '../errors.js';
import { setBranch } from '../git/branches.js';
import { featureBranch } from '../git/refs.js';
import { lockForCommand } from '../lock/baton-lock.js';
import { foldEvents } from '../log/fold.js';
import { readLog } from '../log/read.js';
import { createLogSink } from '../log/sink.js';
import { loadProject } from '../project.js';
import { escapeControl } from '../text/escape.js';
import type { RegisterCommand } from './commands.js';

/** `baton pick <id> <attempt>`: overrides best-of-N's choice, moving `baton/<id>` to that attempt's commit. */
export const registerPick: RegisterCommand = (program, ctx) => {
  program
    .command('pick')
    .description(
      "best-of-N: keep another attempt instead of the checks' choice (moves baton/<id> to its commit)",
    )
    .argument('<id>', 'the feature')
    .argument('<attempt>', 'the attempt number (`baton status` lists them)')
    .addHelpText(
      'after',
      "\nThe pick is logged (attempt.picked); the feature takes the picked attempt's status, checks and files.\n" +
        'The attempt must have left a commit; `baton status` lists the attempts, the current winner starred.\n' +
        'The other attempts keep their branches (baton/<id>.a<n>) until `baton clean`, which prints each\n' +
        "loser's commit as it removes it. Exit code: 0 when the branch moved, 1 when it could not (no such\n" +
        'attempt, no commit), 2 on a usage error. See docs/best-of-n.md.',
    )
    .action(async (id: string, attemptText: string) => {
      const attempt = Number(attemptText);
      if (!Number.isInteger(attempt) || attempt < 1) {
        throw new UserError('pick/bad-attempt', `the attempt is a number from 1, got "${attemptText}"`, {
          exitCode: 2,
        });
      }
      const project = await loadProject(ctx.cwd);
      // A pick while a run is deciding would race its own choice: the run lock keeps them apart.
      const lock = lockForCommand(project.root, 'run', ctx.stderr, 'pick');
      try {
        const state = foldEvents(readLog(project.logPath, undefined, { final: true }).events);
        const plan = planPick(state, id, attempt);
        if (!plan.ok) throw new UserError(plan.code, plan.message, { hint: plan.hint });
        const branch = featureBranch(id);
        await setBranch(project.root, branch, plan.commit, `baton pick: attempt ${attempt}`);
        createLogSink({ logPath: project.logPath, clock: ctx.clock }).emit({
          type: 'attempt.picked',
          feature_id: id,
          attempt,
          ...(plan.previous !== undefined ? { previous: plan.previous } : {}),
          commit: plan.commit,
        });
        const was = plan.previous !== undefined ? `; it held attempt ${plan.previous}` : '';
        ctx.stdout.write(
          `${escapeControl(branch)} now holds attempt ${attempt} (${plan.commit.slice(0, 8)})${was}\n`,
        );
      } finally {
        lock.release();
      }
    });
};
