import { formatMinutes, formatPercent, formatSpeedup } from './format.js';
import type { ConflictPair, FileOwnership, Report } from './types.js';

/**
 * Answers the method's three questions from a computed report (pure): what the conflicts say about
 * the decomposition, whether the integration ratio points at the contracts, and why the speedup is
 * below N. Only facts the report holds are used; unknowns are said to be unknown.
 */
export function diagnoseReport(report: Report): string[] {
  return [...diagnoseDecomposition(report), ...diagnoseIntegration(report), ...diagnoseSpeedup(report)];
}

function list(ids: readonly string[]): string {
  return ids.map((id) => `\`${id}\``).join(', ');
}

function diagnoseDecomposition(report: Report): string[] {
  const { conflicts, integration, features } = report;
  const out: string[] = [];
  const n = features.length;
  if (n === 0) return out;
  if (!integration.ran && conflicts.count === 0) {
    out.push('No integration recorded yet: run `baton integrate` to learn whether the boundaries held.');
  } else if (conflicts.count === 0) {
    out.push(
      `No merge conflicts: none of the ${conflicts.potential_points} potential integration points ` +
        `(N·(N−1)/2 for N = ${n}) conflicted, so the boundaries between features held.`,
    );
  } else {
    out.push(
      `${conflicts.count} merge conflict${conflicts.count === 1 ? '' : 's'}: ${conflicts.conflicting_pairs} ` +
        `of the ${conflicts.potential_points} potential integration points (N·(N−1)/2 for N = ${n}) really ` +
        `conflicted, on ${conflicts.files.length} file${conflicts.files.length === 1 ? '' : 's'}.`,
    );
    for (const pair of conflicts.pairs) out.push(explainPair(pair));
  }
  for (const f of features) {
    if (f.outside_owns && f.outside_owns.length > 0) {
      const shown = f.outside_owns.slice(0, 3).map((p) => `\`${p}\``);
      const more = f.outside_owns.length > 3 ? ` and ${f.outside_owns.length - 3} more` : '';
      out.push(
        `\`${f.feature_id}\` changed ${f.outside_owns.length} file${f.outside_owns.length === 1 ? '' : 's'} ` +
          `outside its contract's \`owns\` (${shown.join(', ')}${more}): widen \`owns\` or move that work to its owner.`,
      );
    }
  }
  return out;
}

/** One sentence per conflicting pair: which boundary overlapped and which contract owned the file. */
function explainPair(pair: ConflictPair): string {
  const a = pair.feature_id;
  const b = pair.with;
  const files = pair.files.map((f) => `\`${f.file}\``).join(', ');
  if (b === null) {
    return `\`${a}\` conflicted with work already merged on ${files}; the log does not name the other feature.`;
  }
  const head = `\`${a}\` and \`${b}\` both changed ${files}`;
  if (pair.files.every((f) => f.owners === null)) {
    return `${head}; without contracts Baton cannot tell whose boundary that was.`;
  }
  const reasons = pair.files.map((f) => explainFile(f, a, b, pair.dependent === true));
  return `${head}: ${reasons.join('; ')}.`;
}

function explainFile(f: FileOwnership, a: string, b: string, dependent: boolean): string {
  const owners = f.owners ?? [];
  const name = `\`${f.file}\``;
  const ownsA = owners.includes(a);
  const ownsB = owners.includes(b);
  if (ownsA && ownsB) {
    return `${name} is owned by both contracts — their \`owns\` overlap, so the decomposition split one file between two features`;
  }
  if (ownsA || ownsB) {
    const owner = ownsA ? a : b;
    const intruder = ownsA ? b : a;
    const remedy = dependent
      ? `the two are declared dependent, so what \`${intruder}\` needed there belongs in \`${owner}\`'s \`provides\``
      : `what \`${intruder}\` needed there belongs in \`${owner}\`'s contract (\`provides\`), or \`${intruder}\` should depend on it`;
    return `${name} is owned only by \`${owner}\`, so \`${intruder}\` crossed its boundary — ${remedy}`;
  }
  if (owners.length > 0) {
    return `${name} belongs to ${list(owners)}, yet neither of these two owns it — both crossed into another feature's files`;
  }
  return (
    `${name} is owned by no contract — a shared file (registry, config, lockfile) that both had to touch; ` +
    'give it one owner, or have one feature provide it up front'
  );
}

function diagnoseIntegration(report: Report): string[] {
  const i = report.integration;
  if (!i.ran && i.duration_min === null) return [];
  if (i.ratio === null) {
    const missing = i.duration_min === null ? 'integration time' : 'execution (implementation) time';
    return [`Integration ÷ execution is unknown: the ${missing} was not recorded.`];
  }
  let s =
    `Integration took ${formatMinutes(i.duration_min)} after ${formatMinutes(i.execution_min)} of execution: ` +
    i.verdict_text;
  if (i.verdict === 'high' || i.verdict === 'elevated') {
    const signs: string[] = [];
    if (report.conflicts.count > 0) {
      signs.push(`${report.conflicts.count} conflict${report.conflicts.count === 1 ? '' : 's'}`);
    }
    if (i.tests.failed > 0)
      signs.push(`${i.tests.failed} failing post-merge test run${i.tests.failed === 1 ? '' : 's'}`);
    const failedIntegrationChecks = report.features.reduce((n, f) => n + f.integration_checks.failed, 0);
    if (failedIntegrationChecks > 0) signs.push(`${failedIntegrationChecks} failed integration criteria`);
    if (signs.length > 0) s += ` Where it shows: ${signs.join(', ')}.`;
  }
  return [s];
}

