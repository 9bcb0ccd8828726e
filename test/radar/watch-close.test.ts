/**
 * A radar scan can be waiting on git (the ignore check of new folders) when the run ends and the
 * radar closes its watches: the scan must not add watches after that, or the open inotify watch
 * keeps `baton run` alive after `run.ended` (seen at -j 32 when a scan straddled the run's end).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WorktreeWatch } from '../../src/radar/watch.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const watchHandles = () => process.getActiveResourcesInfo().filter((r) => r === 'FSEventWrap').length;

describe('WorktreeWatch closed mid-scan', () => {
  it('adds no watch once closed, even for folders a scan in flight was about to watch', async () => {
    const root = mkdtempSync(join(tmpdir(), 'baton-watch-'));
    dirs.push(root);
    const before = watchHandles();
    const watch = new WorktreeWatch(root);
    expect(watchHandles()).toBe(before + 1);
    mkdirSync(join(root, 'src'));
    let release: ((s: Set<string>) => void) | undefined;
    let take: Promise<Set<string> | 'all'> | undefined;
    // inotify reports the new folder asynchronously: scan until the ignore check is asked for.
    for (let i = 0; i < 100 && !release; i++) {
      await new Promise((r) => setTimeout(r, 20));
      take = watch.take(() => new Promise<Set<string>>((r) => (release = r)));
      if (!release) await take;
    }
    expect(release, 'the new folder was never reported').toBeDefined();
    watch.close();
    release?.(new Set());
    await take;
    // A closed watch's handle goes once the loop has turned.
    await new Promise((r) => setTimeout(r, 50));
    expect(watchHandles()).toBe(before);
  });
});
