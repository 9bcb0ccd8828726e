import { spawn } from 'node:child_process';
import { InvalidArgumentError } from 'commander';
import { logPathFor } from '../config.js';
import { isLoopbackHost } from '../dashboard/auth.js';
import { type OpenPage, writeOpenPage } from '../dashboard/open-page.js';
import { type Dashboard, ListenError, startDashboard } from '../dashboard/server.js';
import type { LoadedProject } from '../dashboard/view.js';
import { formatUserError, UserError } from '../errors.js';
import { findMainWorktree } from '../git/git.js';
import { loadProject } from '../project.js';
import { escapeControl, stringifyJson } from '../text/escape.js';
import type { RegisterCommand } from './commands.js';
import type { CliContext } from './context.js';
import { untilInterrupted } from './interrupt.js';

/** The port tried first when none is given; any free port is used if it is taken. */
export const DEFAULT_DASHBOARD_PORT = 7420;

interface DashboardFlags {
  port?: number;
  host: string;
  open?: boolean;
  json?: boolean;
}

/** `baton dashboard`: serves the live page until Ctrl-C. */
export const registerDashboard: RegisterCommand = (program, ctx) => {
  program
    .command('dashboard')
    .description('serve a live local web page of the run: board, timeline, dependency graph and metrics')
    .option(
      '--port <n>',
      `port to listen on; 0 for any free port (default: ${DEFAULT_DASHBOARD_PORT})`,
      parsePort,
    )
    .option('--host <address>', 'address to bind', '127.0.0.1')
    .option(
      '--open',
      'open the page in the default browser (through a private file: no token in any command line)',
    )
    .option('--json', 'print the address (with its token) as one JSON line')
    .addHelpText(
      'after',
      '\nThe page follows .baton/log.jsonl as it grows. It is read-only, binds 127.0.0.1 unless --host says\n' +
        'otherwise, and every request needs the random token in the printed URL. Ctrl-C stops it.',
    )
    .action(async (flags: DashboardFlags) => {
      await runDashboard(ctx, flags);
    });
};

async function runDashboard(ctx: CliContext, flags: DashboardFlags): Promise<void> {
  const root = await findMainWorktree(ctx.cwd).catch((err: unknown) => {
    // A bare repository, a git folder, another user's repository: git's own reason, not "no repository".
    if (err instanceof UserError && err.code !== 'git/not-a-repo') throw err;
    throw new UserError('dashboard/no-repo', `${ctx.cwd} is not inside a git repository`, {
      hint: 'Run `baton dashboard` from the repository where you ran `baton run`.',
    });
  });
  const options = {
    root,
    logPath: logPathFor(root),
    host: flags.host,
    loadProject: () => loadForDashboard(root),
  };
  let dashboard: Dashboard;
  try {
    dashboard = await startDashboard({ ...options, port: flags.port ?? DEFAULT_DASHBOARD_PORT });
  } catch (err) {
    if (err instanceof ListenError && err.code === 'EADDRINUSE' && flags.port === undefined) {
      dashboard = await startDashboard({ ...options, port: 0 });
    } else if (err instanceof ListenError) {
      throw new UserError(
        'dashboard/listen',
        err.message,
        err.code === 'EADDRINUSE'
          ? { hint: 'Pick another port with --port N, or --port 0 for any free one.' }
          : {},
      );
    } else {
      throw err;
    }
  }

  // Judged on the address bound (`127.1` binds 127.0.0.1), by the rule the Host check uses.
  if (!isLoopbackHost(dashboard.host)) {
    ctx.stderr.write(
      `warning: listening on ${escapeControl(dashboard.host)}, not loopback: anyone who can reach this address and learns the token ` +
        'can read the run, its contracts and agent logs.\n',
    );
  }
  if (flags.json) {
    ctx.stdout.write(
      `${stringifyJson({ url: dashboard.url, host: dashboard.host, port: dashboard.port, token: dashboard.token, log: options.logPath })}\n`,
    );
  } else {
    ctx.stdout.write(
      `Baton dashboard: ${dashboard.url}\n` + `  following ${options.logPath} · read-only · Ctrl-C to stop\n`,
    );
  }
  // The opener gets a file that redirects, not the token: its command line is readable by every local user.
  const page = flags.open ? openPage(ctx, dashboard.url) : undefined;

  // The page serves until Ctrl-C, whatever became of the pipe or terminal the address was printed to.
  const keepRunning = ctx.keepRunningWithoutOutput?.();
  try {
    await untilInterrupted(ctx);
  } finally {
    page?.remove();
  }
  await dashboard.close();
  if (!flags.json) ctx.stdout.write('dashboard stopped\n');
  keepRunning?.();
}

/** Loads the plan for the page; invalid contracts leave the page working on the log alone. */
async function loadForDashboard(root: string): Promise<LoadedProject> {
  try {
    const project = await loadProject(root, 'show');
    return {
      plan: project.plan,
      estimates: project.config.estimates,
      diagnostics: project.warnings,
      trustWorkers: project.config.trust_workers,
    };
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    return {
      diagnostics: [
        ...err.diagnostics,
        { severity: 'error', code: err.code, message: err.message, ...(err.hint ? { hint: err.hint } : {}) },
      ],
    };
  }
}

/**
 * Writes the redirect page for `url` and runs the opener on it; a page that cannot be written (no
 * usable TMPDIR, a full disk) is said as a failed opener is, and the dashboard serves on.
 */
function openPage(ctx: CliContext, url: string): OpenPage | undefined {
  let page: OpenPage;
  try {
    page = writeOpenPage(url);
  } catch (err) {
    const why =
      err instanceof UserError ? formatUserError(err) : `the page could not be written: ${String(err)}`;
    tellOpenFailed(ctx, why, url);
    return undefined;
  }
  openBrowser(ctx, page.fileUrl, url);
  return page;
}

/** The one line for a page that could not be opened: why, and the address to open by hand. */
function tellOpenFailed(ctx: CliContext, why: string, printed: string): void {
  ctx.stderr.write(`could not open the page in a browser (${why}); open ${printed} yourself\n`);
}

/** Runs the system's opener on `url`; on failure tells the user to open `printed` themselves. */
function openBrowser(ctx: CliContext, url: string, printed: string): void {
  const [command, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '""', url]]
        : ['xdg-open', [url]];
  const child = spawn(command, args, { detached: true, stdio: 'ignore', env: ctx.env });
  // One line, whichever way it fails: not started (error), or started and failed (exit; both may come).
  let told = false;
  const tell = (why: string) => {
    if (told) return;
    told = true;
    tellOpenFailed(ctx, why, printed);
  };
  child.on('error', () => tell(`could not run ${command}`));
  child.on('exit', (code, signal) => {
    if (code !== 0)
      tell(code === null ? `${command} was killed by ${signal}` : `${command} exited with code ${code}`);
  });
  child.unref();
}

function parsePort(raw: string): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n > 65535)
    throw new InvalidArgumentError('expected a port number from 0 to 65535.');
  return n;
}
