import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Config } from '../config-schema.js';
import { type Diagnostic, type Result, UserError } from '../errors.js';
import { readRegularText, type TextRead, type TextUnread } from '../open-regular.js';
import { unknownDependencies } from './lint.js';
import { misplacedContract } from './misplaced.js';
import { parseContract } from './parse.js';
import { ParseCache } from './parse-cache.js';
import type { SalvagedContract } from './salvage.js';
import type { Contract } from './schema.js';
import { type LinkedOutside, linkedFileOutside, linkedFolder, linkOutside } from './spec-links.js';

/** The most a contract may hold: a contract is a page of fields, far below this. */
export const MAX_CONTRACT_BYTES = 1024 * 1024;
/** The most a spec may hold (a feature's `spec.md`, the spec `baton decompose` reads): it goes whole into an agent's task. */
export const MAX_SPEC_BYTES = 1024 * 1024;

/** How contracts are loaded. */
export interface LoadContractsOptions {
  /** A cache file for parse results of unchanged contracts (e.g. `.baton/cache/contracts.json`); none by default. */
  cacheFile?: string;
}

/** Every contract of the specs folder read: the ones that parsed, and the problems of the others. */
export interface ContractsRead {
  /** The contracts that parsed, in folder-name order (a folder's `spec.md` attached). */
  contracts: Contract[];
  /** Why the others did not parse (with their warnings, so one pass shows every problem). */
  errors: Diagnostic[];
  /** What validated of the contracts that did not parse, for lint's rules on those parts. */
  salvaged: SalvagedContract[];
  warnings: Diagnostic[];
  /** Every feature folder's name (those without a contract.md too), in name order. */
  folders: string[];
  /**
   * The feature ids the folder declares, in folder order: each parsed contract's id, and for a contract that
   * did not parse, its folder's name (the id it most likely has).
   */
  declared: string[];
}

/**
 * Reads and parses `<config.specs>/*\/contract.md` (with sibling `spec.md`), in folder-name order, keeping
 * the contracts that parse when others do not; fails only when the specs folder cannot be listed.
 */
export async function readContracts(
  config: Config,
  options: LoadContractsOptions = {},
): Promise<Result<ContractsRead>> {
  const specsRel = relative(config.root, config.specs) || '.';
  const listed = listFeatureFolders(config.root, config.specs, specsRel);
  if (!listed.ok) return listed;
  const { refused: refusedLinks, folders, files } = listed.value;
  const knownIds = new Set(folders);
  // Read synchronously: a few hundred small files cost less read in a row than as promises, each of
  // which is four trips to the thread pool and back (seconds on a busy machine).
  const read = folders.map((folder) => {
    const dir = join(config.specs, folder);
    const refused = refusedLinks.get(folder);
    if (refused) return { folder, dir, refused, contract: undefined, spec: undefined };
    const contract = readFeatureFile(config.root, dir, 'contract');
    const spec = readFeatureFile(config.root, dir, 'spec');
    return { folder, dir, refused: undefined, contract, spec };
  });

  const cache = options.cacheFile === undefined ? undefined : ParseCache.open(options.cacheFile);
  const out: ContractsRead = { contracts: [], errors: [], salvaged: [], warnings: [], folders, declared: [] };
  for (const { folder, dir, refused, contract: contractRead, spec: specRead } of read) {
    if (refused) {
      // Declared all the same, so a dependent is not told its dependency is unknown as well.
      out.errors.push(refused);
      out.declared.push(folder);
      continue;
    }
    const file = relative(config.root, join(dir, 'contract.md'));
    const spec = typeof specRead === 'object' ? undefined : specRead;
    if (typeof specRead === 'object') out.errors.push(specRead);
    if (typeof contractRead === 'object') {
      out.errors.push(contractRead);
      out.declared.push(folder);
      continue;
    }
    const contract = contractRead;
    if (contract === undefined) {
      out.warnings.push(missingContract(relative(config.root, dir), dir, specsRel));
      continue;
    }
    const key = cache ? ParseCache.keyOf(contract, knownIds) : '';
    const cached = cache?.get(file, key);
    const parsed = cached ?? parseContract(contract, file, { knownIds });
    if (cache && !cached && parsed.ok) cache.set(file, key, parsed);
    if (!parsed.ok) {
      out.errors.push(...parsed.errors);
      if (parsed.salvaged) out.salvaged.push(parsed.salvaged);
      out.declared.push(folder);
      continue;
    }
    out.warnings.push(...parsed.warnings);
    const value = spec === undefined ? parsed.value : { ...parsed.value, spec };
    if (value.feature_id !== folder) out.warnings.push(folderMismatch(value, folder, file, specsRel));
    out.contracts.push(value);
    out.declared.push(value.feature_id);
  }
  cache?.save();
  out.warnings.push(...misplacedContracts(config.specs, specsRel, files));
  return { ok: true, value: out, warnings: [] };
}

