import { formatPercent } from '../metrics/format.js';
import { escapeControl } from '../text/escape.js';
import type { CoChangeResult, OwningFeature } from './co-change.js';

/** The feature id under which the decomposing agent runs (its task file, log and hook events). */
export const DECOMPOSE_ID = 'decompose';

const SOURCE_ROOTS = new Set([
  'src',
  'lib',
  'app',
  'apps',
  'packages',
  'pkg',
  'internal',
  'cmd',
  'test',
  'tests',
]);

/**
 * The folder a file belongs to for the layout view: `src/catalog`, `test/catalog`, `docs`. Root files
 * have none, and neither have files at the top of a source root that holds module folders
 * (`src/routes.ts` beside `src/auth/`): a `src` folder there would own every module, so such a file is
 * shared, like a root file, and can be a hotspot. A flat `src/` is a folder of its own.
 */
function moduleOf(file: string, rootsWithModules: ReadonlySet<string>): string | undefined {
  const parts = file.split('/');
  const [top] = parts;
  if (parts.length === 1 || top === undefined) return undefined;
  if (!SOURCE_ROOTS.has(top)) return top;
  if (parts.length > 2) return `${top}/${parts[1]}`;
  return rootsWithModules.has(top) ? undefined : top;
}

/** Each file outside `ignore` with its module, per {@link moduleOf} (pure). */
function filesByModule(files: readonly string[], ignore: readonly string[]) {
  const kept = files.filter((f) => !ignore.some((p) => f.startsWith(p)));
  const rootsWithModules = new Set<string>();
  for (const f of kept) {
    const parts = f.split('/');
    if (parts.length > 2 && SOURCE_ROOTS.has(parts[0] as string)) rootsWithModules.add(parts[0] as string);
  }
  return kept.map((file) => ({ file, module: moduleOf(file, rootsWithModules) }));
}

/** The folders of a file list as owners, so history can be read before any contract exists (pure). */
export function folderOwners(files: readonly string[], ignore: readonly string[]): OwningFeature[] {
  const folders = new Set<string>();
  for (const { module } of filesByModule(files, ignore)) if (module) folders.add(module);
  return [...folders].sort().map((m) => ({ id: m, owns: [`${m}/**`] }));
}

/** The repository's layout in a few lines: each folder with its file count, other files by name (pure). */
export function renderLayout(files: readonly string[], ignore: readonly string[], max = 120): string {
  const counts = new Map<string, number>();
  const others: string[] = [];
  for (const { file, module } of filesByModule(files, ignore)) {
    if (module) counts.set(module, (counts.get(module) ?? 0) + 1);
    else others.push(file);
  }
  const lines = [...counts.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([m, n]) => `- ${m}/ (${n} files)`);
  const shown = lines.slice(0, max);
  if (lines.length > max) shown.push(`- … and ${lines.length - max} more folders`);
  if (others.length) shown.push(`- files in no folder above: ${others.slice(0, 40).join(', ')}`);
  return shown.length ? shown.join('\n') : '- (the repository has no files yet)';
}

/** What history says about folders, for a decomposition not yet written (pure). */
export function renderFolderCoupling(result: CoChangeResult, folderCount: number): string {
  const lines = [`Read the last ${result.commits} non-merge commits.`];
  const pairs = result.pairs.filter((p) => p.support >= 2).slice(0, 15);
  if (pairs.length) {
    lines.push('Folders that change together (put them in one feature, or make one depend on the other):');
    for (const p of pairs) {
      const e = p.examples[0];
      lines.push(
        `- ${p.a} + ${p.b}: ${p.support} shared commits, ${formatPercent(p.confidence)}` +
          `${e ? ` (e.g. ${e.sha} '${escapeControl(e.subject)}')` : ''}`,
      );
    }
  } else lines.push('No two folders changed together often.');
  const need = Math.max(2, Math.ceil(folderCount * 0.3));
  const shared = result.unowned.filter((u) => u.features.length >= need && u.commits >= 2).slice(0, 10);
  if (shared.length) {
    lines.push(
      'Shared files that many folders change with (hotspots: give each to one feature, or say how to avoid editing them):',
    );
    for (const u of shared)
      lines.push(`- ${u.file}: with ${u.features.length} folders in ${u.commits} commits`);
  }
  return lines.join('\n');
}

/** Everything the decomposing agent is told in one round. */
export interface DecomposeTaskInput {
  spec: string;
  specsDir: string;
  layout: string;
  coupling: string;
  schema: string;
  features: number | undefined;
  round: number;
  rounds: number;
  /** Lint and coupling findings of the previous round, one per line. */
  findings?: string;
  /** The score of the previous round, as printed. */
  score?: string;
}

/** Writes the task handed to the agent (pure). */
export function buildDecomposeTask(t: DecomposeTaskInput): string {
  const count =
    t.features === undefined
      ? 'as many features as the work needs (usually 2 to 8)'
      : `exactly ${t.features} features`;
  const sections = [
    `# Task: decompose this specification into independent features (round ${t.round} of at most ${t.rounds})`,
    'Several agents will then build the features in parallel, each in its own git worktree, with no coordination. ' +
      'A merge conflict is a decomposition problem: features must not edit the same files.',
    '## Rules',
    [
      `- Write ${count}, one file each: \`${t.specsDir}/<feature_id>/contract.md\` (YAML front matter as in the schema below, then prose for the builder).`,
      `- Write nothing outside \`${t.specsDir}/\`: no source code, no config, no commits of other files. Changes elsewhere make Baton reject the round.`,
      '- feature_id: `feature-NNN-short-name` (lowercase letters, digits, dashes), numbered from 001.',
      '- `owns`: the paths each feature may change. No two features own the same path; files no feature owns stay untouched.',
      '- `depends_on.features`: every feature whose files this one imports or changes together with. Keep the graph shallow: long chains bound the speedup.',
      '- `acceptance_criteria`: measurable checks only (`run:` a command, `http:` with a threshold, `files:`), never vague words.',
      '- `estimate_minutes`: a sequential estimate for each feature.',
      '- If most features would edit one shared file (route table, barrel index, registry), give it to one feature others depend on, or say in the prose that each feature adds its own file to a folder instead.',
    ].join('\n'),
    '## Specification',
    t.spec.trim(),
    '## Repository layout',
    t.layout,
    '## Coupling from the git history',
    t.coupling,
    '## Contract schema (JSON Schema of the front matter)',
    `\`\`\`json\n${t.schema.trim()}\n\`\`\``,
  ];
  if (t.findings !== undefined) {
    sections.push(
      '## Findings on your previous round (fix them by editing the contracts)',
      t.findings.trim() || '- none',
      ...(t.score ? ['## Score of the previous round (lower is better)', t.score.trim()] : []),
    );
  }
  return `${sections.join('\n\n')}\n`;
}
