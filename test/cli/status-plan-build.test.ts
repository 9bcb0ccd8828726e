/**
 * `baton status` keeps the plan it read in `.baton/cache/status-plan.json`; a cache written by another
 * build of Baton (an upgrade, a rebuild) is read again, since that build may read the contracts otherwise.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runBaton } from '../rig/cli.js';
import { contractFiles } from '../rig/contracts.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

/** A repository with one feature whose `status` ran once, and a way to rewrite the plan it cached. */
async function statusRepo(): Promise<{
  r: TempRepo;
  edit: (change: (c: Record<string, unknown>) => void) => void;
}> {
  const r = makeRepo({ 'README.md': '# app\n', ...contractFiles([{ id: 'feature-001-a' }]) });
  cleanups.push(() => r.cleanup());
  mkdirSync(join(r.root, '.baton'), { recursive: true });
  writeFileSync(join(r.root, '.baton', 'log.jsonl'), '{"feature_id":"feature-001-a","status":"running"}\n');
  const first = await runBaton(['status', '--json'], { cwd: r.root });
  expect(first.code, first.stderr).toBe(0);
  const path = join(r.root, '.baton', 'cache', 'status-plan.json');
  return {
    r,
    edit: (change) => {
      const c = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
      change(c);
      writeFileSync(path, JSON.stringify(c));
    },
  };
}

/** A feature the contracts do not have, put in the cached plan: shown only when the cache is reused. */
const GHOST = 'feature-009-ghost';

describe('the status plan cache is stamped with the build of Baton that wrote it', () => {
  it('is reused by the same build while the files are unchanged', async () => {
    const { r, edit } = await statusRepo();
    edit((c) => (c.ids as string[]).push(GHOST));
    const res = await runBaton(['status', '--json'], { cwd: r.root });
    expect(res.stdout).toContain(GHOST);
  });

  it('is read again when another build wrote it, the files unchanged', async () => {
    const { r, edit } = await statusRepo();
    edit((c) => {
      (c.ids as string[]).push(GHOST);
      c.build = 'another-build';
    });
    const res = await runBaton(['status', '--json'], { cwd: r.root });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain('feature-001-a');
    expect(res.stdout).not.toContain(GHOST);
  });
});

describe('scripts/write-build-id.js', () => {
  /** Runs the script on a folder of compiled modules and returns the id it wrote. */
  function buildId(dist: string): string {
    execFileSync(process.execPath, [join(ROOT, 'scripts', 'write-build-id.js'), dist]);
    const text = readFileSync(join(dist, 'build-id.js'), 'utf8');
    return /BUILD_ID = "([^"]+)"/.exec(text)?.[1] ?? '';
  }

  it('gives another id to another build, the same to the same code, whatever the bundle holds', () => {
    const dist = mkdtempSync(join(tmpdir(), 'baton-build-id-'));
    cleanups.push(() => rmSync(dist, { recursive: true, force: true }));
    mkdirSync(join(dist, 'cli'));
    mkdirSync(join(dist, 'bundle'));
    writeFileSync(join(dist, 'cli', 'main.js'), 'export const a = 1;\n');
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const first = buildId(dist);
    expect(first).toMatch(new RegExp(`^${version.replaceAll('.', '\\.')}\\+[0-9a-f]{16}$`));
    writeFileSync(join(dist, 'bundle', 'main.cjs'), 'changed');
    expect(buildId(dist)).toBe(first);
    writeFileSync(join(dist, 'cli', 'main.js'), 'export const a = 2;\n');
    expect(buildId(dist)).not.toBe(first);
  });

  it("is what the built CLI carries, not the sources' stand-in", () => {
    const text = readFileSync(join(ROOT, 'dist', 'build-id.js'), 'utf8');
    const id = /BUILD_ID = ("[^"]+")/.exec(text)?.[1] ?? '"missing"';
    expect(id).not.toBe('"source"');
    const bundle = join(ROOT, 'dist', 'bundle');
    const chunks = readdirSync(bundle).map((f) => readFileSync(join(bundle, f), 'utf8'));
    expect(chunks.some((c) => c.includes(id))).toBe(true);
  });
});