/** Reads and parses `<config.specs>/*\/contract.md` (with sibling `spec.md`), in folder-name order; all or nothing. */
export async function loadContracts(
  config: Config,
  options: LoadContractsOptions = {},
): Promise<Result<Contract[]>> {
  const read = await readContracts(config, options);
  if (!read.ok) return read;
  const { contracts, errors, warnings, folders } = read.value;
  if (errors.length > 0) {
    // The plan, which checks dependencies, will not be built: check them here so one pass shows both.
    return {
      ok: false,
      errors: [...errors, ...unknownDependencies(contracts, new Set(folders)), ...warnings],
    };
  }
  return { ok: true, value: contracts, warnings };
}

function folderMismatch(value: Contract, folder: string, file: string, specsRel: string): Diagnostic {
  const pos = value.positions?.feature_id;
  return {
    severity: 'warning',
    code: 'contracts/folder-mismatch',
    message: `feature_id "${value.feature_id}" differs from its folder name "${folder}"`,
    location: { file, ...(pos ? { line: pos.line, column: pos.column } : {}) },
    ...(pos ? { source: pos.source } : {}),
    hint: `Rename the folder to ${specsRel}/${value.feature_id}/ so paths and ids agree.`,
  };
}

/**
 * The feature folders of the specs folder, in name order (hidden ones left out), or why it cannot be
 * read. A symbolic link to a folder inside the repository is a feature folder like any other; one
 * that leads outside it, or to nothing, is listed with the error that refuses it (`refused`), never
 * skipped in silence. A link to a file is left aside; the regular files there are listed (`files`),
 * for `misplacedContracts` to look at.
 */
