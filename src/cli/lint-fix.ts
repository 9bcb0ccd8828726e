import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../config.js';
import { readContractFile, readContracts } from '../contracts/load.js';
import { applyHttpFix, changedFields, type HttpFix, httpFixes, uncoveredNote } from '../contracts/measure.js';
import { parseContract } from '../contracts/parse.js';
import type { Contract } from '../contracts/schema.js';
import { findMainWorktree } from '../git/git.js';
import { escapeControl } from '../text/escape.js';
import { refuseUnsafeWrite, writeInProject } from './project-writes.js';

/** One criterion `lint --fix` gave a check, for the message. */
export interface AppliedFix {
  file: string;
  line: number | undefined;
  criterion: string;
  check: string;
  needsServe: boolean;
  /** The endpoints the criterion names that the one check does not measure. */
  uncovered: string[];
}

/** One criterion `lint --fix` could have given a check but left alone, and why. */
export interface SkippedFix {
  file: string;
  line: number | undefined;
  criterion: string;
  check: string;
  reason: string;
}

/** What `lint --fix` did: the criteria it gave a check and the ones it could not. */
export interface FixOutcome {
  applied: AppliedFix[];
  skipped: SkippedFix[];
}

/**
 * Writes the `http:` check into each prose criterion that one can measure, contract by contract; a fix is
 * kept only when the edited file still parses and the criterion then has that check and every field it had.
 * Contracts that parse are fixed even when others do not (lint reports those).
 */
export async function fixContracts(cwd: string): Promise<FixOutcome> {
  const root = await findMainWorktree(cwd);
  const config = loadConfig(root);
  const outcome: FixOutcome = { applied: [], skipped: [] };
  if (!config.ok) return outcome;
  const read = await readContracts(config.value);
  if (!read.ok) return outcome;
  // Parsed as `readContracts` did, so a heading-form contract's dependencies read the same after the edit.
  const knownIds = new Set(read.value.folders);
  const toFix = read.value.contracts.filter((c) => httpFixes(c).length > 0);
  // Every file checked before the first is written: a contract.md that is a symlink out of the
  // repository (or not writable) stops the fix with nothing written.
  for (const contract of toFix) refuseUnsafeWrite('lint --fix', root, join(root, contract.file));
  for (const contract of toFix) fixContract(root, contract, knownIds, outcome);
  return outcome;
}

/**
 * Writes the checks `fixContracts` found into one contract loaded a moment ago, read again from its file
 * as every contract reader reads it (never through a link out of the repository): when what is there now
 * cannot be read so, it is left alone and each of its fixes is told why (`outcome.skipped`).
 */
export function fixContract(
  root: string,
  contract: Contract,
  knownIds: ReadonlySet<string>,
  outcome: FixOutcome,
): void {
  const path = join(root, contract.file);
  const read = readContractFile(root, path);
  if (!read.ok) {
    // Replaced since it was read a moment ago (by a FIFO, or a link out of the repository): left alone, each fix told why.
    for (const fix of httpFixes(contract)) {
      const line = contract.positions?.[`acceptance_criteria.${fix.index}`]?.line;
      const where = { file: contract.file, line, criterion: fix.criterion.id, check: `http: ${fix.flow}` };
      outcome.skipped.push({ ...where, reason: `the file ${read.problem}` });
    }
    return;
  }
  let text = read.text;
  let current = contract;
  // One at a time, re-parsing after each, so every fix is placed by up-to-date positions.
  for (const { index } of httpFixes(contract)) {
    const fix = httpFixes(current).find((f) => f.index === index);
    if (!fix) continue;
    const line = current.positions?.[`acceptance_criteria.${index}`]?.line;
    const where = { file: contract.file, line, criterion: fix.criterion.id, check: `http: ${fix.flow}` };
    const edited = tryFix(text, current, fix, knownIds);
    if (!edited.ok) {
      outcome.skipped.push({ ...where, reason: edited.reason });
      continue;
    }
    outcome.applied.push({ ...where, needsServe: fix.needsServe, uncovered: fix.uncovered });
    text = edited.text;
    current = edited.contract;
  }
  // The file as it was around the fix: its byte order mark kept (the reader drops it), its CRLF kept by the edit.
  const bom = read.bom ? '\uFEFF' : '';
  if (current !== contract) writeInProject('lint --fix', root, path, () => writeFileSync(path, bom + text));
}

/** The text with one fix written in and re-read, or why it is not kept. */
function tryFix(
  text: string,
  contract: Contract,
  fix: HttpFix,
  knownIds: ReadonlySet<string>,
): { ok: true; text: string; contract: Contract } | { ok: false; reason: string } {
  const edited = applyHttpFix(text, contract, fix);
  if (!edited.ok) return edited;
  const reparsed = parseContract(edited.text, contract.file, { knownIds });
  if (!reparsed.ok) return { ok: false, reason: 'the edited contract would not parse' };
  const after = reparsed.value.acceptance_criteria[fix.index];
  if (after?.kind !== 'http') return { ok: false, reason: 'the edit would not give it the check' };
  const changed = changedFields(fix.criterion, after);
  if (changed.length > 0) {
    return { ok: false, reason: `the edit would change its ${changed.map((f) => `\`${f}\``).join(', ')}` };
  }
  if (restOf(reparsed.value, fix.index) !== restOf(contract, fix.index)) {
    return { ok: false, reason: 'the edit would change other fields of the contract' };
  }
  return { ok: true, text: edited.text, contract: reparsed.value };
}

/** A contract's fields but one criterion, as JSON (not where they were written, nor the text around them). */
function restOf(c: Contract, index: number): string {
  const criteria = c.acceptance_criteria.filter((_, i) => i !== index);
  return JSON.stringify({ ...c, body: '', spec: '', positions: {}, acceptance_criteria: criteria });
}

/** What `lint --fix` did, in lines: each check written, then each criterion left alone and why. */
export function renderFixOutcome({ applied, skipped }: FixOutcome): string {
  const at = (f: { file: string; line: number | undefined }) =>
    escapeControl(`${f.file}${f.line ? `:${f.line}` : ''}`);
  const lines = applied.map((f) => {
    const serve = f.needsServe ? '; add `serve:` (the command that starts the server on $PORT)' : '';
    return `${at(f)}: fixed: ${escapeControl(f.criterion)} now has \`${f.check}\`${serve}${escapeControl(uncoveredNote(f))}`;
  });
  if (skipped.length > 0) {
    lines.push(`could not fix ${skipped.length} criteri${skipped.length === 1 ? 'on' : 'a'}:`);
    for (const f of skipped) {
      lines.push(`  ${at(f)}: ${escapeControl(f.criterion)}: ${f.reason}; give it \`${f.check}\` by hand`);
    }
  }
  return lines.length > 0 ? `${lines.join('\n')}\n\n` : '';
}
