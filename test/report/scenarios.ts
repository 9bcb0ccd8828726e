// Hand-built runs shared by the renderer tests and the browser test.
import type { LogEvent } from '../../src/log/events.js';
import type { ReportInput } from '../../src/metrics/report.js';
import {
  builtCriteria,
  contract,
  ev,
  featureEvents,
  handPlan,
  ownsPassed,
  phase,
  runEnded,
  runStarted,
} from '../metrics/log-builder.js';

/**
 * Four features with dependencies, a conflict on a file one of them owns (allowed by its
 * `owns_policy: warn`), a failed feature and a complete integration; every phase of the method
 * recorded; contracts with estimates.
 */
export function fourFeatureRun(): ReportInput {
  const ids = ['feature-001-auth', 'feature-002-catalog', 'feature-003-cart', 'feature-004-mail'];
  const [auth, catalog, cart, mail] = ids as [string, string, string, string];
  const events: LogEvent[] = [
    ...phase(-120, -75, 'specification'),
    ...phase(-70, -40, 'planning'),
    runStarted(0, 'run-4', ids),
    ...featureEvents({
      id: auth,
      runId: 'run-4',
      start: 0,
      exit: 35,
      files: ['src/auth/index.ts', 'src/auth/token.ts'],
      checks: { passed: 3, failed: 0 },
      usage: { cost_usd: 1.25, input_tokens: 120_000, output_tokens: 18_000, turns: 14 },
    }),
    ownsPassed(35, 'run-4', auth),
    ...featureEvents({
      id: mail,
      runId: 'run-4',
      start: 0,
      exit: 22,
      exitCode: 1,
      files: ['src/mail/send.ts'],
      checks: { passed: 0, failed: 1 },
      agent: 'codex',
    }),
    ...featureEvents({
      id: catalog,
      runId: 'run-4',
      start: 1,
      exit: 41,
      files: ['src/catalog/index.ts', 'src/auth/token.ts'],
      checks: { passed: 2, failed: 0 },
      usage: { cost_usd: 0.9, input_tokens: 80_000, output_tokens: 11_000, turns: 9 },
    }),
    ownsPassed(41, 'run-4', catalog, 'src/auth/token.ts'),
    ...featureEvents({
      id: cart,
      runId: 'run-4',
      start: 36,
      exit: 62,
      files: ['src/cart/index.ts'],
      checks: { passed: 2, failed: 0 },
      agent: 'aider',
    }),
    ownsPassed(62, 'run-4', cart),
    runEnded(63, 'run-4', 0, 'failed'),
    ...phase(63, 78, 'integration'),
    ev(63, { type: 'integration.started', branch: 'baton/integration', worktree: '/tmp/int', order: ids }),
    ev(64, { type: 'merge.clean', feature_id: auth, commit: 'a'.repeat(40), duration_ms: 800 }),
    ev(66, {
      type: 'merge.conflict',
      feature_id: catalog,
      files: ['src/auth/token.ts'],
      with: [auth],
      duration_ms: 900,
    }),
    ev(70, { type: 'merge.clean', feature_id: cart, commit: 'c'.repeat(40), duration_ms: 700 }),
    ev(70, { type: 'merge.skipped', feature_id: mail, reason: 'failed' }),
    ev(72, {
      type: 'integration.tested',
      after_feature: cart,
      passed: true,
      exit_code: 0,
      duration_ms: 30_000,
    }),
    ev(77, { type: 'integration.ended', outcome: 'partial', duration_ms: 14 * 60_000 }),
  ];
  const plan = handPlan({
    contracts: [
      // Each declares the criteria its checks recorded (`builtCriteria`), besides the implicit `owns`.
      contract(auth, { owns: ['src/auth/**'], estimate_minutes: 45, acceptance_criteria: builtCriteria(3) }),
      contract(catalog, {
        owns: ['src/catalog/**'],
        owns_policy: 'warn',
        estimate_minutes: 60,
        acceptance_criteria: builtCriteria(2),
      }),
      contract(cart, {
        owns: ['src/cart/**'],
        acceptance_criteria: builtCriteria(2),
        estimate_minutes: 40,
        depends_on: { features: [auth], services: [] },
      }),
      contract(mail, { owns: ['src/mail/**'], estimate_minutes: 30, acceptance_criteria: builtCriteria(1) }),
    ],
    waves: [[auth, catalog, mail], [cart]],
    edges: [{ from: auth, to: cart }],
    critical: { feature_ids: [auth, cart], minutes: 85 },
  });
  return { events, plan, estimates: { specification: 90, planning: 60, integration: 45 } };
}

/** The methodology's worksheet, by phases alone: 375 min sequential, 130 min parallel. */
export function methodologyWorksheet(): ReportInput {
  const ids = ['feature-001-auth', 'feature-002-catalog', 'feature-003-cart'];
  return {
    events: [
      ...phase(0, 30, 'specification'),
      ...phase(40, 55, 'planning'),
      ...phase(60, 120, 'implementation'),
      ...phase(130, 155, 'integration'),
    ],
    plan: handPlan({
      contracts: ids.map((id) => contract(id, { estimate_minutes: 60 })),
      waves: [ids],
      critical: { feature_ids: [ids[0]!], minutes: 60 },
    }),
    estimates: { specification: 60, planning: 75, integration: 60 },
  };
}

/** A run that died: one feature failed, one conflicted, one never reported back, no run.ended. */
export function interruptedRun(): ReportInput {
  const ids = ['feature-001-db', 'feature-002-orders', 'feature-003-mail'];
  return {
    events: [
      runStarted(0, 'run-x', ids),
      ...featureEvents({ id: ids[0]!, runId: 'run-x', start: 0, exit: 20, files: ['src/db.ts'] }),
      ...featureEvents({
        id: ids[1]!,
        runId: 'run-x',
        start: 0,
        exit: 25,
        exitCode: 1,
        files: ['src/orders.ts', 'src/db.ts', 'package.json'],
      }),
      ...featureEvents({ id: ids[2]!, runId: 'run-x', start: 1 }),
      ev(40, { type: 'integration.started', branch: 'baton/integration', worktree: '/tmp/int', order: ids }),
      ev(41, { type: 'merge.clean', feature_id: ids[0]!, commit: 'a'.repeat(40), duration_ms: 500 }),
      ev(42, {
        type: 'merge.conflict',
        feature_id: ids[1]!,
        files: ['src/db.ts', 'package.json'],
        with: [ids[0]!],
        duration_ms: 700,
      }),
      ev(50, { type: 'integration.ended', outcome: 'conflict', duration_ms: 10 * 60_000 }),
    ],
    plan: handPlan({
      contracts: [
        contract(ids[0]!, { owns: ['src/db.ts'], estimate_minutes: 20 }),
        contract(ids[1]!, { owns: ['src/orders.ts'], estimate_minutes: 30 }),
        contract(ids[2]!, { owns: ['src/mail/**'] }),
      ],
      waves: [ids],
      critical: { feature_ids: [ids[1]!], minutes: 30 },
    }),
  };
}

/** The trimmed cells of the markdown table row whose first cell is `first`. */
export function tableRow(md: string, first: string): string[] | undefined {
  for (const line of md.split('\n')) {
    if (!line.startsWith('|')) continue;
    const cells = line
      .slice(1, -1)
      .split(/(?<!\\)\|/)
      .map((c) => c.trim());
    if (cells[0] === first) return cells;
  }
  return undefined;
}
