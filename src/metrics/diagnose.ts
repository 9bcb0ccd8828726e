import { markdownCode } from '../text/markdown-code.js';
import { chainOverlapped } from './critical-path.js';
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
  return ids.map(markdownCode).join(', ');
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
      `No merge conflicts${conflicts.base_lacks_cut.count > 0 ? ' between features' : ''}: none of the ${conflicts.potential_points} potential integration points ` +
        `(N·(N−1)/2 for N = ${conflicts.n}) conflicted, so the boundaries between features held.`,
    );
  } else {
    out.push(
      `${conflicts.count} merge conflict${conflicts.count === 1 ? '' : 's'}: ${conflicts.conflicting_pairs} ` +
        `of the ${conflicts.potential_points} potential integration points (N·(N−1)/2 for N = ${conflicts.n}) really ` +
        `conflicted, on ${conflicts.files.length} file${conflicts.files.length === 1 ? '' : 's'}.`,
    );
    for (const pair of conflicts.pairs) out.push(explainPair(pair));
  }
  const lacking = explainBaseLacksCut(report);
  if (lacking) out.push(lacking);
  for (const f of features) {
    if (f.outside_owns && f.outside_owns.length > 0) {
      const shown = f.outside_owns.slice(0, 3).map(markdownCode);
      const more = f.outside_owns.length > 3 ? ` and ${f.outside_owns.length - 3} more` : '';
      out.push(
        `${markdownCode(f.feature_id)} changed ${f.outside_owns.length} file${f.outside_owns.length === 1 ? '' : 's'} ` +
          `outside its contract's \`owns\` (${shown.join(', ')}${more}): widen \`owns\` or move that work to its owner.`,
      );
    }
  }
  return out;
}

/** The conflicts from a base lacking the cut commit, in a sentence: why they are not counted above. */
function explainBaseLacksCut(report: Report): string | undefined {
  const { count, conflicts } = report.conflicts.base_lacks_cut;
  if (count === 0) return undefined;
  const cuts = [...new Set(conflicts.map((c) => c.cut_commit))].map((c) => markdownCode(c.slice(0, 10)));
  const one = count === 1;
  return (
    `${count} merge conflict${one ? '' : 's'} came from a base lacking the commit the features were cut from ` +
    `(${cuts.join(', ')}; ${list([...new Set(conflicts.map((c) => c.feature_id))])}): ${one ? 'not a conflict' : 'not conflicts'} ` +
    'between features, so not counted against the decomposition. Integrate onto the branch they were cut from ' +
    '(or move them onto the base with `git rebase --onto`) to learn whether the features themselves conflict.'
  );
}

/** One sentence per conflicting pair: which boundary overlapped and which contract owned the file. */
function explainPair(pair: ConflictPair): string {
  const a = pair.feature_id;
  const b = pair.with;
  const files = pair.files.map((f) => markdownCode(f.file)).join(', ');
  if (b === null) {
    return `${markdownCode(a)} conflicted with work already merged on ${files}; the log does not name the other feature.`;
  }
  const head = `${markdownCode(a)} and ${markdownCode(b)} both changed ${files}`;
  if (pair.files.every((f) => f.owners === null)) {
    return `${head}; without contracts Baton cannot tell whose boundary that was.`;
  }
  const reasons = pair.files.map((f) => explainFile(f, a, b, pair.dependent === true));
  return `${head}: ${reasons.join('; ')}.`;
}

