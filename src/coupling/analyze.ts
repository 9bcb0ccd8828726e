import { readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Config } from '../config-schema.js';
import { compileOwns } from '../contracts/owns.js';
import type { Contract } from '../contracts/schema.js';
import { UserError } from '../errors.js';
import { gitRaw } from '../git/git.js';
import { logArgs } from '../git/log-args.js';
import {
  type CouplingAnalysis,
  type CouplingSettings,
  couplingSettings,
  dependencyOracle,
  judgePairs,
  type UndeclaredImport,
} from './analysis.js';
import {
  type CoChangeResult,
  createCoChangeCounter,
  type ExampleCommit,
  type OwningFeature,
} from './co-change.js';
import { type HistoryRead, readHistory } from './history.js';
import { findHotspots } from './hotspots.js';
import { ImportCache } from './import-cache.js';

/** Inputs of one analysis: where, which features, which files exist now. */
export interface AnalyzeOptions {
  root: string;
  config: Pick<Config, 'coupling' | 'specs' | 'root'>;
  features: readonly Contract[];
  /** Tracked files at HEAD (relative paths). */
  files: readonly string[];
  /** Overrides of the configured settings (command-line flags). */
  settings?: Partial<CouplingSettings>;
  /** Where to keep the imports of unchanged files between runs (e.g. `.baton/cache/imports.json`). */
  cacheFile?: string;
  /** Where to keep the changed paths of commits already read (e.g. `.baton/cache/history.txt`). */
  historyCacheFile?: string;
}

/** Source files above this size are skipped by the import pass (generated bundles, vendored code). */
const MAX_SOURCE_BYTES = 1_000_000;

/**
 * Reads the history (`git log` streams in parallel, and the history cache: `readHistory`) and the owned
 * sources, and judges every pair of features: co-change, undeclared imports, hotspots. The edge around
 * the pure counters.
 */
export async function analyzeCoupling(opts: AnalyzeOptions): Promise<CouplingAnalysis> {
  const settings = { ...couplingSettings(opts.config), ...opts.settings };
  const owning: OwningFeature[] = opts.features.map((c) => ({ id: c.feature_id, owns: c.owns }));
  const history = await readCoChange(opts.root, owning, settings, {
    ignore: specsPrefix(opts.config),
    cacheFile: opts.historyCacheFile,
  });
  const oracle = dependencyOracle(opts.features);
  const existing = new Set(opts.files);
  const cache = ImportCache.open(opts.cacheFile);
  const { undeclared, read } = await findUndeclaredImports(
    opts.root,
    opts.features,
    opts.files,
    oracle.dependsOn,
    cache,
  );
  cache.save();
  return {
    settings,
    commits: history.commits,
    skipped_large: history.skipped_large,
    feature_commits: history.feature_commits,
    pairs: judgePairs(history.pairs, oracle.related, settings),
    undeclared,
    hotspots: findHotspots(history.unowned, {
      featureCount: owning.length,
      share: settings.hotspot_share,
      minCommits: settings.min_support,
      existing,
    }),
    files_read: read,
  };
}

/** Where and how the history pass reads: paths it ignores, its cache, its number of `git log` streams. */
export interface CoChangeOptions {
  /** Path prefixes neither owned nor hotspots (the specs folder, `.baton/`). */
  ignore?: readonly string[];
  cacheFile?: string | undefined;
  streams?: number | undefined;
}

/** Runs the history pass for any set of owners (features, or folders before there are features). */
export async function readCoChange(
  root: string,
  owners: readonly OwningFeature[],
  settings: Pick<CouplingSettings, 'window' | 'max_commit_files'>,
  options: CoChangeOptions = {},
): Promise<CoChangeResult & { read: Omit<HistoryRead, 'exitCode' | 'stderr'> }> {
  const counter = createCoChangeCounter(owners, {
    maxCommitFiles: settings.max_commit_files,
    ignore: options.ignore ?? [],
  });
  const r = await readHistory(
    root,
    { window: settings.window, cacheFile: options.cacheFile, streams: options.streams },
    (c, position) => counter.add(c, position),
  );
  // A repository without commits has no history yet; anything else is a real failure.
  if (r.exitCode !== 0 && !/does not have any commits|bad default revision|unknown revision/.test(r.stderr)) {
    throw new UserError('coupling/git-log', `git log failed: ${r.stderr.trim().split('\n')[0] ?? ''}`, {
      hint: 'Run `git log -n 1` in the repository to see what git says.',
    });
  }
  const { exitCode: _e, stderr: _s, ...read } = r;
  return { ...(await abbreviateExamples(root, counter.result())), read };
}