function diagnoseSpeedup(report: Report): string[] {
  const out: string[] = [];
  const impl = report.worksheet.rows.find((r) => r.parallel);
  const { amdahl, features } = report;
  const n = amdahl.n;
  // Measured agent time is what happened; the contracts' estimates stand in only without it.
  const speedup = impl ? (impl.speedup_measured ?? impl.speedup_estimate) : null;
  if (impl && n !== null && speedup !== null) {
    const basis = impl.speedup_measured === null ? ' (against the contracts’ estimates)' : '';
    if (speedup >= n * 0.95) {
      out.push(
        `Implementation ran ${formatSpeedup(speedup)} faster than one agent doing the features in turn${basis}, ` +
          `as parallel as N = ${n} allows.`,
      );
    } else {
      const reasons: string[] = [];
      const count = features.length;
      if (report.run.concurrency !== null && report.run.concurrency < count) {
        reasons.push(`only ${report.run.concurrency} agents ran at once for ${count} features`);
      }
      const measured = report.critical_path.measured;
      if (measured && measured.feature_ids.length > 1) {
        reasons.push(
          `the dependency chain ${measured.feature_ids.map((id) => `\`${id}\``).join(' → ')} took ` +
            `${formatMinutes(measured.minutes)} of agent time in a row, which no number of agents shortens`,
        );
      } else {
        const timed = features.filter((f) => f.duration_min !== null);
        if (timed.length > 1) {
          const slowest = timed.reduce((a, b) => ((b.duration_min ?? 0) > (a.duration_min ?? 0) ? b : a));
          const mean = timed.reduce((s, f) => s + (f.duration_min ?? 0), 0) / timed.length;
          if ((slowest.duration_min ?? 0) > mean * 1.05) {
            reasons.push(
              `the run lasts as long as its slowest feature: \`${slowest.feature_id}\` took ` +
                `${formatMinutes(slowest.duration_min)} while the features averaged ${formatMinutes(mean)}`,
            );
          }
        }
      }
      const longest = measured?.minutes ?? null;
      if (
        longest !== null &&
        impl.parallel_actual_min !== null &&
        impl.parallel_actual_min - longest > 0.05 * longest
      ) {
        reasons.push(
          `${formatMinutes(impl.parallel_actual_min - longest)} of the ${formatMinutes(impl.parallel_actual_min)} ` +
            'wall-clock went outside agent time (worktree setup, checks, waiting)',
        );
      }
      const failed = features.filter((f) =>
        ['failed', 'failed-checks', 'timeout', 'interrupted'].includes(f.status),
      );
      if (failed.length > 0) {
        reasons.push(
          `${list(failed.map((f) => f.feature_id))} did not complete, so ${failed.length === 1 ? 'its' : 'their'} ` +
            'agent time bought nothing yet',
        );
      }
      out.push(
        `Implementation speedup ${formatSpeedup(speedup)}${basis} is below N = ${n}` +
          (reasons.length > 0 ? `: ${reasons.join('; ')}.` : '.'),
      );
    }
  } else if (impl) {
    out.push(
      'Implementation speedup is unknown: the run’s wall-clock or the agents’ times were not recorded.',
    );
  }

  const planned = report.critical_path.planned;
  if (planned && planned.feature_ids.length > 1) {
    const measured = report.critical_path.measured;
    const same = measured !== null && measured.feature_ids.join() === planned.feature_ids.join();
    out.push(
      `The contracts’ critical path ${planned.feature_ids.map((id) => `\`${id}\``).join(' → ')} is ` +
        `${formatMinutes(planned.minutes)} of estimates${same ? ` (${formatMinutes(measured.minutes)} measured)` : ''}: ` +
        'its features must run one after another, so no number of agents finishes the implementation sooner.',
    );
  }

  if (amdahl.serial_fraction !== null && amdahl.bound !== null && n !== null) {
    const serialRows = report.worksheet.rows.filter((r) => !r.parallel && r.recorded);
    if (serialRows.length > 0) {
      const parts = serialRows.map((r) => `${r.phase} ${formatMinutes(r.parallel_actual_min)}`).join(', ');
      const subject =
        serialRows.length === 1
          ? `The serial phase (${parts}) is`
          : `The serial phases (${parts}: ${formatMinutes(amdahl.serial_min)}) are`;
      out.push(
        `${subject} s = ${formatPercent(amdahl.serial_fraction)} ` +
          `of the work, so Amdahl bounds the overall speedup at ${formatSpeedup(amdahl.bound)} with N = ${n}; ` +
          `this run achieved ${formatSpeedup(amdahl.achieved)} on the same terms` +
          (report.worksheet.total.speedup_estimate !== null
            ? ` (${formatSpeedup(report.worksheet.total.speedup_estimate)} against the worksheet's estimates).`
            : '.'),
      );
    }
  } else if (report.worksheet.rows.some((r) => !r.parallel)) {
    out.push('Amdahl’s bound is unknown: a phase’s time was not recorded (see Unknown).');
  }
  return out;
}
