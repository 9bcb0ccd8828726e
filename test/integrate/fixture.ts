import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Contract } from '../../src/contracts/schema.js';
import type { Plan } from '../../src/graph/types.js';
import type { BatonEvent } from '../../src/log/events.js';
import { readLog } from '../../src/log/read.js';
import { contractFiles, type TestContract } from '../rig/contracts.js';
import { cachedRepo, makeRepo, type TempRepo } from '../rig/repo.js';

/** A contract with defaults for the fields a test does not care about. */
export function contract(id: string, fields: Partial<Contract> = {}): Contract {
  return {
    feature_id: id,
    title: id,
    provides: {},
    owns: [],
    depends_on: { features: [], services: [] },
    acceptance_criteria: [],
    body: '',
    file: `specs/${id}/contract.md`,
    ...fields,
  };
}

/** A plan over hand-made contracts, topologically ordered (dependencies first, ties by id). */
export function planOf(contracts: Contract[]): Plan {
  const byId = new Map(contracts.map((c) => [c.feature_id, c]));
  const order: string[] = [];
  const waves: string[][] = [];
  const placed = new Set<string>();
  while (placed.size < contracts.length) {
    const wave = contracts
      .filter((c) => !placed.has(c.feature_id))
      .filter((c) => c.depends_on.features.every((d) => placed.has(d) || !byId.has(d)))
      .map((c) => c.feature_id)
      .sort();
    if (wave.length === 0) throw new Error('cycle in test plan');
    for (const id of wave) placed.add(id);
    order.push(...wave);
    waves.push(wave);
  }
  const n = contracts.length;
  return {
    features: order.map((id) => byId.get(id)!),
    byId,
    order,
    waves,
    edges: contracts.flatMap((c) => c.depends_on.features.map((from) => ({ from, to: c.feature_id }))),
    critical_path: { feature_ids: [], minutes: 0 },
    unestimated: order.filter((id) => byId.get(id)?.estimate_minutes === undefined),
    integration_points: { potential: (n * (n - 1)) / 2, declared: 0, overlaps: [], unsettled: 0 },
    amdahl: { sequential_minutes: 0, parallel_minutes: 0, max_speedup: undefined },
  };
}

/** Renders a contract file, so the same fixture loads through `baton` itself. */
export function contractFile(c: Contract): string {
  const lines = ['---', `feature_id: ${c.feature_id}`, `title: ${c.title}`];
  if (c.owns.length > 0) lines.push(`owns: [${c.owns.map((o) => JSON.stringify(o)).join(', ')}]`);
  if (c.depends_on.features.length > 0)
    lines.push(`depends_on:\n  features: [${c.depends_on.features.join(', ')}]`);
  if (c.acceptance_criteria.length > 0) {
    lines.push('acceptance_criteria:');
    for (const k of c.acceptance_criteria) {
      lines.push(`  - id: ${k.id}`, `    text: ${JSON.stringify(k.text)}`);
      if (k.run) lines.push(`    run: ${JSON.stringify(k.run)}`);
      if (k.after) lines.push(`    after: ${k.after}`);
    }
  }
  lines.push('---', c.body || `Work for ${c.feature_id}.`, '');
  return lines.join('\n');
}

/** Makes `baton/<id>` from `from` with one commit writing `files`, leaving the checkout where it was. */
export function featureBranch(
  repo: TempRepo,
  id: string,
  files: Record<string, string>,
  from = 'main',
): string {
  const before = repo.git('symbolic-ref', '--short', 'HEAD');
  repo.git('checkout', '-q', '-b', `baton/${id}`, from);
  const commit = repo.commit(`${id}: work`, files);
  repo.git('checkout', '-q', before);
  return commit;
}

/** Numbered lines, so two branches can edit the same lines or different regions of one file. */
export function lines(n: number, edit: Record<number, string> = {}): string {
  return `${Array.from({ length: n }, (_, i) => edit[i + 1] ?? `line ${i + 1}`).join('\n')}\n`;
}

/** The acceptance fixture: four features, a real conflict (a, b), an ownership violation (c), one independent (d). */
export interface FourFeatures {
  repo: TempRepo;
  plan: Plan;
  contracts: Contract[];
}

/**
 * Four feature branches over one base: `a` and `b` edit the same lines of `src/routes.ts` (both
 * contracts claim it), `c` also edits `src/a/config.ts`, which only `a` owns, and `d` keeps to
 * its own folder.
 */