/** Shortens the example commits' shas as `git log --format=%h` would (one process for all of them). */
async function abbreviateExamples(root: string, result: CoChangeResult): Promise<CoChangeResult> {
  const all = [...result.pairs, ...result.unowned].flatMap((x) => x.examples);
  if (all.length === 0) return result;
  const shas = [...new Set(all.map((e) => e.sha))];
  const r = await gitRaw(
    root,
    logArgs('--no-walk=unsorted', '--stdin', '--format=%H %h'),
    `${shas.join('\n')}\n`,
  );
  const short = new Map<string, string>();
  for (const line of r.stdout.split('\n')) {
    const [full, abbrev] = line.split(' ');
    if (full && abbrev) short.set(full, abbrev);
  }
  const fix = (e: ExampleCommit): ExampleCommit => ({ ...e, sha: short.get(e.sha) ?? e.sha.slice(0, 12) });
  return {
    ...result,
    pairs: result.pairs.map((p) => ({ ...p, examples: p.examples.map(fix) })),
    unowned: result.unowned.map((u) => ({ ...u, examples: u.examples.map(fix) })),
  };
}

/** Reads every owned JS/TS/Python source and reports imports of another feature's files without a dependency. */
async function findUndeclaredImports(
  root: string,
  features: readonly Contract[],
  files: readonly string[],
  dependsOn: (a: string, b: string) => boolean,
  cache: ImportCache,
): Promise<{ undeclared: UndeclaredImport[]; read: number }> {
  const { findImports, isImportSource, loadParser, needsParser, resolveImport } = await import(
    './imports.js'
  );
  const matchers = features.map((c) => ({ id: c.feature_id, match: compileOwns(c.owns) }));
  const ownersOf = (file: string) => matchers.filter((m) => m.match(file)).map((m) => m.id);
  const fileSet = new Set(files);
  const owned = files
    .filter(isImportSource)
    .map((file) => ({ file, owners: ownersOf(file) }))
    .filter((s) => s.owners.length > 0)
    .flatMap(({ file, owners }) => {
      const full = join(root, file);
      const st = statSync(full, { throwIfNoEntry: false });
      return st?.isFile() && st.size <= MAX_SOURCE_BYTES ? [{ file, owners, full, st }] : [];
    });
  // The parser (a native binding) only when a JS/TS file's imports are not in the cache already.
  const parse = owned.some((o) => needsParser(o.file) && !cache.fresh(o.file, o.st.size, o.st.mtimeMs))
    ? await loadParser()
    : undefined;
  const undeclared: UndeclaredImport[] = [];
  let read = 0;
  for (const { file, owners, full, st } of owned) {
    read++;
    const sites = cache.get(file, st.size, st.mtimeMs, () =>
      findImports(file, readFileSync(full, 'utf8'), parse),
    );
    for (const site of sites) {
      const target = resolveImport(file, site.specifier, fileSet);
      if (!target) continue;
      const targetOwners = ownersOf(target);
      // Importing a file the feature itself (co-)owns is never a hidden dependency.
      if (targetOwners.length === 0 || targetOwners.some((t) => owners.includes(t))) continue;
      for (const from of owners) {
        for (const to of targetOwners) {
          if (dependsOn(from, to)) continue;
          undeclared.push({
            from_feature: from,
            to_feature: to,
            file,
            line: site.line,
            source: site.source,
            target,
          });
        }
      }
    }
  }
  return { undeclared, read };
}

function specsPrefix(config: Pick<Config, 'specs' | 'root'>): string[] {
  const rel = relative(config.root, config.specs).split('\\').join('/');
  return rel && !rel.startsWith('..') ? [`${rel}/`, '.baton/'] : ['.baton/'];
}
