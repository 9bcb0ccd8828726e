import { escapeControl } from '../text/escape.js';
import type { Plan } from './types.js';

/** The `baton plan --json` object (stable: documented in docs/commands-foundation.md). */
export interface PlanJson {
  features: {
    feature_id: string;
    title: string;
    file: string;
    wave: number;
    depends_on: { features: string[]; services: string[] };
    owns: string[];
    estimate_minutes: number | null;
    criteria: number;
    on_critical_path: boolean;
  }[];
  edges: { from: string; to: string }[];
  waves: string[][];
  critical_path: { feature_ids: string[]; minutes: number };
  /** The contracts without `estimate_minutes`: with any, the critical path is a lower bound and the bound unknown. */
  unestimated: string[];
  integration_points: {
    potential: number;
    declared: number;
    overlaps: { a: string; b: string; pattern: string }[];
  };
  amdahl: { sequential_minutes: number; parallel_minutes: number; max_speedup: number | null };
}

/** The plan as plain JSON data (pure). */
export function planToJson(plan: Plan): PlanJson {
  const waveOf = new Map<string, number>();
  plan.waves.forEach((wave, i) => {
    for (const id of wave) waveOf.set(id, i + 1);
  });
  const critical = new Set(plan.critical_path.feature_ids);
  return {
    features: plan.features.map((c) => ({
      feature_id: c.feature_id,
      title: c.title,
      file: c.file,
      wave: waveOf.get(c.feature_id) ?? 0,
      depends_on: { features: [...c.depends_on.features], services: [...c.depends_on.services] },
      owns: [...c.owns],
      estimate_minutes: c.estimate_minutes ?? null,
      criteria: c.acceptance_criteria.length,
      on_critical_path: critical.has(c.feature_id),
    })),
    edges: plan.edges.map((e) => ({ from: e.from, to: e.to })),
    waves: plan.waves.map((w) => [...w]),
    critical_path: { feature_ids: [...plan.critical_path.feature_ids], minutes: plan.critical_path.minutes },
    unestimated: [...plan.unestimated],
    integration_points: {
      potential: plan.integration_points.potential,
      declared: plan.integration_points.declared,
      overlaps: plan.integration_points.overlaps.map((o) => ({ ...o })),
    },
    amdahl: {
      sequential_minutes: plan.amdahl.sequential_minutes,
      parallel_minutes: plan.amdahl.parallel_minutes,
      max_speedup: plan.amdahl.max_speedup ?? null,
    },
  };
}

const minutes = (m: number | undefined) => (m === undefined ? '' : `${m} min`);

/**
 * The plan as a Mermaid flowchart: dependency arrows, critical path in bold, overlaps dashed (pure). An
 * overlap's path comes from a contract or a tracked file's name, so its control characters are escaped.
 */
export function planToMermaid(plan: Plan): string {
  const node = new Map(plan.order.map((id, i) => [id, `f${i}`]));
  const label = (s: string) => s.replace(/"/g, '#quot;');
  const critical = new Set(plan.critical_path.feature_ids);
  const lines = ['flowchart LR'];
  for (const c of plan.features) {
    const est = minutes(c.estimate_minutes);
    lines.push(`  ${node.get(c.feature_id)}["${label(c.feature_id)}${est ? `<br/>${est}` : ''}"]`);
  }
  for (const e of plan.edges) lines.push(`  ${node.get(e.from)} --> ${node.get(e.to)}`);
  for (const o of plan.integration_points.overlaps) {
    lines.push(`  ${node.get(o.a)} -.-|"overlap: ${label(escapeControl(o.pattern))}"| ${node.get(o.b)}`);
  }
  if (critical.size > 0) {
    lines.push('  classDef critical stroke-width:3px,stroke:#d9480f');
    lines.push(`  class ${[...critical].map((id) => node.get(id)).join(',')} critical`);
  }
  return `${lines.join('\n')}\n`;
}

/** The plan as Graphviz DOT: one rank per wave, critical path in bold, overlaps dashed (pure). */
export function planToDot(plan: Plan): string {
  const q = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  const critical = new Set(plan.critical_path.feature_ids);
  const lines = ['digraph baton {', '  rankdir=LR;', '  node [shape=box, fontname="Helvetica"];'];
  for (const c of plan.features) {
    const est = minutes(c.estimate_minutes);
    const attrs = [`label=${q(est ? `${c.feature_id}\n${est}` : c.feature_id)}`];
    if (critical.has(c.feature_id)) attrs.push('penwidth=3', 'color="#d9480f"');
    lines.push(`  ${q(c.feature_id)} [${attrs.join(', ')}];`);
  }
  for (const wave of plan.waves) {
    if (wave.length > 1) lines.push(`  { rank=same; ${wave.map((id) => `${q(id)};`).join(' ')} }`);
  }
  for (const e of plan.edges) lines.push(`  ${q(e.from)} -> ${q(e.to)};`);
  for (const o of plan.integration_points.overlaps) {
    lines.push(
      `  ${q(o.a)} -> ${q(o.b)} [style=dashed, dir=none, color=orange, constraint=false, label=${q(escapeControl(o.pattern))}];`,
    );
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}