export function makeFourFeatures(
  extra: Partial<Record<'a' | 'b' | 'c' | 'd', Partial<Contract>>> = {},
): FourFeatures {
  const contracts = [
    contract('a', { owns: ['src/a/**', 'src/routes.ts'], ...extra.a }),
    contract('b', { owns: ['src/b/**', 'src/routes.ts'], ...extra.b }),
    contract('c', { owns: ['src/c/**'], ...extra.c }),
    contract('d', { owns: ['src/d/'], ...extra.d }),
  ];
  const files: Record<string, string> = {
    '.gitignore': '.baton/\n',
    'src/routes.ts': lines(20),
    'src/a/config.ts': lines(5),
  };
  for (const c of contracts) files[`specs/${c.feature_id}/contract.md`] = contractFile(c);
  // Built once per test process for each variant of the contracts, then copied: 26 git processes saved a call.
  const repo = cachedRepo(`four-features:${JSON.stringify(extra)}`, () => {
    const built = makeRepo(files);
    featureBranch(built, 'a', {
      'src/a/index.ts': 'export const a = 1;\n',
      'src/routes.ts': lines(20, { 10: 'route a' }),
    });
    featureBranch(built, 'b', {
      'src/b/index.ts': 'export const b = 1;\n',
      'src/routes.ts': lines(20, { 10: 'route b' }),
    });
    featureBranch(built, 'c', {
      'src/c/index.ts': 'export const c = 1;\n',
      'src/a/config.ts': lines(5, { 5: 'c was here' }),
    });
    featureBranch(built, 'd', { 'src/d/index.ts': 'export const d = 1;\n' });
    return built;
  });
  return { repo, plan: planOf(contracts), contracts };
}

/** What must stay the same in the user's checkout across an integration. */
export function checkoutSnapshot(repo: TempRepo): { status: string; head: string; branch: string } {
  return {
    status: repo.git('status', '--porcelain', '--untracked-files=all'),
    head: repo.git('rev-parse', 'HEAD'),
    branch: repo.git('symbolic-ref', '--short', 'HEAD'),
  };
}

/**
 * Appends a completion line per feature to the repo's log, as a hand-written completion hook would
 * (`{"feature_id":…,"status":…}`), and, for `complete`, the passed check a `baton verify` of the
 * branch's commit records: integration takes only features the log shows `complete` on the commit
 * their checks passed on.
 */
export function recordStatus(repo: TempRepo, ids: readonly string[], status = 'complete'): void {
  const dir = join(repo.root, '.baton');
  mkdirSync(dir, { recursive: true });
  const lines = ids.flatMap((id) => {
    const done = { feature_id: id, status };
    if (status !== 'complete') return [done];
    const checked = {
      v: 1,
      ts: new Date().toISOString(),
      type: 'check.passed',
      feature_id: id,
      criterion_id: 'owns',
      text: 'changes stay inside owns',
      kind: 'files',
      on: 'worktree',
      message: 'checked by the test fixture',
      commit: repo.git('rev-parse', `baton/${id}`),
    };
    return [done, checked];
  });
  appendFileSync(join(dir, 'log.jsonl'), lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
}

/** The repo's log, every event (a torn last line read as final). */
export function logEvents(r: TempRepo): BatonEvent[] {
  return readLog(join(r.root, '.baton', 'log.jsonl'), undefined, { final: true }).events as BatonEvent[];
}

/** How many integrations the log records as started: none, when a refusal came before anything merged. */
export function integrationsStarted(r: TempRepo): number {
  return logEvents(r).filter((e) => e.type === 'integration.started').length;
}

/** A repo whose contracts load through `baton` itself, with one branch per feature adding its own file. */
export function projectRepo(contracts: TestContract[], config: Record<string, unknown> = {}): TempRepo {
  // Built once per test process for each set of contracts and config, then copied.
  return cachedRepo(`project:${JSON.stringify({ contracts, config })}`, () => {
    const r = makeRepo({
      '.gitignore': '.baton/\n',
      'baton.config.json': `${JSON.stringify(config)}\n`,
      ...contractFiles(contracts),
    });
    for (const c of contracts) featureBranch(r, c.id, { [`src/${c.id}/index.ts`]: `// ${c.id}\n` });
    recordStatus(
      r,
      contracts.map((c) => c.id),
    );
    return r;
  });
}

/** A repository, `.baton/` ignored, whose features `ids` each have a command agent writing its own `src/<id>/x.txt`. */
export function ownFileFeatures(ids: readonly string[] = ['a', 'b']): TempRepo {
  return makeRepo({
    '.gitignore': '.baton/\n',
    ...contractFiles(
      ids.map((id) => ({ id, agent: { command: `mkdir -p src/${id} && echo ${id} > src/${id}/x.txt` } })),
    ),
  });
}

/** A criterion a forged `check.passed` names, worded as its contract words it. */
export interface ForgedPass {
  criterion_id: string;
  text: string;
  kind: 'run' | 'files' | 'http';
}

/**
 * The lines anyone can append to the log: each criterion passed on `baton/<id>`'s commit (as a
 * worktree check of the last run), then, unless `complete: false`, the feature `complete`.
 */
export function forgeComplete(
  repo: TempRepo,
  id: string,
  passes: readonly ForgedPass[],
  opts: { complete?: boolean } = {},
): void {
  const started = logEvents(repo).findLast((e) => e.type === 'run.started');
  const base = {
    v: 1,
    ts: new Date().toISOString(),
    ...(started ? { run_id: started.run_id } : {}),
    feature_id: id,
  };
  const commit = repo.git('rev-parse', `baton/${id}`);
  const lines: object[] = passes.map((p) => ({
    ...base,
    type: 'check.passed',
    ...p,
    on: 'worktree',
    message: 'exit 0',
    commit,
  }));
  if (opts.complete !== false) lines.push({ ...base, type: 'feature.ended', status: 'complete' });
  appendFileSync(join(repo.root, '.baton', 'log.jsonl'), lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
}
