// The in-process dashboard the server tests share: a temp log, a raw HTTP client and cleanups.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { type Dashboard, type DashboardOptions, startDashboard } from '../../src/dashboard/server.js';
import { holdRunLock } from '../rig/dead-run.js';

/** An HTTP answer as received. */
export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw HTTP request: the path goes on the wire exactly as given (no URL normalisation). */
export function send(
  port: number,
  path: string,
  options: { method?: string; headers?: Record<string, string> } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: options.headers },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** What to undo after each test, latest first. */
export const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Whether a log line is a `run.started` naming `pid`. */
function isRunOf(line: object, pid: number): boolean {
  const l = line as { type?: unknown; pid?: unknown; run_id?: unknown };
  return l.type === 'run.started' && l.pid === pid && typeof l.run_id === 'string';
}

/** Starts a dashboard on any free port over a log holding `lines`; stopped and removed after the test. */
export async function setup(
  lines: object[] = [],
  options: Partial<DashboardOptions> = {},
): Promise<{ dir: string; log: string; dash: Dashboard }> {
  const dir = mkdtempSync(join(tmpdir(), 'baton-dash-'));
  mkdirSync(join(dir, '.baton'));
  const log = join(dir, '.baton', 'log.jsonl');
  writeFileSync(log, lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
  // A run started by this process is a live run: the run lock names it, as `baton run`'s does.
  const live = lines.find((l): l is { run_id: string } => isRunOf(l, process.pid));
  if (live) holdRunLock(dir, live.run_id);
  const dash = await startDashboard({
    root: dir,
    logPath: log,
    port: 0,
    loadProject: async () => ({ diagnostics: [] }),
    pollMs: 50,
    ...options,
  });
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  cleanups.push(() => dash.close());
  return { dir, log, dash };
}

/** The bearer header that opens every path. */
export const bearer = (dash: Dashboard) => ({ Authorization: `Bearer ${dash.token}` });

/** The session cookie a redirect set, as a request header. */
export function sessionOf(reply: Reply, port: number): Record<string, string> {
  const value = new RegExp(`baton_dashboard_${port}=([^;]+)`).exec(String(reply.headers['set-cookie']))?.[1];
  return value === undefined ? {} : { Cookie: `baton_dashboard_${port}=${value}` };
}
