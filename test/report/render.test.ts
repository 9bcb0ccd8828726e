import { describe, expect, it } from 'vitest';
import { computeReport } from '../../src/metrics/report.js';
import { renderHtml } from '../../src/report/html.js';
import { renderJson } from '../../src/report/json.js';
import { markdownCode, markdownText, renderMarkdown } from '../../src/report/markdown.js';
import { renderGanttSvg, renderGraphSvg } from '../../src/report/svg.js';
import { fourFeatureRun, interruptedRun, methodologyWorksheet, tableRow } from './scenarios.js';

describe('markdown', () => {
  it('renders the methodology worksheet with its 2.9× total (golden file)', async () => {
    const md = renderMarkdown(computeReport(methodologyWorksheet()));
    expect(tableRow(md, '**Total**')).toEqual([
      '**Total**',
      '**375 min**',
      '**unknown**',
      '**130 min**',
      '**2.9×**',
      '**unknown**',
    ]);
    await expect(md).toMatchFileSnapshot('golden/methodology.md.golden');
  });

  it('renders a four-feature run with a conflict and a failure (golden file)', async () => {
    const md = renderMarkdown(computeReport(fourFeatureRun()));
    await expect(md).toMatchFileSnapshot('golden/four-features.md.golden');
  });

  it('marks what an interrupted run cannot tell as unknown (golden file)', async () => {
    const md = renderMarkdown(computeReport(interruptedRun()));
    expect(tableRow(md, 'implementation')).toEqual(['implementation', ...Array(5).fill('unknown')]);
    expect(tableRow(md, '`feature-003-mail`')?.slice(0, 5)).toEqual([
      '`feature-003-mail`',
      'claude',
      'running',
      'unknown',
      'unknown',
    ]);
    expect(md).toContain('## Unknown');
    await expect(md).toMatchFileSnapshot('golden/interrupted.md.golden');
  });

  it('names the phases a total leaves out', () => {
    const input = fourFeatureRun();
    const events = input.events.filter(
      (e) => !(e.type?.startsWith('phase.') && 'phase' in e && e.phase === 'planning'),
    );
    const md = renderMarkdown(computeReport({ ...input, events }));
    expect(tableRow(md, 'planning')?.slice(1, 4)).toEqual(['60 min', '—', 'unknown']);
    expect(tableRow(md, '**Total (without planning)**')?.slice(1, 4)).toEqual([
      '**310 min**',
      '**183 min**',
      '**123 min**',
    ]);
  });

  it('escapes pipes in table cells', () => {
    const input = interruptedRun();
    const r = computeReport(input);
    r.features[0]!.reason = 'a | b';
    r.features[0]!.exit_code = 2;
    expect(renderMarkdown(r)).toContain('exit 2: a \\| b');
  });

  it('says why after a signal and after a feature that never started (a time limit, a failed setup)', () => {
    const r = computeReport(interruptedRun());
    const [timedOut, notStarted] = r.features as [(typeof r.features)[0], (typeof r.features)[0]];
    Object.assign(timedOut, { signal: 'SIGTERM', exit_code: null, reason: 'timed out after 0.1 min' });
    Object.assign(notStarted, { launched: false, reason: 'setup command "exit 3" failed: exit 3' });
    const md = renderMarkdown(r);
    expect(md).toContain('signal SIGTERM: timed out after 0.1 min');
    expect(md).toContain('not started: setup command "exit 3" failed: exit 3');
    expect(renderHtml(r)).toContain('not started: setup command &quot;exit 3&quot; failed: exit 3');
  });

  it('never lets text from the log become HTML or a link', () => {
    const r = computeReport(interruptedRun());
    const f = r.features[0]!;
    f.reason = '<img src=x onerror=alert(1)> [click](javascript:alert(1)) `x` &amp; a\\<b>';
    f.exit_code = 2;
    f.agent = '<script>alert(1)</script>';
    r.diagnosis.push('see [here](javascript:alert(2)) <b>now</b>');
    r.conflicts.files.push('src/`<i>`.ts');
    const md = renderMarkdown(r);
    // Outside code spans, every <, >, [, ], & and backtick from the log is escaped (an odd run of backslashes before it).
    const row = md.split('\n').find((l) => l.includes('onerror')) ?? '';
    const bare = row.replace(/\\\\/g, '').replace(/`[^`]*`/g, '');
    expect(bare).not.toMatch(/(^|[^\\])[<>[\]&]/);
    expect(md).toContain(
      'exit 2: \\<img src=x onerror=alert(1)\\> \\[click\\](javascript:alert(1)) \\`x\\` \\&amp; a\\\\\\<b\\>',
    );
    expect(md).toContain('\\<script\\>alert(1)\\</script\\>');
    expect(md).toContain('- see \\[here\\](javascript:alert(2)) \\<b\\>now\\</b\\>');
    // A code span holding a backtick is fenced by two, so it ends where it should.
    expect(md).toContain('`` src/`<i>`.ts ``');
    expect(markdownText('a|b')).toBe('a|b');
    expect(markdownCode('plain')).toBe('`plain`');
  });

  it('escapes control characters before measuring columns, and keeps a bullet on one line', () => {
    const r = computeReport(interruptedRun());
    r.features[0]!.reason = 'bad\u001b[31m name';
    r.features[0]!.exit_code = 2;
    r.diagnosis.push('file src/a\nb.ts conflicts');
    const md = renderMarkdown(r);
    // Every line of the features table is as wide as its head: the escaped cell was measured as printed.
    const featureTable = md.split('\n\n').find((b) => b.includes('bad\\x1b\\[31m name')) ?? '';
    const widths = new Set(
      featureTable
        .split('\n')
        .filter((l) => l.startsWith('|'))
        .map((l) => [...l].length),
    );
    expect(featureTable).not.toBe('');
    expect(widths.size).toBe(1);
    expect(md).toContain('- file src/a\\nb.ts conflicts');
  });
});

describe('json', () => {
  it('is the same data, with unknowns as null', () => {
    const report = computeReport(interruptedRun());
    const parsed = JSON.parse(renderJson(report)) as Record<string, unknown>;
    expect(parsed.schema_version).toBe(4);
    const { schema_version: _, ...rest } = parsed;
    expect(rest).toEqual(JSON.parse(JSON.stringify(report)));
    const rows = (parsed.worksheet as { rows: Array<Record<string, unknown>> }).rows;
    expect(rows.find((r) => r.phase === 'implementation')?.parallel_actual_min).toBeNull();
  });
});

describe('html', () => {
  const html = renderHtml(computeReport(fourFeatureRun()));

  it('is one self-contained file: no script, no external resource', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/\b(src|href)\s*=/i);
    expect(html).not.toMatch(/url\((?!#)/i);
    expect(html).not.toMatch(/@import/i);
    // The only URL is the SVG namespace, which is a name, never fetched.
    expect(html.match(/https?:\/\/[^"\s]+/g)?.every((u) => u === 'http://www.w3.org/2000/svg')).toBe(true);
  });

  it('draws one timeline bar per started feature, coloured by status, and the dependency graph', () => {
    const bars = [...html.matchAll(/<rect class="bar[^"]*" data-feature="([^"]+)" data-status="([^"]+)"/g)];
    expect(bars.map((m) => [m[1], m[2]])).toEqual([
      ['feature-001-auth', 'complete'],
      ['feature-002-catalog', 'complete'],
      ['feature-004-mail', 'failed'],
      ['feature-003-cart', 'complete'],
    ]);
    // Integration has a row of its own, one merged span (phase 63–78 and integrate 63–77), never a `.bar`;
    // specification and planning happened before the run and are not on its timeline.
    expect(computeReport(fourFeatureRun()).timeline.phases).toEqual([
      { phase: 'integration', start_min: 63, end_min: 78 },
    ]);
    expect([...html.matchAll(/<rect class="phase" data-phase="integration"/g)]).toHaveLength(1);
    expect(html).toContain('<h2>Dependency graph</h2>');
    expect(html).toContain('<h2>Time-tracking worksheet</h2>');
    expect(html).toContain('<h2>Diagnosis</h2>');
  });

  it('draws an open, dashed bar for a feature with no recorded end, and no graph without contracts', () => {
    const input = interruptedRun();
    const r = computeReport({ events: input.events });
    const svg = renderGanttSvg(r);
    expect(svg).toMatch(/<rect class="bar open" data-feature="feature-003-mail" data-status="running"/);
    expect(svg).toContain('feature-003-mail: running, no end recorded');
    expect(renderGraphSvg(r)).toBe('');
    expect(renderHtml(r)).not.toContain('Dependency graph');
  });

  it('escapes what came from the log', () => {
    const input = interruptedRun();
    const r = computeReport(input);
    r.diagnosis.push('a <b> & "c"');
    expect(renderHtml(r)).toContain('a &lt;b&gt; &amp; &quot;c&quot;');
  });
});

describe('diagnosis code spans', () => {
  it('fence a file name holding a backtick as the tables do, in markdown and in HTML', () => {
    const input = fourFeatureRun();
    const events = input.events.map((e) =>
      e.type === 'merge.conflict' ? { ...e, files: ['src/a`b.ts'] } : e,
    );
    const report = computeReport({ ...input, events });
    const line = report.diagnosis.find((d) => d.includes('a`b'));
    expect(line).toContain(markdownCode('src/a`b.ts'));
    expect(line).toContain('`` src/a`b.ts ``');
    expect(renderHtml(report)).toContain('<code>src/a`b.ts</code>');
  });
});
