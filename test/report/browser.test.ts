// @module-tag slow
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { toJsonl } from '../metrics/log-builder.js';
import { chromiumForFile } from '../rig/browser.js';
import { runBaton } from '../rig/cli.js';
import { contractFiles } from '../rig/contracts.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';
import { fourFeatureRun } from './scenarios.js';

const OUTPUT = resolve(import.meta.dirname, '..', '..', 'test-output');

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

const browser = chromiumForFile();

describe('baton report --format html in a real browser', () => {
  it('shows one timeline bar per feature, the graph and the worksheet, with no network, and saves a screenshot', async () => {
    // Real contracts (so the graph comes from the real planner) and a hand-built log of four features.
    const repo = makeRepo({
      'README.md': '# shop\n',
      'baton.config.json': JSON.stringify({
        estimates: { specification: 90, planning: 60, integration: 45 },
      }),
      ...contractFiles([
        { id: 'feature-001-auth', owns: ['src/auth/**'], estimate: 45 },
        { id: 'feature-002-catalog', owns: ['src/catalog/**'], estimate: 60 },
        { id: 'feature-003-cart', owns: ['src/cart/**'], depends: ['feature-001-auth'], estimate: 40 },
        { id: 'feature-004-mail', owns: ['src/mail/**'], estimate: 30 },
      ]),
    });
    repos.push(repo);
    mkdirSync(join(repo.root, '.baton'), { recursive: true });
    writeFileSync(join(repo.root, '.baton', 'log.jsonl'), toJsonl(fourFeatureRun().events));
    mkdirSync(OUTPUT, { recursive: true });
    const file = join(OUTPUT, 'report.html');
    const r = await runBaton(['report', '--format', 'html', '--out', file], { cwd: repo.root });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(file);

    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    const requests: string[] = [];
    page.on('request', (req) => requests.push(req.url()));
    const url = pathToFileURL(file).href;
    await page.goto(url);

    const bars = page.locator('svg.gantt rect.bar');
    expect(await bars.count()).toBe(4);
    const features = await bars.evaluateAll((els) =>
      els.map((el) => {
        const box = el.getBoundingClientRect();
        return {
          id: el.getAttribute('data-feature'),
          status: el.getAttribute('data-status'),
          width: box.width,
          x: box.x,
        };
      }),
    );
    expect(features.map((f) => [f.id, f.status])).toEqual([
      ['feature-001-auth', 'complete'],
      ['feature-002-catalog', 'complete'],
      ['feature-004-mail', 'failed'],
      ['feature-003-cart', 'complete'],
    ]);
    expect(features.every((f) => f.width > 10)).toBe(true);
    // The cart waited for auth: its bar starts to the right of auth's.
    const x = Object.fromEntries(features.map((f) => [f.id, f.x]));
    expect(x['feature-003-cart']).toBeGreaterThan(x['feature-001-auth']! + 100);

    expect(await page.locator('svg.gantt rect.phase').count()).toBe(1);
    expect(await page.locator('svg.graph g.node').count()).toBe(4);
    expect(await page.locator('svg.graph path.edge').count()).toBe(1);
    const worksheet = page.locator('table').first();
    expect(await worksheet.locator('tbody tr').count()).toBe(5);
    expect(await worksheet.locator('tr.total').textContent()).toContain('370 min');
    expect(await page.locator('ul.diagnosis li').count()).toBeGreaterThan(2);

    expect(requests).toEqual([url]);
    await page.screenshot({ path: join(OUTPUT, 'report.png'), fullPage: true });
    expect(existsSync(join(OUTPUT, 'report.png'))).toBe(true);
  });
});
