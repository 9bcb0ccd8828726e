import { couplingLintWarnings } from '../coupling/project.js';
import { type Diagnostic, formatDiagnostic } from '../errors.js';
import { lintProject } from '../project.js';
import { type Palette, palette } from '../terminal/style.js';
import { stringifyJson } from '../text/escape.js';
import type { RegisterCommand } from './commands.js';
import { fixContracts, renderFixOutcome } from './lint-fix.js';

/** `baton lint`: are the contracts valid, their criteria measurable, their owned paths disjoint? */
export const registerLint: RegisterCommand = (program, ctx, setExit) => {
  program
    .command('lint')
    .summary('check contracts: valid? criteria measurable? owned paths overlapping?')
    .description(
      'Check the contracts: errors for invalid contracts and dependency graphs (unknown ids, cycles); warnings ' +
        'for vague or unverifiable acceptance criteria and for owned paths that overlap between features that do ' +
        'not depend on each other; coupling warnings from the git history and the imports (features that change ' +
        'together, undeclared dependencies, shared hotspot files; see docs/decompose.md). Exit 1 on errors, 0 on ' +
        'warnings only (1 with --strict).',
    )
    .option('--no-coupling', 'skip the coupling analysis (git history and imports)')
    .option('--strict', 'treat warnings as errors (exit 1)')
    .option(
      '--fix',
      'write the check a prose criterion asks for when Baton can tell it (e.g. an `http:` p95 check for ' +
        '"GET requests < 100ms (p95)" against an endpoint in provides.api), keeping its other fields and comment, ' +
        'then lint; names each criterion it could not edit safely, and why',
    )
    .option('--json', 'print { ok, errors, warnings, diagnostics: [...] } as JSON')
    .action(async (flags: { strict?: boolean; json?: boolean; fix?: boolean; coupling: boolean }) => {
      const fixed = flags.fix ? await fixContracts(ctx.cwd) : { applied: [], skipped: [] };
      if (!flags.json) ctx.stdout.write(renderFixOutcome(fixed));
      const report = await lintProject(ctx.cwd, ctx.env);
      if (flags.coupling && !report.diagnostics.some((d) => d.severity === 'error')) {
        report.diagnostics.push(...(await couplingLintWarnings(ctx.cwd)));
      }
      const diagnostics = flags.strict
        ? report.diagnostics.map((d): Diagnostic => ({ ...d, severity: 'error' }))
        : report.diagnostics;
      const errors = diagnostics.filter((d) => d.severity === 'error').length;
      const warnings = diagnostics.length - errors;
      const ok = errors === 0;
      if (flags.json) {
        ctx.stdout.write(
          `${stringifyJson({ ok, contracts: report.contracts ?? null, errors, warnings, diagnostics, ...(flags.fix ? { fixed: fixed.applied, not_fixed: fixed.skipped } : {}) }, 2)}\n`,
        );
      } else {
        const p = palette(ctx.color);
        for (const d of diagnostics) ctx.stdout.write(`${paint(formatDiagnostic(d), d, p)}\n\n`);
        ctx.stdout.write(`${summary(report.contracts, errors, warnings, p)}\n`);
      }
      if (!ok) setExit(1);
    });
};

function paint(text: string, d: Diagnostic, p: Palette): string {
  const word = `${d.severity}:`;
  const colour = d.severity === 'error' ? p.red : p.yellow;
  return text.replace(word, colour(word));
}

function summary(contracts: number | undefined, errors: number, warnings: number, p: Palette): string {
  const count = contracts === undefined ? '' : `${contracts} contract${contracts === 1 ? '' : 's'}: `;
  if (errors === 0 && warnings === 0) return p.green(`${count}no problems`);
  const parts = [
    errors ? p.red(`${errors} error${errors === 1 ? '' : 's'}`) : '',
    warnings ? p.yellow(`${warnings} warning${warnings === 1 ? '' : 's'}`) : '',
  ].filter(Boolean);
  return `${count}${parts.join(', ')}`;
}
