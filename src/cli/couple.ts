import { analyzeProject } from '../coupling/project.js';
import { renderCouplingText, renderScoreText } from '../coupling/render.js';
import { formatDiagnostic, UserError } from '../errors.js';
import { loadProject } from '../project.js';
import { palette } from '../terminal/style.js';
import { stringifyJson } from '../text/escape.js';
import type { RegisterCommand } from './commands.js';

/** `baton couple`: the coupling evidence behind the decomposition score, from history and imports. */
export const registerCouple: RegisterCommand = (program, ctx) => {
  program
    .command('couple')
    .summary('show how the features are coupled: co-change history, imports, hotspots')
    .description(
      'Read the last --window non-merge commits (a git log stream per 2,000 commits, in parallel, up to the cores ' +
        'and at most 4, never a process per commit; once .baton/ exists, commits already read come from ' +
        '.baton/cache/history.txt) and the owned JS/TS/Python sources, and show for every pair of features how often their files changed in the same commit (support, confidence, ' +
        'latest examples), imports between features that do not depend on each other, and the files no feature ' +
        'owns that most features change with (hotspots), with the fix for each. Settings: the `coupling:` block ' +
        'of the config; see docs/decompose.md.',
    )
    .option('--window <n>', 'how many recent non-merge commits to read (default: config, else 1000)')
    .option('--min-support <n>', 'shared commits needed to flag a pair (default 3)')
    .option(
      '--min-confidence <x>',
      'share of the less active feature’s commits needed to flag a pair (default 0.3; compared as the whole percentage printed)',
    )
    .option('--json', 'print { analysis, score, warnings } as JSON')
    .action(
      async (flags: { window?: string; minSupport?: string; minConfidence?: string; json?: boolean }) => {
        const settings = {
          ...(flags.window !== undefined ? { window: positiveInt('--window', flags.window, 1000) } : {}),
          ...(flags.minSupport !== undefined
            ? { min_support: positiveInt('--min-support', flags.minSupport, 3) }
            : {}),
          ...(flags.minConfidence !== undefined
            ? { min_confidence: share('--min-confidence', flags.minConfidence) }
            : {}),
        };
        const project = await loadProject(ctx.cwd, 'show');
        for (const w of project.warnings) ctx.stderr.write(`${formatDiagnostic(w)}\n`);
        const { analysis, score, diagnostics } = await analyzeProject(project, settings);
        if (flags.json) {
          ctx.stdout.write(`${stringifyJson({ analysis, score, warnings: diagnostics }, 2)}\n`);
          return;
        }
        const p = palette(ctx.color);
        ctx.stdout.write(`${renderCouplingText(analysis, p)}\n${renderScoreText(score, p)}`);
      },
    );
};

/** Parses a whole number ≥ 1 given on the command line; a usage error otherwise. */
export function positiveInt(flag: string, value: string, example: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    throw new UserError('usage/number', `${flag} must be a whole number of 1 or more, got "${value}"`, {
      exitCode: 2,
      hint: `e.g. ${flag} ${example}`,
    });
  }
  return n;
}

function share(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 1) {
    throw new UserError('usage/number', `${flag} must be a number from 0 to 1, got "${value}"`, {
      exitCode: 2,
      hint: `e.g. ${flag} 0.3`,
    });
  }
  return n;
}
