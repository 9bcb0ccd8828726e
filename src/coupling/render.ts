import { criticalPathWords, unknownAmdahlWords } from '../graph/estimate-words.js';
import { formatPercent } from '../metrics/format.js';
import type { Palette } from '../terminal/style.js';
import { renderTable } from '../terminal/style.js';
import { escapeControl } from '../text/escape.js';
import type { CouplingAnalysis } from './analysis.js';
import type { DecompositionScore } from './score.js';

/** The decomposition score as the lines `baton plan` and `baton decompose` print (pure). */
export function renderScoreText(score: DecompositionScore, p: Palette): string {
  const n = (x: number, word: string, plural = `${word}s`) => `${x} ${x === 1 ? word : plural}`;
  const flag = (x: number, text: string) => (x > 0 ? p.yellow(text) : text);
  const pairs = score.predicted_conflict_pairs;
  const estimates = { unestimated: score.unestimated, features: score.features };
  const lines = [
    p.bold(
      `decomposition score: ${score.penalty === 0 ? p.green('0 (clean)') : p.yellow(String(score.penalty))}`,
    ) + p.dim('  (conflict pairs + undeclared dependencies + hotspots; lower is better)'),
    `  predicted conflict pairs   ${flag(pairs.length, String(pairs.length))}${
      pairs.length ? `: ${pairs.map((x) => `${x.a} ↔ ${x.b} (${x.reasons.join(', ')})`).join('; ')}` : ''
    }`,
    `  undeclared dependencies    ${flag(score.undeclared_dependencies, String(score.undeclared_dependencies))}`,
    `  hotspots                   ${flag(score.hotspots.length, String(score.hotspots.length))}${
      score.hotspots.length ? `: ${score.hotspots.map((f) => escapeControl(f)).join(', ')}` : ''
    }`,
    `  critical path              ${criticalPathWords(score.critical_path, estimates)}`,
    `  Amdahl bound               ${score.amdahl_bound === undefined ? unknownAmdahlWords(estimates) : `${score.amdahl_bound.toFixed(1)}×`}`,
    p.dim(`  from ${n(score.commits, 'commit')} of history; \`baton couple\` shows the evidence`),
  ];
  return `${lines.join('\n')}\n`;
}

/** The full evidence `baton couple` prints: every pair with support, confidence and examples, imports, hotspots (pure). */
export function renderCouplingText(analysis: CouplingAnalysis, p: Palette): string {
  const s = analysis.settings;
  const out: string[] = [
    p.bold(
      `co-change over the last ${analysis.commits} non-merge commits` +
        `${analysis.skipped_large ? ` (${analysis.skipped_large} with more than ${s.max_commit_files} files ignored)` : ''}`,
    ),
    p.dim(
      `flagged: support ≥ ${s.min_support} and confidence ≥ ${formatPercent(s.min_confidence)}, no dependency`,
    ),
    '',
  ];
  if (analysis.pairs.length === 0) out.push('  no two features changed in the same commit');
  else {
    const rows = analysis.pairs.map((x) => [
      x.flagged ? p.yellow('flagged') : x.declared ? p.dim('declared') : p.dim('below'),
      `${x.a} ↔ ${x.b}`,
      String(x.support),
      formatPercent(x.confidence),
      x.examples.map((e) => `${e.sha} ${escapeControl(e.subject)}`.slice(0, 60)).join('; '),
    ]);
    out.push(renderTable(['', 'pair', 'support', 'confidence', 'latest shared commits'], rows));
  }
  out.push(
    '',
    p.bold(`undeclared dependencies (imports across features), ${analysis.files_read} files read`),
  );
  if (analysis.undeclared.length === 0) out.push('  none');
  for (const u of analysis.undeclared) {
    // File names come from the repository and import targets from its code: escaped like the source line.
    out.push(
      `  ${escapeControl(u.file)}:${u.line} imports ${escapeControl(u.target)} (${u.from_feature} → ${u.to_feature})`,
    );
    out.push(p.dim(`    ${escapeControl(u.source)}`));
  }
  out.push('', p.bold('hotspots (shared files no feature owns)'));
  if (analysis.hotspots.length === 0) out.push('  none');
  for (const h of analysis.hotspots) {
    out.push(
      `  ${p.yellow(escapeControl(h.file))} (${h.kind}): with ${h.features.join(', ')} in ${h.commits} commits`,
    );
    out.push(`    fix: ${h.fix}`);
  }
  return `${out.join('\n')}\n`;
}
