import { existsSync, watch } from 'node:fs';
import { dirname, join } from 'node:path';
import { type DiskUsage, formatBytes, measureDiskUsage } from '../clean/disk-usage.js';
import { logPathFor } from '../config.js';
import { findMainWorktree } from '../git/git.js';
import { applyEvent, type BatonState, type FeatureState, initialState, pendingFeature } from '../log/fold.js';
import { streamLog } from '../log/read.js';
import { loadProject } from '../project.js';
import type { RegisterCommand } from './commands.js';
import type { CliContext } from './context.js';
import { FEATURE_HEADER, featureRow } from './feature-rows.js';
import { palette, renderTable } from './style.js';

/**
 * Directory entries `baton status` looks at to size the worktrees (about 0.15 s, about what `du` takes); past
 * that a size is a lower bound, shown as `≥`. `baton clean` measures with a larger budget.
 */
const STATUS_DISK_BUDGET = 50_000;

/** The `--json` shape of one feature (documented in the README). */
function featureJson(f: FeatureState, disk: DiskUsage | undefined) {
  const checks = Object.values(f.checks);
  return {
    feature_id: f.feature_id,
    status: f.status,
    agent: f.agent ?? null,
    started_at: f.started_at ?? null,
    ended_at: f.ended_at ?? null,
    duration_ms: f.duration_ms ?? null,
    exit_code: f.exit_code ?? null,
    branch: f.branch ?? null,
    commit: f.commit ?? null,
    worktree: f.worktree ?? null,
    log_file: f.log_file ?? null,
    files: f.files,
    escaped: f.escaped,
    reason: f.reason ?? null,
    checks: {
      passed: checks.filter((c) => c.outcome === 'passed').length,
      failed: checks.filter((c) => c.outcome === 'failed').length,
      unverifiable: checks.filter((c) => c.outcome === 'unverifiable').length,
      total: checks.length,
    },
    usage: f.usage ?? null,
    /** With `baton run --queue`: job state, worker host and attempt (docs/distributed.md). */
    queue: f.queue ?? null,
    last_event: f.last_event ?? null,
    disk_bytes: disk?.bytes ?? null,
    disk_complete: disk ? disk.complete : null,
  };
}

/** Each feature's worktree folder on disk: the one the log recorded, else the default place. */
function worktreeFolders(
  rows: readonly FeatureState[],
  worktreesDir: string | undefined,
): Map<string, string> {
  const folders = new Map<string, string>();
  for (const f of rows) {
    const path = f.worktree ?? (worktreesDir ? join(worktreesDir, f.feature_id) : undefined);
    if (path && existsSync(path)) folders.set(f.feature_id, path);
  }
  return folders;
}

function formatDisk(u: DiskUsage | undefined): string {
  return u ? `${u.complete ? '' : '≥ '}${formatBytes(u.bytes)}` : '—';
}

async function knownFeatureIds(
  ctx: CliContext,
): Promise<{ root: string; ids: string[]; worktreesDir?: string }> {
  try {
    const project = await loadProject(ctx.cwd);
    return { root: project.root, ids: [...project.plan.order], worktreesDir: project.config.worktrees };
  } catch {
    // Status still works from the log alone when the contracts do not load.
    return { root: await findMainWorktree(ctx.cwd), ids: [] };
  }
}

function rowsOf(state: BatonState, ids: readonly string[]): FeatureState[] {
  const order = [
    ...ids,
    ...Object.keys(state.features)
      .filter((id) => !ids.includes(id))
      .sort(),
  ];
  return order.map((id) => state.features[id] ?? pendingFeature(id));
}

