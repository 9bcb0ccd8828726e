// Shared pieces of the checks tests: contracts built in code, free ports, process liveness.
import { mkdtempSync, readFileSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from '../../src/config.js';
import type { Config } from '../../src/config-schema.js';
import type { Contract, Criterion } from '../../src/contracts/schema.js';
import { isPortFree, PORTS_PER_FEATURE } from '../../src/ports.js';
import { fixture } from '../rig/cli.js';

/** A criterion with its kind inferred the way contract normalisation does. */
export function criterion(c: Omit<Criterion, 'kind'> & { kind?: Criterion['kind'] }): Criterion {
  const kind = c.kind ?? (c.run ? 'run' : c.http ? 'http' : c.files ? 'files' : 'unverifiable');
  return { ...c, kind };
}

/** A normalised contract with the given criteria. */
export function makeContract(
  featureId: string,
  criteria: Criterion[],
  extra: Partial<Omit<Contract, 'feature_id' | 'acceptance_criteria'>> = {},
): Contract {
  return {
    feature_id: featureId,
    title: featureId,
    provides: {},
    owns: [],
    depends_on: { features: [], services: [] },
    acceptance_criteria: criteria,
    body: '',
    file: `specs/${featureId}/contract.md`,
    ...extra,
  };
}

/** A temp folder standing in for a project root: default config, log under `.baton/`. */
export function makeProject(): { root: string; config: Config; logPath: string } {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'baton-checks-')));
  return { root, config: resolveConfig(root, {}), logPath: join(root, '.baton', 'log.jsonl') };
}

/** `serve` command running a fixture server, quoted for the shell. */
export function serveFixture(name: string, env: Record<string, string> = {}): string {
  const vars = Object.entries(env).map(([k, v]) => `${k}=${v} `);
  return `${vars.join('')}${JSON.stringify(process.execPath)} ${JSON.stringify(fixture('checks', name))}`;
}

/**
 * A port base whose first `blocks` feature ports are free right now. Random, so test files running
 * in parallel do not reach for the same ports.
 */
export async function freePortBase(blocks = 1): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 3000) * PORTS_PER_FEATURE;
    const ports = Array.from({ length: blocks }, (_, i) => base + i * PORTS_PER_FEATURE);
    if ((await Promise.all(ports.map((p) => isPortFree(p)))).every(Boolean)) return base;
  }
  throw new Error('no free port block found');
}

/** Whether a process exists and is not a zombie (Linux /proc; `kill 0` elsewhere). */
export function pidAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }
}

/** The `pid N pgid N` a fixture printed into its output. */
export function processIdsIn(output: string): { pid: number; pgid: number } {
  const m = /pid (\d+) pgid (\d+)/.exec(output);
  if (!m) throw new Error(`no process ids in output: ${output}`);
  return { pid: Number(m[1]), pgid: Number(m[2]) };
}
