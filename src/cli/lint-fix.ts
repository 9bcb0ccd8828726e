import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../config.js';
import { loadContracts } from '../contracts/load.js';
import { applyHttpFix, httpFixes } from '../contracts/measure.js';
import { parseContract } from '../contracts/parse.js';
import { findMainWorktree } from '../git/git.js';

/** One criterion `lint --fix` gave a check, for the message. */
export interface AppliedFix {
  file: string;
  line: number | undefined;
  criterion: string;
  check: string;
  needsServe: boolean;
}

/**
 * Writes the `http:` check into each prose criterion that one can measure, contract by contract; a fix is
 * kept only when the edited file still parses and the criterion then has that check.
 */
export async function fixContracts(cwd: string): Promise<AppliedFix[]> {
  const root = await findMainWorktree(cwd);
  const config = loadConfig(root);
  if (!config.ok) return [];
  const loaded = await loadContracts(config.value);
  if (!loaded.ok) return [];
  const applied: AppliedFix[] = [];
  for (const contract of loaded.value) {
    const path = join(root, contract.file);
    let text = readFileSync(path, 'utf8');
    let current = contract;
    // One at a time, re-parsing after each, so every fix is placed by up-to-date positions.
    for (const { index } of httpFixes(contract)) {
      const fix = httpFixes(current).find((f) => f.index === index);
      if (!fix) continue;
      const edited = applyHttpFix(text, current, fix);
      if (edited === undefined) continue;
      const reparsed = parseContract(edited, contract.file);
      if (!reparsed.ok || reparsed.value.acceptance_criteria[index]?.kind !== 'http') continue;
      applied.push({
        file: contract.file,
        line: current.positions?.[`acceptance_criteria.${index}`]?.line,
        criterion: fix.criterion.id,
        check: `http: ${fix.flow}`,
        needsServe: fix.needsServe,
      });
      text = edited;
      current = reparsed.value;
    }
    if (current !== contract) writeFileSync(path, text);
  }
  return applied;
}
