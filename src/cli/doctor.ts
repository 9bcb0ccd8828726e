import type { DoctorCheck } from '../doctor/check.js';
import { runDoctor } from '../doctor/doctor.js';
import { type Palette, palette } from '../terminal/style.js';
import { escapeControl, stringifyJson } from '../text/escape.js';
import type { RegisterCommand } from './commands.js';

function renderCheck(c: DoctorCheck, p: Palette, width: number): string {
  const mark = c.status === 'ok' ? p.green('✓') : c.status === 'warn' ? p.yellow('!') : p.red('✗');
  // Details quote agents' version output, paths and the log: control characters escaped.
  const lines = [`${mark} ${c.name.padEnd(width)}  ${escapeControl(c.detail)}`];
  if (c.hint && c.status !== 'ok')
    lines.push(`  ${' '.repeat(width)}  ${p.dim(`hint: ${escapeControl(c.hint, { keepNewlines: true })}`)}`);
  return lines.join('\n');
}

/** `baton doctor`: is everything Baton needs here, and did an earlier run leave anything behind? */
export const registerDoctor: RegisterCommand = (program, ctx, setExit) => {
  program
    .command('doctor')
    .summary(
      'check git (≥ 2.38), Node, the agents on PATH (and command agents), the config and contracts, uncommitted ' +
        'changes run would refuse, the log, the last run, worktrees left behind and git lock files; it only reads, never repairs',
    )
    .description(
      'Check git (≥ 2.38), Node, the agents on PATH (and command agents), the config and contracts, what of the ' +
        'config `baton run` would refuse (its base, a worktrees folder inside the repository, tmux for interactive ' +
        "runs, the queue's Redis), uncommitted changes `baton run` would refuse, the log, the last run, worktrees " +
        'left behind and git lock files. It only reads, never repairs.',
    )
    .option('--json', 'print { ok, checks: [{ name, status, detail, hint }] } as JSON')
    .addHelpText('after', '\nExit code: 1 when any check fails (warnings do not), 0 otherwise.')
    .action(async (flags: { json?: boolean }) => {
      const checks = await runDoctor({
        cwd: ctx.cwd,
        env: ctx.env,
        now: ctx.clock().getTime(),
      });
      const failed = checks.filter((c) => c.status === 'fail').length;
      const warned = checks.filter((c) => c.status === 'warn').length;
      if (failed > 0) setExit(1);
      if (flags.json) {
        ctx.stdout.write(`${stringifyJson({ ok: failed === 0, checks }, 2)}\n`);
        return;
      }
      const p = palette(ctx.color);
      const width = Math.max(...checks.map((c) => c.name.length));
      const summary =
        failed > 0
          ? p.red(`${failed} check${failed === 1 ? '' : 's'} failed`)
          : warned > 0
            ? p.yellow(`all required checks passed, ${warned} warning${warned === 1 ? '' : 's'}`)
            : p.green('everything looks fine');
      ctx.stdout.write(`${checks.map((c) => renderCheck(c, p, width)).join('\n')}\n\n${summary}\n`);
    });
};
