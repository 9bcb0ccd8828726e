import { posix } from 'node:path';
import type { ExampleCommit, UnownedCoChange } from './co-change.js';

/** What kind of shared file a hotspot is, which decides the fix to suggest. */
export type HotspotKind =
  | 'route-table'
  | 'barrel'
  | 'registry'
  | 'changelog'
  | 'lockfile'
  | 'manifest'
  | 'shared-file';

/** A file no feature owns that most features' files change with: a conflict waiting to happen. */
export interface Hotspot {
  file: string;
  kind: HotspotKind;
  /** Features whose files changed in the same commits, in feature order. */
  features: string[];
  commits: number;
  examples: ExampleCommit[];
  /** The fix the method suggests for this kind of file. */
  fix: string;
}

const LOCKFILES = new Set([
  'package-lock.json',
  'yarn.lock',
  'pnpm-lock.yaml',
  'bun.lockb',
  'Cargo.lock',
  'poetry.lock',
  'Pipfile.lock',
  'uv.lock',
  'Gemfile.lock',
  'composer.lock',
  'go.sum',
]);
const MANIFESTS = new Set([
  'package.json',
  'Cargo.toml',
  'pyproject.toml',
  'go.mod',
  'Gemfile',
  'requirements.txt',
]);

/** Names the kind of a shared file from its path (pure). */
export function classifyHotspot(file: string): HotspotKind {
  const base = posix.basename(file);
  const stem = base.replace(/\.[^.]+$/, '').toLowerCase();
  if (LOCKFILES.has(base)) return 'lockfile';
  if (/^(changelog|changes|history|news|release-notes)$/.test(stem)) return 'changelog';
  if (MANIFESTS.has(base)) return 'manifest';
  if (/^(routes?|router|urls)$/.test(stem) || /\broutes?\b/.test(posix.dirname(file).toLowerCase())) {
    return 'route-table';
  }
  if (/^(index|mod|__init__)$/.test(stem)) return 'barrel';
  if (/(registry|plugins?|commands|handlers|loaders?|features|modules)$/.test(stem)) return 'registry';
  return 'shared-file';
}

const FIXES: Record<HotspotKind, string> = {
  'route-table':
    'turn the route table into a folder that is read at start-up (e.g. src/routes/<feature>.ts, one file per feature), so each feature adds a file instead of editing a shared one',
  barrel:
    'stop re-exporting every feature from one index: import features by path, or load them from a folder each feature adds a file to',
  registry:
    'make the registry a plugin folder scanned at start-up, so each feature registers itself by adding a file',
  changelog:
    'collect one entry file per change (e.g. .changeset/<id>.md) and assemble the changelog at release time',
  lockfile:
    'add dependencies before the run (or in one feature the others depend on), so parallel features never re-resolve the lockfile',
  manifest:
    'settle dependencies and scripts before the run, or give the manifest to one feature the others depend on',
  'shared-file':
    'give the file to one feature and declare the dependency, or split it so each feature adds a file instead of editing a shared one',
};

/**
 * The unowned files at least `share` of the features (and at least two) changed with in at least
 * `minCommits` commits, limited to files that still exist when `existing` is given (pure).
 */
export function findHotspots(
  unowned: readonly UnownedCoChange[],
  options: { featureCount: number; share: number; minCommits: number; existing?: ReadonlySet<string> },
): Hotspot[] {
  const need = Math.max(2, Math.ceil(options.share * options.featureCount));
  const out: Hotspot[] = [];
  for (const u of unowned) {
    if (u.features.length < need || u.commits < options.minCommits) continue;
    if (options.existing && !options.existing.has(u.file)) continue;
    const kind = classifyHotspot(u.file);
    out.push({
      file: u.file,
      kind,
      features: u.features,
      commits: u.commits,
      examples: u.examples,
      fix: FIXES[kind],
    });
  }
  return out;
}