function explainFile(f: FileOwnership, a: string, b: string, dependent: boolean): string {
  const owners = f.owners ?? [];
  const name = markdownCode(f.file);
  const ownsA = owners.includes(a);
  const ownsB = owners.includes(b);
  if (ownsA && ownsB) {
    return `${name} is owned by both contracts — their \`owns\` overlap, so the decomposition split one file between two features`;
  }
  if (ownsA || ownsB) {
    const owner = ownsA ? a : b;
    const intruder = ownsA ? b : a;
    const remedy = dependent
      ? `the two are declared dependent, so what ${markdownCode(intruder)} needed there belongs in ${markdownCode(owner)}'s \`provides\``
      : `what ${markdownCode(intruder)} needed there belongs in ${markdownCode(owner)}'s contract (\`provides\`), or ${markdownCode(intruder)} should depend on it`;
    return `${name} is owned only by ${markdownCode(owner)}, so ${markdownCode(intruder)} crossed its boundary — ${remedy}`;
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

/** Why the implementation speedup is below N, from what the report holds. */
function belowNReasons(report: Report): string[] {
  const { features } = report;
  const impl = report.worksheet.rows.find((r) => r.parallel);
  const reasons: string[] = [];
  const count = features.length;
  if (report.run.concurrency !== null && report.run.concurrency < count) {
    const agents = report.run.concurrency === 1 ? '1 agent' : `${report.run.concurrency} agents`;
    reasons.push(`only ${agents} ran at once for ${count} features`);
  }
  const measured = report.critical_path.measured;
  const chain = measured && measured.feature_ids.length > 1 ? measured : null;
  // A chain whose agents overlapped in time (contract-first) did not run in a row, however long
  // the pause between a run and its `run --resume`: its wall-clock is its agents' (`chainWallMin`).
  const inARow = chain !== null && !chainOverlapped(chain);
  if (chain && inARow) {
    reasons.push(
      `the dependency chain ${chain.feature_ids.map(markdownCode).join(' → ')} took ` +
        `${formatMinutes(chain.minutes)} of agent time in a row, which no number of agents shortens`,
    );
  } else if (!chain) {
    const timed = features.filter((f) => f.duration_min !== null);
    if (timed.length > 1) {
      const slowest = timed.reduce((a, b) => ((b.duration_min ?? 0) > (a.duration_min ?? 0) ? b : a));
      const mean = timed.reduce((s, f) => s + (f.duration_min ?? 0), 0) / timed.length;
      if ((slowest.duration_min ?? 0) > mean * 1.05) {
        reasons.push(
          `the run lasts as long as its slowest feature: ${markdownCode(slowest.feature_id)} took ` +
            `${formatMinutes(slowest.duration_min)} while the features averaged ${formatMinutes(mean)}`,
        );
      }
    }
  }
  // The part of the wall-clock no agent's time covers: the chain's agents' wall-clock, else the
  // longest feature. The pause before a `run --resume` is in neither this nor the implementation's
  // wall-clock (its runs' spans), so it is never counted as setup, checks or waiting.
  const covered = chain ? (inARow ? chain.minutes : (chain.wall_min ?? null)) : (measured?.minutes ?? null);
  const actual = impl?.parallel_actual_min ?? null;
  if (covered !== null && actual !== null && actual - covered > 0.05 * covered) {
    reasons.push(
      `${formatMinutes(actual - covered)} of the ${formatMinutes(actual)} ` +
        'wall-clock went outside agent time (worktree setup, checks, waiting)',
    );
  }
  // No failed feature to name here: a run with one has no speedup at all (`incompleteFeatures`).
  return reasons;
}

/** What the measured dependency chain did when its features overlapped (contract-first mode). */
function chainOverlap(report: Report): string[] {
  const chain = report.critical_path.measured;
  const wall = chain?.wall_min ?? null;
  if (!chain || wall === null || !chainOverlapped(chain)) return [];
  return [
    `The dependency chain ${chain.feature_ids.map(markdownCode).join(' → ')} did not run in a row: ` +
      `its ${formatMinutes(chain.minutes)} of agent time overlapped into ${formatMinutes(wall)} of wall-clock, ` +
      "because dependents built against their dependencies' contracts while those were still being built.",
  ];
}

function diagnoseSpeedup(report: Report): string[] {
  const out: string[] = [];
  const impl = report.worksheet.rows.find((r) => r.parallel);
  const { amdahl, headline } = report;
  const n = headline.n;
  // The headline is the one speedup every output leads with; estimates never stand in for it.
  const speedup = headline.speedup;
  if (impl && n !== null && speedup !== null) {
    if (headline.superlinear) {
      out.push(headline.text);
    } else if (speedup >= n * 0.95) {
      out.push(
        `Implementation ran ${formatSpeedup(speedup)} faster than ${headline.basis === 'sequential-run' ? 'the same agents one at a time' : 'one agent doing the features in turn'}, ` +
          `as parallel as N = ${n} allows.`,
      );
    } else {
      const reasons = belowNReasons(report);
      out.push(
        `Implementation speedup ${formatSpeedup(speedup)} is below N = ${n}` +
          (reasons.length > 0 ? `: ${reasons.join('; ')}.` : '.'),
      );
    }
    out.push(...chainOverlap(report));
  } else if (impl) {
    out.push(headline.text);
  }

  const planned = report.critical_path.planned;
  if (planned && planned.feature_ids.length > 1) {
    const measured = report.critical_path.measured;
    const same = measured !== null && measured.feature_ids.join() === planned.feature_ids.join();
    out.push(
      `The contracts’ critical path ${planned.feature_ids.map(markdownCode).join(' → ')} is ` +
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
      const bound =
        `${subject} s = ${formatPercent(amdahl.serial_fraction)} ` +
        `of the work, so Amdahl bounds the overall speedup at ${formatSpeedup(amdahl.bound)} with N = ${n}`;
      // No achieved speedup (a run that completed nothing, or an unrecorded wall-clock) is claimed as one.
      out.push(
        amdahl.achieved === null
          ? `${bound}; what this run achieved on the same terms is not measured.`
          : `${bound}; this run achieved ${formatSpeedup(amdahl.achieved)} on the same terms for the whole method` +
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
