import { stringify } from 'yaml';

/** A contract for tests: the fields that matter, the rest defaulted. */
export interface TestContract {
  id: string;
  title?: string;
  owns?: string[];
  depends?: string[];
  agent?: string | { command: string };
  /** A string is a criterion in words only (unverifiable). */
  criteria?: Array<Record<string, unknown> | string>;
  estimate?: number;
  serve?: string;
  timeout_minutes?: number;
  retries?: number;
}

/** Renders a contract.md with YAML front matter. */
export function contractText(c: TestContract): string {
  const front: Record<string, unknown> = {
    feature_id: c.id,
    title: c.title ?? `Feature ${c.id}`,
    owns: c.owns ?? [`src/${c.id}/**`],
    depends_on: { features: c.depends ?? [] },
    acceptance_criteria: c.criteria ?? [],
  };
  if (c.agent !== undefined) front.agent = c.agent;
  if (c.estimate !== undefined) front.estimate_minutes = c.estimate;
  if (c.serve !== undefined) front.serve = c.serve;
  if (c.timeout_minutes !== undefined) front.timeout_minutes = c.timeout_minutes;
  if (c.retries !== undefined) front.retries = c.retries;
  return `---\n${stringify(front)}---\nBuild ${c.id}.\n`;
}

/** Files (path → text) for a set of contracts under specs/. */
export function contractFiles(contracts: TestContract[]): Record<string, string> {
  return Object.fromEntries(contracts.map((c) => [`specs/${c.id}/contract.md`, contractText(c)]));
}

/** A feature whose check wants `OK` in its file; its agent writes `word` there (so `C` fails, `OK` passes). */
export function okCheckedFeature(id: string, word: string): TestContract {
  return {
    id,
    agent: { command: `mkdir -p src/${id} && echo ${word} > src/${id}/x.txt` },
    criteria: [{ text: `src/${id}/x.txt says OK`, run: `grep -q OK src/${id}/x.txt` }],
  };
}

/** A feature whose agent writes `src/<id>/x.txt` and whose one check (`there`) wants that file. */
export function fileWritingFeature(id: string): TestContract {
  return {
    id,
    agent: { command: `mkdir -p src/${id} && echo ${id} > src/${id}/x.txt` },
    criteria: [{ id: 'there', text: 'its file is there', run: `test -f src/${id}/x.txt` }],
  };
}
