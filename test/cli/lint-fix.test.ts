import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runBaton } from '../rig/cli.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});
function repo(files: Record<string, string>): TempRepo {
  const r = makeRepo(files);
  repos.push(r);
  return r;
}

const FILE = 'specs/f/contract.md';
const FLOW = `{ url: "http://127.0.0.1:${'$'}{PORT}/b", p95_ms: 40 }`;
const contract = (...criteria: string[]) =>
  [
    '---',
    'feature_id: f',
    'provides: { api: ["GET /b"] }',
    'owns: ["src/f/**"]',
    'serve: node s.js',
    'acceptance_criteria:',
    ...criteria,
    '---',
    '',
  ].join('\n');

describe('baton lint --fix', () => {
  it('keeps every field and the trailing comment of a flow-mapping criterion', async () => {
    const line =
      '  - {id: flow, text: "GET /b p95 < 40 ms", after: integration, timeout_s: 5}   # merged tree only';
    const r = repo({ [FILE]: contract(line) });
    const out = await runBaton(['lint', '--fix', '--no-coupling'], { cwd: r.root });
    expect(out.stdout).toContain(`${FILE}:7: fixed: flow now has \`http: ${FLOW}\``);
    expect(readFileSync(join(r.root, FILE), 'utf8')).toBe(
      contract(
        `  - {id: flow, text: "GET /b p95 < 40 ms", after: integration, timeout_s: 5, http: ${FLOW} }   # merged tree only`,
      ),
    );
  });

  it('fixes a valid contract when another contract is invalid', async () => {
    const r = repo({
      [FILE]: contract('  - GET /b p95 < 40 ms'),
      'specs/g/contract.md': '---\nfeature_id: g\nowns: 3\n---\n',
    });
    const out = await runBaton(['lint', '--fix', '--no-coupling'], { cwd: r.root });
    expect(out.code).toBe(1);
    expect(out.stdout).toContain(`${FILE}:7: fixed: c1 now has`);
    expect(out.stdout).toContain('owns: expected array');
    expect(readFileSync(join(r.root, FILE), 'utf8')).toContain(`http: ${FLOW}`);
  });

  it('fixes a CRLF contract keeping its CRLF line ends', async () => {
    const r = repo({ [FILE]: contract('  - GET /b p95 < 40 ms').replace(/\n/g, '\r\n') });
    const out = await runBaton(['lint', '--fix', '--no-coupling'], { cwd: r.root });
    expect(out.stdout).toContain(`${FILE}:7: fixed: c1 now has`);
    expect(out.stdout).toContain('1 contract: no problems');
    const text = readFileSync(join(r.root, FILE), 'utf8');
    expect(text).toBe(
      contract(`  - { id: c1, text: "GET /b p95 < 40 ms", http: ${FLOW} }`).replace(/\n/g, '\r\n'),
    );
  });

  it('says which criteria it could not fix, and why, and leaves them as written', async () => {
    const text = contract('  - &lat GET /b p95 < 40 ms', '  - { id: again, text: *lat }');
    const r = repo({ [FILE]: text });
    const out = await runBaton(['lint', '--fix', '--no-coupling'], { cwd: r.root });
    // The alias inside a flow mapping is kept as written, so that criterion can be fixed.
    expect(out.stdout).toContain(`${FILE}:8: fixed: again now has`);
    expect(out.stdout).toContain('could not fix 1 criterion:');
    expect(out.stdout).toContain(
      `  ${FILE}:7: c1: it uses a YAML anchor, alias or tag, which an edit could break; give it \`http: ${FLOW}\` by hand`,
    );
    expect(readFileSync(join(r.root, FILE), 'utf8')).toBe(
      contract('  - &lat GET /b p95 < 40 ms', `  - { id: again, text: *lat, http: ${FLOW} }`),
    );
    const json = JSON.parse(
      (await runBaton(['lint', '--fix', '--json', '--no-coupling'], { cwd: r.root })).stdout,
    );
    expect(json.fixed).toEqual([]);
    expect(json.not_fixed.map((f: { criterion: string }) => f.criterion)).toEqual(['c1']);
  });
});