function listFeatureFolders(
  root: string,
  specs: string,
  specsRel: string,
): Result<{ folders: string[]; refused: Map<string, Diagnostic>; files: string[] }> {
  let entries: { name: string; isDirectory(): boolean; isFile(): boolean; isSymbolicLink(): boolean }[];
  try {
    entries = readdirSync(specs, { withFileTypes: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return {
      ok: false,
      errors: [
        {
          severity: 'error',
          code: code === 'ENOENT' ? 'contracts/no-specs' : 'contracts/unreadable',
          message:
            code === 'ENOENT'
              ? `no specs folder: ${specsRel}/ does not exist`
              : `cannot read ${specsRel}/: ${(err as Error).message}`,
          location: { file: specsRel },
          hint: 'Run `baton init` to set up the project, or `baton new <name>` to write a first contract.',
        },
      ],
    };
  }
  const folders: string[] = [];
  const files: string[] = [];
  const refused = new Map<string, Diagnostic>();
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    if (e.isDirectory()) folders.push(e.name);
    if (e.isFile()) files.push(e.name);
    if (!e.isSymbolicLink()) continue;
    const link = linkedFolder(root, join(specs, e.name), `${specsRel}/${e.name}`);
    if (link === 'file') continue;
    folders.push(e.name);
    if (link !== 'inside') refused.set(e.name, link);
  }
  return { ok: true, value: { folders: folders.sort(), refused, files: files.sort() }, warnings: [] };
}

/**
 * The warnings for the contracts written directly in the specs folder (`misplacedContract`), which are
 * not read: each regular file there is read as a contract would be, but never through a link.
 */
function misplacedContracts(specs: string, specsRel: string, files: readonly string[]): Diagnostic[] {
  return files.flatMap((name) => {
    if (!/\.md$/i.test(name)) return [];
    const read = readRegularText(join(specs, name), { maxBytes: MAX_CONTRACT_BYTES, what: 'a contract' });
    const found = read.ok ? misplacedContract(`${specsRel}/${name}`, read.text, specsRel) : undefined;
    return found ? [found] : [];
  });
}

/** A feature's contract.md or spec.md read: its text, or why not (a link out of the repository among the reasons). */
export type FeatureFileRead = TextRead | LinkedOutside;

/** Why a feature's contract.md or spec.md was not read. */
type FeatureFileUnread = Extract<FeatureFileRead, { ok: false }>;

/**
 * A contract file at `path` read as every reader of one reads it (the loader, `lint --fix`, the dashboard,
 * a queued run): see `readFeatureText`. `root` is the repository it must not lead out of.
 */
export function readContractFile(root: string, path: string): FeatureFileRead {
  return readFeatureText(root, path, 'contract');
}

/**
 * A feature's contract.md or spec.md read as every reader of one reads it, the one place that says how:
 * never through a symbolic link to a file outside the repository at `root` (refused unread, DESIGN §6:
 * the text goes into an agent's task or onto a page), a link inside it followed; a regular file (a FIFO
 * is never waited on, a folder, a device or a dangling symlink is told as such) of at most
 * MAX_CONTRACT_BYTES (MAX_SPEC_BYTES for a spec), BOM dropped.
 */
function readFeatureText(root: string, path: string, what: 'contract' | 'spec'): FeatureFileRead {
  const outside = linkedFileOutside(root, path, what);
  if (outside) return outside;
  return what === 'contract'
    ? readRegularText(path, { maxBytes: MAX_CONTRACT_BYTES, what: 'a contract', followLinks: true })
    : readRegularText(path, { maxBytes: MAX_SPEC_BYTES, what: 'a spec', followLinks: true });
}

/**
 * The text of a contract read again after it loaded (to send it or edit it), or a user error naming
 * what is there now instead; `file` is its path as shown, relative to the repository `root`.
 */
export function rereadContract(root: string, file: string): string {
  const read = readContractFile(root, join(root, file));
  if (read.ok) return read.text;
  const diagnostic = unreadable(file, read, 'contract');
  // No location here to name the file: the message does.
  const message = `${file} ${read.problem}`;
  throw new UserError(diagnostic.code, message, diagnostic.hint ? { hint: diagnostic.hint } : {});
}

/**
 * A feature folder's contract.md or spec.md: its text, undefined when there is none, or the error
 * refusing it (it cannot be read, or it is a link to a file outside the repository, never read).
 */
function readFeatureFile(
  root: string,
  dir: string,
  what: 'contract' | 'spec',
): string | undefined | Diagnostic {
  const path = join(dir, `${what}.md`);
  const file = relative(root, path);
  const read = readFeatureText(root, path, what);
  if (read.ok) return read.text;
  return read.reason === 'missing' ? undefined : unreadable(file, read, what);
}

/**
 * The error for a contract or spec that is there but cannot be read, located at its path (which the
 * message leaves to the location, so it is said once: `specs/a/spec.md: error: the spec is a FIFO, …`),
 * or refused as a link out of the repository (`contracts/link-outside`).
 */
function unreadable(file: string, read: FeatureFileUnread, what: 'contract' | 'spec'): Diagnostic {
  if (read.reason === 'link-outside') return linkOutside(file, read.problem, 'file');
  const { reason, problem } = read;
  return {
    severity: 'error',
    code:
      reason === 'not-regular'
        ? 'contracts/not-a-file'
        : reason === 'too-large'
          ? 'contracts/too-large'
          : 'contracts/unreadable',
    message: `the ${what} ${problem}`,
    location: { file },
    hint: unreadableHint(file, reason, what),
  };
}

/** What to do about a contract or spec that cannot be read. */
function unreadableHint(file: string, reason: TextUnread['reason'], what: 'contract' | 'spec'): string {
  if (reason === 'unreadable') return `Make ${file} readable (check its permissions).`;
  if (what === 'spec') {
    return reason === 'too-large'
      ? `Keep ${file} to what the agent must know (at most 1 MiB); move the rest elsewhere.`
      : `Move what is at ${file} out of the way and write the feature's spec there as a regular text file, or leave none (a spec is optional).`;
  }
  return reason === 'too-large'
    ? `Keep ${file} to the fields and a short description (at most 1 MiB); move the rest to spec.md or elsewhere.`
    : `Move what is at ${file} out of the way and write a regular text file there (\`baton new <name>\` writes a contract).`;
}

/**
 * The warning for a folder of the specs folder without a contract.md: it is skipped, and so is any
 * contract one level below it (a feature folder sits directly in the specs folder), named with where
 * to move it.
 */
function missingContract(rel: string, dir: string, specsRel: string): Diagnostic {
  let nested: string[] = [];
  try {
    nested = readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory() && existsSync(join(dir, e.name, 'contract.md')))
      .map((e) => e.name)
      .sort();
  } catch {
    // unreadable: said as a folder without a contract
  }
  const base = { severity: 'warning' as const, code: 'contracts/missing-contract', location: { file: rel } };
  if (nested.length === 0) {
    return {
      ...base,
      message: `${rel}/ has no contract.md; the folder is skipped`,
      hint: `Write ${rel}/contract.md, or move the folder out of ${specsRel}/.`,
    };
  }
  const shown = nested.slice(0, 5).map((n) => `${rel}/${n}/contract.md`);
  if (nested.length > 5) shown.push(`… and ${nested.length - 5} more`);
  return {
    ...base,
    message: `${rel}/ has no contract.md; the folder is skipped, and the contracts one level below it with it: ${shown.join(', ')}`,
    hint: `A feature's folder sits directly in ${specsRel}/: move ${nested.length === 1 ? 'it' : 'each'} up (${rel}/${nested[0]}/ to ${specsRel}/${nested[0]}/).`,
  };
}
