import type { Diagnostic } from '../errors.js';
import type { Plan } from '../graph/types.js';
import { formatPercent } from '../metrics/format.js';
import { escapeControl } from '../text/escape.js';
import type { CouplingAnalysis } from './analysis.js';
import type { ExampleCommit } from './co-change.js';

/** Why two features are predicted to conflict. */
export type ConflictReason = 'co-change' | 'owns-overlap';

/** The decomposition judged as a whole: what `baton plan` shows and `baton decompose` tries to lower. */
export interface DecompositionScore {
  features: number;
  /** Pairs without a dependency that history or ownership says will touch the same files. */
  predicted_conflict_pairs: Array<{ a: string; b: string; reasons: ConflictReason[] }>;
  undeclared_dependencies: number;
  hotspots: string[];
  critical_path: { feature_ids: readonly string[]; minutes: number };
  /** Amdahl's bound on speedup (sum of estimates ÷ critical path), when estimates exist. */
  amdahl_bound: number | undefined;
  /** The contracts without `estimate_minutes` (the plan's `unestimated`): with some, both above are unknown. */
  unestimated: readonly string[];
  /** Commits of history read. */
  commits: number;
  /** Conflict pairs + undeclared dependencies + hotspots: lower is better, 0 is a clean decomposition. */
  penalty: number;
}

/** Scores a plan with its coupling analysis (pure). */
export function scoreDecomposition(plan: Plan, analysis: CouplingAnalysis): DecompositionScore {
  const conflicts = new Map<string, { a: string; b: string; reasons: ConflictReason[] }>();
  const add = (a: string, b: string, reason: ConflictReason) => {
    const [x, y] = a < b ? [a, b] : [b, a];
    const key = `${x}\0${y}`;
    const entry = conflicts.get(key) ?? { a: x, b: y, reasons: [] };
    if (!entry.reasons.includes(reason)) entry.reasons.push(reason);
    conflicts.set(key, entry);
  };
  for (const p of analysis.pairs) if (p.flagged) add(p.a, p.b, 'co-change');
  for (const o of plan.integration_points.overlaps) add(o.a, o.b, 'owns-overlap');
  const pairs = [...conflicts.values()].sort((p, q) => (p.a + p.b < q.a + q.b ? -1 : 1));
  const undeclared = new Set(analysis.undeclared.map((u) => `${u.from_feature}\0${u.to_feature}`)).size;
  const hotspots = analysis.hotspots.map((h) => h.file);
  return {
    features: plan.features.length,
    predicted_conflict_pairs: pairs,
    undeclared_dependencies: undeclared,
    hotspots,
    critical_path: plan.critical_path,
    amdahl_bound: plan.amdahl.max_speedup,
    unestimated: plan.unestimated,
    commits: analysis.commits,
    penalty: pairs.length + undeclared + hotspots.length,
  };
}

/** The coupling findings as lint warnings, each located and with the fix the method suggests (pure). */
export function couplingDiagnostics(plan: Plan, analysis: CouplingAnalysis): Diagnostic[] {
  const out: Diagnostic[] = [];
  const fileOf = (id: string) => plan.byId.get(id)?.file;
  const window = analysis.commits.toLocaleString('en-US');
  for (const p of analysis.pairs) {
    if (!p.flagged) continue;
    const file = fileOf(p.a);
    out.push({
      severity: 'warning',
      code: 'coupling/co-change',
      message:
        `${p.a} and ${p.b} changed together in ${p.support} of the last ${window} commits` +
        `${exampleText(p.examples)}: declare a dependency or move the shared part into one feature`,
      ...(file ? { location: { file } } : {}),
      hint:
        `${formatPercent(p.confidence)} of the commits of the less active one touched both; add one to the ` +
        `other's depends_on.features, or give the files they both change to one of them.`,
    });
  }
  const seen = new Set<string>();
  for (const u of analysis.undeclared) {
    const key = `${u.file}\0${u.line}\0${u.target}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({
      severity: 'warning',
      code: 'coupling/undeclared-import',
      message: `undeclared dependency: ${escapeControl(u.file)}:${u.line} imports ${escapeControl(u.target)} (owned by ${u.to_feature}) but ${u.from_feature} does not depend on ${u.to_feature}`,
      location: { file: u.file, line: u.line },
      source: u.source,
      hint: `Add ${u.to_feature} to ${u.from_feature}'s depends_on.features, or move what is imported into ${u.from_feature}.`,
    });
  }
  for (const h of analysis.hotspots) {
    out.push({
      severity: 'warning',
      code: 'coupling/hotspot',
      message:
        `hotspot: ${escapeControl(h.file)} (${h.kind}) is owned by no feature but changed with the files of ${h.features.length} ` +
        `of ${plan.features.length} features (${h.features.join(', ')}) in ${h.commits} commits${exampleText(h.examples)}`,
      location: { file: h.file },
      hint: `${h.fix[0]?.toUpperCase()}${h.fix.slice(1)}.`,
    });
  }
  return out;
}

/** `(e.g. 3f2a1c9 'add stock to catalog')`, control characters escaped. */
function exampleText(examples: readonly ExampleCommit[]): string {
  const e = examples[0];
  if (!e) return '';
  return ` (e.g. ${e.sha} '${escapeControl(e.subject)}')`;
}
