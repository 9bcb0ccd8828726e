import type { Command } from 'commander';
import { analyzeProject } from '../coupling/project.js';
import { renderScoreText } from '../coupling/render.js';
import { formatDiagnostic, UserError } from '../errors.js';
import { criticalPathWords, unknownAmdahlWords } from '../graph/estimate-words.js';
import { planToDot, planToJson, planToMermaid } from '../graph/render.js';
import type { Plan } from '../graph/types.js';
import { loadProject } from '../project.js';
import { type Palette, palette, renderTable } from '../terminal/style.js';
import { escapeControl, stringifyJson } from '../text/escape.js';
import type { RegisterCommand } from './commands.js';
import { askedFormat } from './format-flags.js';

const FORMATS = ['text', 'json', 'mermaid', 'dot'] as const;

/** `baton plan`: the dependency graph, waves, critical path, integration points, Amdahl bound and the decomposition score. */
export const registerPlan: RegisterCommand = (program, ctx) => {
  program
    .command('plan')
    .summary('show waves, critical path, integration points and the Amdahl bound')
    .description(
      'Show the plan: the waves of features that can run in parallel, the critical path by estimate_minutes, ' +
        'integration points (potential N·(N−1)/2, declared dependencies, owns overlaps: independent features owning the same paths) and ' +
        'the Amdahl bound on speedup, and the decomposition score from the coupling analysis (predicted conflict ' +
        'pairs, undeclared dependencies, hotspots; `baton couple` shows the evidence). --format mermaid or dot ' +
        'draws the dependency graph.',
    )
    .option('--no-coupling', 'skip the coupling analysis (git history and imports)')
    .option('--json', 'print the plan as one JSON object')
    .option('--format <format>', `output format: ${FORMATS.join(', ')}`, 'text')
    .action(async (flags: { json?: boolean; format: string; coupling: boolean }, command: Command) => {
      const format = askedFormat(flags, command);
      if (!(FORMATS as readonly string[]).includes(format)) {
        throw new UserError(
          'usage/format',
          `unknown format "${format}"; expected one of ${FORMATS.join(', ')}`,
          {
            exitCode: 2,
          },
        );
      }
      const project = await loadProject(ctx.cwd, 'show');
      for (const w of project.warnings) ctx.stderr.write(`${formatDiagnostic(w)}\n`);
      const { plan } = project;
      if (format === 'mermaid') return ctx.stdout.write(planToMermaid(plan));
      if (format === 'dot') return ctx.stdout.write(planToDot(plan));
      const coupling = flags.coupling ? await analyzeProject(project) : undefined;
      if (format === 'json') {
        const decomposition = coupling ? { ...coupling.score, warnings: coupling.diagnostics } : undefined;
        ctx.stdout.write(`${stringifyJson({ ...planToJson(plan), decomposition }, 2)}\n`);
        return;
      }
      const p = palette(ctx.color);
      ctx.stdout.write(renderPlanText(plan, p));
      if (coupling) ctx.stdout.write(`\n${renderScoreText(coupling.score, p)}`);
    });
};

/** The human view of a plan: a table by wave, then the numbers that bound a parallel run. */
export function renderPlanText(plan: Plan, p: Palette): string {
  const n = plan.features.length;
  const critical = new Set(plan.critical_path.feature_ids);
  const rows: string[][] = [];
  plan.waves.forEach((wave, i) => {
    for (const id of wave) {
      const c = plan.byId.get(id);
      if (!c) continue;
      // A service is free text from the contract: escaped before it is painted, as a table cell keeps the
      // palette's colour codes (and so would keep one written in the text).
      const deps = [...c.depends_on.features, ...c.depends_on.services.map((s) => p.dim(escapeControl(s)))];
      rows.push([
        String(i + 1),
        critical.has(id) ? p.bold(`${id} *`) : id,
        c.estimate_minutes === undefined ? p.dim('—') : `${c.estimate_minutes} min`,
        deps.length ? deps.join(', ') : p.dim('—'),
      ]);
    }
  });
  const out: string[] = [];
  out.push(
    p.bold(
      `${n} feature${n === 1 ? '' : 's'} in ${plan.waves.length} wave${plan.waves.length === 1 ? '' : 's'}`,
    ),
    '',
    renderTable(['wave', 'feature', 'estimate', 'depends on'], rows),
    '',
  );
  const estimates = { unestimated: plan.unestimated, features: n };
  const pathLine = criticalPathWords(plan.critical_path, estimates);
  out.push(`${p.bold('critical path')}   ${pathLine}  ${p.dim('* in the table')}`);
  const ip = plan.integration_points;
  // "Hotspot" is the coupling analysis's word (a file no feature owns); an overlap is a pair of features.
  const overlaps = ip.overlaps.length;
  const overlapText = `${overlaps} owns overlap${overlaps === 1 ? '' : 's'}`;
  out.push(
    `${p.bold('integration')}     ${ip.potential} potential point${ip.potential === 1 ? '' : 's'} (N·(N−1)/2, N = ${n}), ` +
      `${ip.declared} declared dependenc${ip.declared === 1 ? 'y' : 'ies'}, ` +
      `${overlaps ? p.yellow(overlapText) : overlapText}`,
  );
  const a = plan.amdahl;
  out.push(
    a.max_speedup === undefined
      ? `${p.bold('Amdahl bound')}    ${unknownAmdahlWords(estimates)}`
      : `${p.bold('Amdahl bound')}    ${a.sequential_minutes} min of work, ${a.parallel_minutes} min on the critical path: ` +
          `at most ${a.max_speedup.toFixed(1)}× faster than one agent working alone`,
  );
  if (overlaps) {
    out.push(
      '',
      p.yellow('owns overlaps (predicted conflicts: owned paths overlap, no dependency between the two):'),
    );
    for (const o of ip.overlaps) out.push(`  ${o.a} ↔ ${o.b}: both own ${escapeControl(o.pattern)}`);
  }
  return `${out.join('\n')}\n`;
}
