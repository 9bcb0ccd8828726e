import type { Interval } from './intervals.js';
import type { TimelinePhase } from './types.js';
import { COMPARISON_PHASE } from './worksheet.js';

const MINUTE = 60_000;

/** Labels of phases that are measurements rather than the method's work, and what they are. */
const PHASE_LABELS: Readonly<Record<string, { label: string; note: string }>> = {
  [COMPARISON_PHASE]: {
    label: 'sequential run (-j 1)',
    note: 'the same agents one at a time, in a clone, to measure the speedup; not counted as work',
  },
};

function mergeSpans(phase: string, intervals: readonly Interval[], origin: number): TimelinePhase[] {
  const out: TimelinePhase[] = [];
  const label = PHASE_LABELS[phase];
  const spans = intervals
    .filter((i): i is { start: number; end: number | null } => i.start !== null && i.start >= origin)
    .sort((a, b) => a.start - b.start);
  let cur: { start: number; end: number | null } | undefined;
  const flush = () => {
    if (!cur) return;
    out.push({
      phase,
      ...(label ? { label: label.label, note: label.note } : {}),
      start_min: (cur.start - origin) / MINUTE,
      end_min: cur.end === null ? null : (cur.end - origin) / MINUTE,
    });
  };
  for (const sp of spans) {
    if (cur && (cur.end === null || sp.start <= cur.end)) {
      cur = { start: cur.start, end: cur.end === null || sp.end === null ? null : Math.max(cur.end, sp.end) };
    } else {
      flush();
      cur = { ...sp };
    }
  }
  flush();
  return out;
}

/**
 * Serial phases that began once the timeline had (the features have rows of their own), overlaps
 * merged (pure). Integration is drawn from the attempt that counts; the `--compare` run is labelled.
 */
export function timelinePhases(
  phases: ReadonlyMap<string, readonly Interval[]>,
  integration: readonly Interval[],
  origin: number | null,
): TimelinePhase[] {
  if (origin === null) return [];
  const out: TimelinePhase[] = [];
  for (const [name, intervals] of phases) {
    if (name === 'implementation' || name === 'integration') continue;
    out.push(...mergeSpans(name, intervals, origin));
  }
  out.push(...mergeSpans('integration', integration, origin));
  return out.sort((a, b) => a.start_min - b.start_min);
}
