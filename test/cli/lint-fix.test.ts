import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type FixOutcome, fixContract } from '../../src/cli/lint-fix.js';
import { loadConfig } from '../../src/config.js';
import { readContracts } from '../../src/contracts/load.js';
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

  it('writes the percentile the words state, and no check for one it cannot hold, saying why', async () => {
    const r = repo({
      [FILE]: contract(
        '  - GET /b median latency < 50 ms',
        '  - GET /b 99th percentile under 300 ms',
        '  - GET /b p99.9 < 400ms',
        '  - GET /b responds in < 0ms (p95)',
      ),
    });
    const out = await runBaton(['lint', '--fix', '--no-coupling'], { cwd: r.root });
    const check = (p: string, ms: number) => `{ url: "http://127.0.0.1:${'$'}{PORT}/b", p${p}_ms: ${ms} }`;
    expect(out.stdout).toContain(`${FILE}:7: fixed: c1 now has \`http: ${check('50', 50)}\``);
    expect(out.stdout).toContain(`${FILE}:8: fixed: c2 now has \`http: ${check('99', 300)}\``);
    expect(out.stdout).not.toContain('could not fix');
    expect(out.stdout).toContain(
      'hint: Baton cannot measure it as written: it asks for p99.9, and an http check measures p50, p95 or p99 only.',
    );
    expect(out.stdout).toContain(
      'hint: Baton cannot measure it as written: its threshold is 0 ms, and a check needs one above 0.',
    );
    expect(out.stdout).not.toContain('_ms: 0');
    expect(readFileSync(join(r.root, FILE), 'utf8')).toBe(
      contract(
        `  - { id: c1, text: "GET /b median latency < 50 ms", http: ${check('50', 50)} }`,
        `  - { id: c2, text: "GET /b 99th percentile under 300 ms", http: ${check('99', 300)} }`,
        '  - GET /b p99.9 < 400ms',
        '  - GET /b responds in < 0ms (p95)',
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

  it.each([
    ['LF', '\n'],
    ['CRLF', '\r\n'],
  ])('keeps the byte order mark of a %s contract, and its line ends', async (_, eol) => {
    const bom = '\uFEFF';
    const r = repo({ [FILE]: bom + contract('  - GET /b p95 < 40 ms').replace(/\n/g, eol) });
    const out = await runBaton(['lint', '--fix', '--no-coupling'], { cwd: r.root });
    expect(out.stdout).toContain(`${FILE}:7: fixed: c1 now has`);
    const text = readFileSync(join(r.root, FILE), 'utf8');
    expect(text).toBe(
      bom + contract(`  - { id: c1, text: "GET /b p95 < 40 ms", http: ${FLOW} }`).replace(/\n/g, eol),
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

  it('says which endpoints the one check leaves out, in --fix and in the hint', async () => {
    const text = contract('  - GET requests < 100ms (p95)').replace('["GET /b"]', '["GET /a", "GET /b"]');
    const r = repo({ [FILE]: text });
    const note = '; it measures one endpoint: GET /b is not covered (a criterion per endpoint measures it)';
    const lint = await runBaton(['lint', '--no-coupling'], { cwd: r.root });
    expect(lint.stdout).toContain(`(\`baton lint --fix\` writes the check)${note}.`);
    const out = await runBaton(['lint', '--fix', '--no-coupling'], { cwd: r.root });
    const check = `http: { url: "http://127.0.0.1:${'$'}{PORT}/a", p95_ms: 100 }`;
    expect(out.stdout).toContain(`${FILE}:7: fixed: c1 now has \`${check}\`${note}`);
  });

  it('promises --fix in the hint only where --fix writes the check: an anchored block mapping it writes, an anchored scalar it cannot', async () => {
    const text = contract(
      '  - &anch',
      '    id: lat2',
      '    text: GET /b p95 < 50 ms',
      '  - &lat GET /b p95 < 40 ms',
    );
    const r = repo({ [FILE]: text });
    const lint = await runBaton(['lint', '--no-coupling'], { cwd: r.root });
    expect(lint.stdout).toContain(
      '(`baton lint --fix` cannot write it: it uses a YAML anchor, alias or tag, which an edit could break).',
    );
    expect(lint.stdout.match(/`baton lint --fix` writes the check/g)).toHaveLength(1);
    const out = await runBaton(['lint', '--fix', '--no-coupling'], { cwd: r.root });
    expect(out.stdout).toContain(`${FILE}:8: fixed: lat2 now has`);
    expect(out.stdout).toContain('could not fix 1 criterion:');
    expect(readFileSync(join(r.root, FILE), 'utf8')).toBe(
      contract(
        '  - &anch',
        '    id: lat2',
        '    text: GET /b p95 < 50 ms',
        `    http: { url: "http://127.0.0.1:${'$'}{PORT}/b", p95_ms: 50 }`,
        '  - &lat GET /b p95 < 40 ms',
      ),
    );
  });

  it('refuses a contract.md that is a symlink out of the repository, writing nothing', async () => {
    const r = repo({ 'README.md': '# x\n' });
    const outside = join(dirname(r.root), 'outside.md');
    const text = contract('  - GET /b p95 < 40 ms');
    writeFileSync(outside, text);
    mkdirSync(join(r.root, 'specs/f'), { recursive: true });
    symlinkSync(outside, join(r.root, FILE));
    const out = await runBaton(['lint', '--fix', '--no-coupling'], { cwd: r.root });
    expect(out.code).toBe(1);
    // The contract is refused as it is read (no contract is read from outside the repository), before any fix.
    expect(out.stdout + out.stderr).toContain(
      `${FILE} is a symbolic link to ${outside}, a file outside the repository; Baton reads no contract from outside it [contracts/link-outside]`,
    );
    expect(readFileSync(outside, 'utf8')).toBe(text);
  });

  it('leaves alone a contract.md that became a symlink out of the repository after it loaded, reading nothing there', async () => {
    const text = contract('  - GET /b p95 < 40 ms');
    const r = repo({ [FILE]: text });
    const config = loadConfig(r.root);
    if (!config.ok) throw new Error('bad config');
    const read = await readContracts(config.value);
    if (!read.ok) throw new Error('contracts did not read');
    const [loaded] = read.value.contracts;
    if (!loaded) throw new Error('no contract');
    // Between the load and the fix, the file is replaced by a link to a file outside the repository.
    const outside = join(dirname(r.root), 'outside.md');
    writeFileSync(outside, text);
    rmSync(join(r.root, FILE));
    symlinkSync(outside, join(r.root, FILE));
    const outcome: FixOutcome = { applied: [], skipped: [] };
    fixContract(r.root, loaded, new Set(read.value.folders), outcome);
    expect(outcome.applied).toEqual([]);
    expect(outcome.skipped.map((s) => s.reason)).toEqual([
      `the file is a symbolic link to ${outside}, a file outside the repository; Baton reads no contract from outside it`,
    ]);
    expect(readFileSync(outside, 'utf8')).toBe(text);
  });
});
