import { execFileSync, spawn } from 'node:child_process';
import { appendFileSync, existsSync, lstatSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { LogEvent } from '../../src/log/events.js';
import type { Report } from '../../src/metrics/types.js';
import { phase, toJsonl } from '../metrics/log-builder.js';
import { interruptedRun, tableRow } from '../report/scenarios.js';
import { runBaton } from '../rig/cli.js';
import { contractFiles, type TestContract } from '../rig/contracts.js';
import { deadRunLines, holdRunLock } from '../rig/dead-run.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

const THREE: TestContract[] = [
  { id: 'feature-001-auth', estimate: 60 },
  { id: 'feature-002-catalog', estimate: 60 },
  { id: 'feature-003-cart', estimate: 60 },
];

function repoWith(files: Record<string, string>, log?: string): TempRepo {
  const repo = makeRepo({ 'README.md': '# app\n', ...files });
  repos.push(repo);
  if (log !== undefined) {
    mkdirSync(join(repo.root, '.baton'), { recursive: true });
    writeFileSync(join(repo.root, '.baton', 'log.jsonl'), log);
  }
  return repo;
}

/** The methodology's phases: 30 + 15 + 60 + 25 = 130 min. */
const METHOD_LOG = toJsonl([
  ...phase(0, 30, 'specification'),
  ...phase(40, 55, 'planning'),
  ...phase(60, 120, 'implementation'),
  ...phase(130, 155, 'integration'),
]);
const METHOD_CONFIG = JSON.stringify({ estimates: { specification: 60, planning: 75, integration: 60 } });

describe('baton report', () => {
  it('prints the markdown worksheet from the log, with estimates from contracts and config', async () => {
    const repo = repoWith({ ...contractFiles(THREE), 'baton.config.json': METHOD_CONFIG }, METHOD_LOG);
    const r = await runBaton(['report'], { cwd: repo.root });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(tableRow(r.stdout, 'implementation')).toEqual([
      'implementation',
      '180 min',
      'unknown',
      '60 min',
      '3.0×',
      'unknown',
    ]);
    expect(tableRow(r.stdout, '**Total**')).toEqual([
      '**Total**',
      '**375 min**',
      '**unknown**',
      '**130 min**',
      '**2.9×**',
      '**unknown**',
    ]);
  });

  it('writes --format json or html to --out and prints the path', async () => {
    const repo = repoWith({ ...contractFiles(THREE), 'baton.config.json': METHOD_CONFIG }, METHOD_LOG);
    const json = await runBaton(['report', '--json', '--out', 'out/report.json'], { cwd: repo.root });
    expect(json.code).toBe(0);
    const path = join(repo.root, 'out', 'report.json');
    expect(json.stdout).toBe(`${path}\n`);
    const data = JSON.parse(readFileSync(path, 'utf8')) as Report;
    expect(data.worksheet.total.sequential_estimate_min).toBe(375);
    expect(data.worksheet.total.parallel_actual_min).toBe(130);
    expect(data.run.with_plan).toBe(true);
    const html = await runBaton(['report', '--format', 'html', '--out', 'r.html'], { cwd: repo.root });
    expect(html.code).toBe(0);
    expect(readFileSync(join(repo.root, 'r.html'), 'utf8')).toContain('<h2>Time-tracking worksheet</h2>');
  });

  it('--out refuses the log, .baton/, .git/, a directory and a file Baton did not write; replaces its own reports', async () => {
    const repo = repoWith({ ...contractFiles(THREE), 'baton.config.json': METHOD_CONFIG }, METHOD_LOG);
    const logPath = join(repo.root, '.baton', 'log.jsonl');
    const contract = join(repo.root, 'specs', 'feature-001-auth', 'contract.md');
    const before = { log: readFileSync(logPath, 'utf8'), contract: readFileSync(contract, 'utf8') };
    for (const [out, code] of [
      ['.baton/log.jsonl', 'report/out-protected'],
      ['.baton', 'report/out-protected'],
      ['.baton/cache/r.json', 'report/out-protected'],
      ['.baton/runs/r.md', 'report/out-protected'],
      ['.git/config', 'report/out-protected'],
      ['specs', 'report/out-is-directory'],
      ['specs/feature-001-auth/contract.md', 'report/out-exists'],
    ] as const) {
      const r = await runBaton(['report', '--out', out], { cwd: repo.root });
      expect(r.code, out).toBe(2);
      expect(r.stderr.split('\n')[0], out).toMatch(new RegExp(`^baton: --out .* \\[${code}\\]$`));
      expect(r.stderr, out).not.toMatch(/\n\s+at /);
    }
    // Even with --force, the log is never a report's place.
    expect(
      (await runBaton(['report', '--out', '.baton/log.jsonl', '--force'], { cwd: repo.root })).code,
    ).toBe(2);
    expect(readFileSync(logPath, 'utf8')).toBe(before.log);
    expect(readFileSync(contract, 'utf8')).toBe(before.contract);
    // A report straight in .baton/ is allowed (where `baton demo` writes its own).
    const inState = await runBaton(['report', '--format', 'html', '--out', '.baton/report.html'], {
      cwd: repo.root,
    });
    expect(inState.code, inState.stderr).toBe(0);
    // A report Baton wrote is replaced without --force, in each format.
    for (const format of ['md', 'json', 'html']) {
      for (let i = 0; i < 2; i++) {
        const r = await runBaton(['report', '--format', format, '--out', `r.${format}`], { cwd: repo.root });
        expect(r.code, `${format} #${i + 1}: ${r.stderr}`).toBe(0);
      }
    }
    // --force replaces any file.
    const forced = await runBaton(['report', '--out', 'specs/feature-001-auth/contract.md', '--force'], {
      cwd: repo.root,
    });
    expect(forced.code).toBe(0);
    expect(readFileSync(contract, 'utf8')).toMatch(/^# Baton report\n/);
  });

  it('--out: a write the system refuses is one line naming the file and the error code, exit 2', async () => {
    const repo = repoWith({ ...contractFiles(THREE), 'notes.txt': 'user notes\n' }, METHOD_LOG);
    // A file where a folder should be: EEXIST from making the folder, not an internal error.
    const refused = await runBaton(['report', '--out', 'notes.txt/r.md'], { cwd: repo.root });
    expect(refused.code).toBe(2);
    expect(refused.stderr.split('\n')[0]).toBe(
      `baton: --out ${join(repo.root, 'notes.txt', 'r.md')} could not be written (EEXIST while making its folder ${join(repo.root, 'notes.txt')}) [report/write-failed]`,
    );
    expect(refused.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(readFileSync(join(repo.root, 'notes.txt'), 'utf8')).toBe('user notes\n');
  });

  it('--out: a FIFO is never replaced by the report, even with --force', async () => {
    const repo = repoWith(contractFiles(THREE), METHOD_LOG);
    // A FIFO (or a device) is not a file to replace, even with --force, and the refusal does not offer it.
    const fifo = join(repo.root, 'pipe');
    execFileSync('mkfifo', [fifo]);
    for (const flags of [[], ['--force']]) {
      const r = await runBaton(['report', '--out', 'pipe', ...flags], { cwd: repo.root });
      expect(r.code, flags.join(' ')).toBe(2);
      expect(r.stderr).toContain(
        `--out ${fifo} is a FIFO (named pipe), not a file; it is not replaced, even with --force [report/out-not-file]`,
      );
      expect(r.stderr).not.toContain('Pass --force');
      expect(lstatSync(fifo).isFIFO()).toBe(true);
    }
  });

  it('--out: a path ending in / names a folder, refused as one', async () => {
    const repo = repoWith(contractFiles(THREE), METHOD_LOG);
    // `reports/` names a folder: refused as one (the help's "refused for a directory"), no file `reports` made.
    const folder = await runBaton(['report', '--out', 'reports/'], { cwd: repo.root });
    expect(folder.code).toBe(2);
    expect(folder.stderr.split('\n')[0]).toBe(
      `baton: --out reports/ names a directory, not a file; name a file in it, e.g. ${join(repo.root, 'reports')}/report.html [report/out-is-directory]`,
    );
    expect(existsSync(join(repo.root, 'reports'))).toBe(false);
  });

  it('reports from the log alone when there are no contracts, and says estimates are unknown', async () => {
    const repo = repoWith({}, toJsonl(interruptedRun().events));
    const r = await runBaton(['report'], { cwd: repo.root });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(
      /^baton: contracts not loaded \(no specs folder: .* \[contracts\/none\]\): reporting from the log alone/,
    );
    expect(r.stdout).toContain('without contracts (estimates unknown)');
    expect(r.stdout).toContain('`feature-002-orders` and `feature-001-db` both changed');
  });

  it('meets an estimate keyed in capitals with the phase `baton phase` recorded in lower case', async () => {
    const config = JSON.stringify({ estimates: { Planning: 75, ' Specification ': 60 } });
    const repo = repoWith({ ...contractFiles(THREE), 'baton.config.json': config }, METHOD_LOG);
    const r = await runBaton(['report'], { cwd: repo.root });
    expect(r.code, r.stderr).toBe(0);
    expect(tableRow(r.stdout, 'planning')?.[1]).toBe('75 min');
    expect(tableRow(r.stdout, 'specification')?.[1]).toBe('60 min');
    expect(r.stdout).not.toMatch(/Planning|Specification/);
  });

  it('with a config that does not load, names its file, line and key as status does, and keeps its valid estimates', async () => {
    const repo = repoWith(
      {
        ...contractFiles(THREE),
        'baton.yaml': 'estimates:\n  planning: 75\nconcurency: 2\n',
      },
      METHOD_LOG,
    );
    const r = await runBaton(['report'], { cwd: repo.root });
    expect(r.code).toBe(0);
    const said =
      'config not loaded (baton.yaml:3: unknown key "concurency" (did you mean "concurrency"?) [config/unknown-key])';
    expect(r.stderr).toBe(`baton: ${said}: reporting from the log alone, contract estimates unknown\n`);
    expect((await runBaton(['status'], { cwd: repo.root })).stderr).toContain(`baton: ${said}: showing`);
    expect(tableRow(r.stdout, 'planning')).toEqual(['planning', '75 min', '—', '15 min', '5.0×', '—']);
  });

  it('calls a run whose orchestrator is alive in progress, as status does, and interrupted once it is gone', async () => {
    // A real live process stands for the orchestrator; the run starts after it did (not a recycled pid).
    const orchestrator = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    try {
      await new Promise((ok) => orchestrator.once('spawn', ok));
      await new Promise((ok) => setTimeout(ok, 50));
      const log = deadRunLines('feature-001-a').map((e) =>
        'pid' in e ? { ...e, run_id: 'r-live', pid: orchestrator.pid } : e,
      );
      const repo = repoWith({}, toJsonl(log as LogEvent[]));
      // A live run is one its run lock names (the lock's holder, its start time and the run id).
      holdRunLock(repo.root, 'r-live', orchestrator.pid!);
      const md = await runBaton(['report'], { cwd: repo.root });
      expect(md.stdout.split('\n')[2]).toMatch(
        /^Run `r-live` · started .* · in progress · 1 feature · concurrency 1 · without contracts/,
      );
      expect(md.stdout).toContain(
        '**Implementation speedup not measured yet: the run is in progress, 1 of 1 feature not complete (`feature-001-a` running).**',
      );
      expect(md.stdout).not.toContain('interrupted');
      const json = JSON.parse((await runBaton(['report', '--json'], { cwd: repo.root })).stdout) as Report;
      expect(json.run).toMatchObject({ in_progress: true, unfinished: true, outcome: null });
      expect((await runBaton(['status'], { cwd: repo.root })).stdout).toMatch(/^run r-live \(in progress\)/);

      orchestrator.kill('SIGKILL');
      await new Promise((ok) => orchestrator.once('exit', ok));
      const gone = await runBaton(['report', '--json'], { cwd: repo.root });
      expect((JSON.parse(gone.stdout) as Report).run).toMatchObject({
        in_progress: false,
        outcome: 'interrupted',
      });
    } finally {
      orchestrator.kill('SIGKILL');
    }
  });

  it('skips a torn line with its number and still reports', async () => {
    const repo = repoWith({}, `${METHOD_LOG}{"type":"phase.sta\n`);
    const r = await runBaton(['report', '--json'], { cwd: repo.root });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('log.jsonl:9: skipped: not valid JSON');
    expect((JSON.parse(r.stdout) as Report).worksheet.total.parallel_actual_min).toBe(130);
  });

  it('fails clearly on an empty log, an unknown run and an unknown format', async () => {
    const repo = repoWith({});
    const empty = await runBaton(['report'], { cwd: repo.root });
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain('nothing to report:');
    expect(empty.stderr).toContain('hint: Run `baton run` first');

    mkdirSync(join(repo.root, '.baton'), { recursive: true });
    appendFileSync(join(repo.root, '.baton', 'log.jsonl'), toJsonl(interruptedRun().events));
    const run = await runBaton(['report', '--run', 'run-nope'], { cwd: repo.root });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^baton: no run run-nope in .* \[report\/unknown-run\]$/m);
    expect(run.stderr).toContain('hint: Runs in the log: run-x.');
    const ok = await runBaton(['report', '--run', 'run-x', '--json'], { cwd: repo.root });
    expect((JSON.parse(ok.stdout) as Report).run.run_id).toBe('run-x');

    const fmt = await runBaton(['report', '--format', 'pdf'], { cwd: repo.root });
    expect(fmt.code).toBe(2);
    expect(fmt.stderr).toContain('unknown format "pdf": expected md, json or html');
  });

  it('measures a real `baton run` of three agents, bracketed by recorded phases', async () => {
    const agent = (id: string) => ({
      command: `sleep 1; mkdir -p src/${id} && echo done > src/${id}/index.txt`,
    });
    const ids = ['feature-001-a', 'feature-002-b', 'feature-003-c'];
    const repo = repoWith(contractFiles(ids.map((id) => ({ id, agent: agent(id), estimate: 1 }))));
    expect((await runBaton(['phase', 'start', 'planning'], { cwd: repo.root })).code).toBe(0);
    expect((await runBaton(['phase', 'end', 'planning'], { cwd: repo.root })).code).toBe(0);
    const run = await runBaton(['run'], { cwd: repo.root });
    expect(run.code).toBe(0);

    const r = await runBaton(['report', '--json'], { cwd: repo.root });
    expect(r.stderr).toBe('');
    const report = JSON.parse(r.stdout) as Report;
    expect(report.run.unfinished).toBe(false);
    expect(report.run.outcome).toBe('complete');
    expect(report.features.map((f) => [f.feature_id, f.status, f.files_changed])).toEqual(
      ids.map((id) => [id, 'complete', [`src/${id}/index.txt`]]),
    );
    expect(report.worksheet.rows.map((x) => x.phase)).toEqual(['planning', 'implementation']);
    const impl = report.worksheet.rows[1]!;
    // Each agent slept a second, so one agent doing all three would take at least three.
    expect(impl.sequential_measured_min).toBeGreaterThanOrEqual(3 / 60);
    expect(impl.sequential_estimate_min).toBe(3);
    expect(impl.parallel_actual_min).not.toBeNull();
    expect(impl.speedup_measured).toBeCloseTo(impl.sequential_measured_min! / impl.parallel_actual_min!, 10);
    expect(report.features.reduce((s, f) => s + (f.duration_min ?? 0), 0)).toBeCloseTo(
      impl.sequential_measured_min!,
      10,
    );
    // 3 estimated minutes against a few seconds of `sleep 1`: not the same kind, so no estimate speedup.
    expect(impl).toMatchObject({ estimate_comparable: false, speedup_estimate: null });
    expect(report.unknowns).toEqual([expect.stringContaining('are not of the same kind')]);
    expect(report.headline).toMatchObject({ basis: 'agent-time', speedup: impl.speedup_measured });
  });
  it("the HTML report's dependency graph draws the overlap edges `plan --format mermaid` draws, no more", async () => {
    const agent = (id: string) => ({ command: `mkdir -p src/${id} && echo done > src/${id}/index.txt` });
    const repo = repoWith({
      // a and b overlap through a tracked file their globs only reveal together; b and c through a folder;
      // d owns a file inside a's folder but depends on a, so theirs is no hotspot.
      'src/db.ts': 'export {};\n',
      ...contractFiles([
        { id: 'a', owns: ['src/a/**', 'src/db.ts'], agent: agent('a') },
        { id: 'b', owns: ['src/b/**', 'src/*.ts'], agent: agent('b') },
        { id: 'c', owns: ['src/c/**', 'src/b/shared/**'], agent: agent('c') },
        { id: 'd', owns: ['src/d/**', 'src/a/index.txt'], depends: ['a'], agent: agent('d') },
      ]),
    });
    expect((await runBaton(['run'], { cwd: repo.root })).code).toBe(0);
    const mermaid = (await runBaton(['plan', '--format', 'mermaid'], { cwd: repo.root })).stdout;
    const names = new Map([...mermaid.matchAll(/^\s+(f\d+)\["([^"]+)"\]$/gm)].map((m) => [m[1], m[2]]));
    const planned = [...mermaid.matchAll(/^\s+(f\d+) -\.-\|"overlap: [^"]*"\| (f\d+)$/gm)].map(
      (m) => `${names.get(m[1] ?? '')}–${names.get(m[2] ?? '')}`,
    );
    expect(planned).toEqual(['a–b', 'b–c']);
    const r = await runBaton(['report', '--format', 'html', '--out', 'r.html'], { cwd: repo.root });
    expect(r.code).toBe(0);
    const html = readFileSync(join(repo.root, 'r.html'), 'utf8');
    const drawn = [...html.matchAll(/<path class="overlap" data-a="([^"]+)" data-b="([^"]+)"/g)].map(
      (m) => `${m[1]}–${m[2]}`,
    );
    expect(drawn).toEqual(planned);
  });
});