/** `baton status`: the state of every feature, folded from the log. */
export const registerStatus: RegisterCommand = (program, ctx) => {
  program
    .command('status')
    .description(
      'show every feature: status, agent, elapsed, exit code, checks, last event (folded from .baton/log.jsonl)',
    )
    .option('--json', 'print { run_id, features: [...] } as JSON')
    .option('--watch', 'keep following the log and redraw as events arrive (reads only what was appended)')
    .option(
      '--no-disk',
      'do not measure the disk space each worktree uses (measured once, not on each redraw)',
    )
    .action(async (flags: { json?: boolean; watch?: boolean; disk: boolean }) => {
      const { root, ids, worktreesDir } = await knownFeatureIds(ctx);
      const logPath = logPathFor(root);
      const p = palette(ctx.color);
      const state = initialState();
      let cursor = { offset: 0, line: 0 };
      const problems: string[] = [];
      const pull = (final: boolean) => {
        // Folded as it is read, so a million-event log is never held in memory at once.
        const end = streamLog(
          logPath,
          cursor,
          { final },
          {
            event: (e) => applyEvent(state, e),
            problem: (pr) => problems.push(`${logPath}:${pr.line}: skipped: ${pr.message}: ${pr.text}`),
          },
        );
        cursor = { offset: end.endOffset, line: end.endLine };
      };
      // Sized once: a walk of every worktree on each redraw would cost more than the redraw.
      let disk: Map<string, DiskUsage> | undefined;
      const diskOf = (rows: readonly FeatureState[]) => {
        if (!flags.disk) return new Map<string, DiskUsage>();
        if (!disk) {
          const folders = worktreeFolders(rows, worktreesDir);
          const sizes = measureDiskUsage([...folders.values()], { entryBudget: STATUS_DISK_BUDGET });
          disk = new Map(
            [...folders].flatMap(([id, path]) => {
              const u = sizes.get(path);
              return u ? [[id, u] as const] : [];
            }),
          );
        }
        return disk;
      };
      const render = () => {
        const rows = rowsOf(state, ids);
        const sizes = diskOf(rows);
        if (flags.json) {
          const features = rows.map((f) => featureJson(f, sizes.get(f.feature_id)));
          ctx.stdout.write(`${JSON.stringify({ run_id: state.run_id ?? null, features }, null, 2)}\n`);
          return;
        }
        const head = state.run_id
          ? `run ${state.run_id}${state.run_outcome ? ` (${state.run_outcome})` : ' (in progress)'}\n`
          : 'no run yet\n';
        // The disk column goes before the last one (last event), which has no fixed width.
        const withDisk = sizes.size > 0;
        const header = withDisk
          ? [...FEATURE_HEADER.slice(0, -1), 'disk', ...FEATURE_HEADER.slice(-1)]
          : FEATURE_HEADER;
        const table = renderTable(
          header,
          rows.map((f) => {
            const row = featureRow(f, p, ctx.clock().getTime());
            return withDisk
              ? [...row.slice(0, -1), formatDisk(sizes.get(f.feature_id)), ...row.slice(-1)]
              : row;
          }),
        );
        const logs = rows.filter((f) => f.log_file).map((f) => `  ${f.feature_id}: ${f.log_file}`);
        const escaped = rows
          .filter((f) => f.escaped.length)
          .map((f) => `  ${f.feature_id} wrote into the main checkout: ${f.escaped.join(', ')}`);
        const denied = rows
          .filter((f) => f.usage?.permission_denials?.length)
          .map(
            (f) =>
              `  ${f.feature_id}: ${f.usage!.permission_denials!.map((d) => `${d.tool}${d.detail ? ` (${d.detail})` : ''}`).join(', ')}`,
          );
        ctx.stdout.write(
          `${head}${table}\n${logs.length ? `agent logs:\n${logs.join('\n')}\n` : ''}${escaped.length ? `${p.yellow('escapes:')}\n${escaped.join('\n')}\n` : ''}${denied.length ? `${p.yellow('tool calls the agent was refused (it may need input or a wider permission mode):')}\n${denied.join('\n')}\n` : ''}`,
        );
      };
      pull(!flags.watch);
      for (const pr of problems.splice(0)) ctx.stderr.write(`${pr}\n`);
      render();
      if (!flags.watch) return;
      await new Promise<void>((resolve) => {
        const folder = dirname(logPath);
        let watcher: ReturnType<typeof watch> | undefined;
        const refresh = () => {
          const before = cursor.offset;
          pull(false);
          for (const pr of problems.splice(0)) ctx.stderr.write(`${pr}\n`);
          if (cursor.offset !== before) render();
        };
        if (existsSync(folder)) watcher = watch(folder, refresh);
        const timer = setInterval(refresh, 500);
        const stop = ctx.onInterrupt(() => {
          clearInterval(timer);
          watcher?.close();
          stop();
          resolve();
        });
      });
    });
};
