import { join, resolve } from 'node:path';
import { loadConfig } from '../config.js';
import type { Config } from '../config-schema.js';
import { MAX_SPEC_BYTES } from '../contracts/load.js';
import type { AgentSpec, Contract } from '../contracts/schema.js';
import {
  type DecomposeOptions,
  type DecomposeResult,
  describeAgentExit,
  type RoundResult,
  runDecompose,
} from '../coupling/decompose.js';
import { DECOMPOSE_ID } from '../coupling/decompose-task.js';
import { contractsPhrase } from '../coupling/evaluate.js';
import { renderScoreText } from '../coupling/render.js';
import { formatDiagnostic, UserError } from '../errors.js';
import { findMainWorktree } from '../git/git.js';
import { unitFilesIn } from '../log/paths.js';
import { readRegularText } from '../open-regular.js';
import { assertAgentInstalled, runAgentOnce } from '../runner/agent-once.js';
import { ensureStateDir, newRunId } from '../runner/run.js';
import { type Palette, palette } from '../terminal/style.js';
import { escapeControl, stringifyJson } from '../text/escape.js';
import { shellQuote } from '../text/shell-quote.js';
import type { RegisterCommand } from './commands.js';
import type { CliContext } from './context.js';
import { positiveInt } from './couple.js';
import { abortOnInterrupt } from './interrupt.js';
import { renderPlanText } from './plan.js';

/** `baton decompose <spec.md>`: an agent writes the contracts; Baton lints and scores them round by round. */
export const registerDecompose: RegisterCommand = (program, ctx, setExit) => {
  program
    .command('decompose')
    .summary('have an agent split a spec into contracts, scored for independence')
    .description(
      'Run an agent (any adapter) on a task holding the spec, the repository layout, the coupling found in the ' +
        'git history and the contract schema. It writes specs/<id>/contract.md files in a scratch worktree of ' +
        'HEAD; Baton lints and scores them and hands the findings back, for up to --rounds rounds, until lint is ' +
        'clean and the score stops improving. The best round is copied into specs/. A round that changes anything ' +
        'outside specs/, leaves links or files git runs or reads (a .git, a .gitattributes) in specs/, or whose agent exits non-zero, is refused and reported. Existing contracts are never overwritten without --force. ' +
        'See docs/decompose.md.',
    )
    .argument('<spec>', 'the specification to decompose (a markdown file, at most 1 MiB)')
    .option('--agent <name>', 'agent adapter to run (default: the config’s agent)')
    .option('--features <n>', 'ask for exactly this many features')
    .option('--rounds <r>', 'at most this many rounds of findings', '3')
    .option('--force', 'let the agent rewrite contracts that already exist')
    .option('--json', 'print the rounds and the final score as JSON')
    .action((specPath: string, flags: DecomposeFlags) => decomposeAction(ctx, setExit, specPath, flags));
};

interface DecomposeFlags {
  agent?: string;
  features?: string;
  rounds: string;
  force?: boolean;
  json?: boolean;
}

/** What a decompose needs, read and checked from the flags, the config and the spec file. */
interface DecomposeInputs {
  rounds: number;
  features: number | undefined;
  root: string;
  config: Config;
  spec: string;
  /** Where the spec was read from (absolute). */
  specFile: string;
  agent: AgentSpec;
}

async function decomposeAction(
  ctx: CliContext,
  setExit: (code: number) => void,
  specPath: string,
  flags: DecomposeFlags,
): Promise<void> {
  const inputs = await readDecomposeInputs(ctx, specPath, flags);
  const { root, config, agent } = inputs;
  await assertAgentInstalled(agent, ctx.env, config);
  const runId = newRunId(ctx.clock());
  const p = palette(ctx.color);
  // Ctrl-C stops the agent's process group; the loop then ends, writes nothing and removes its worktree.
  const abort = abortOnInterrupt(ctx, 'stopping the agent…');
  let result: DecomposeResult;
  try {
    result = await runDecompose({
      root,
      config,
      spec: inputs.spec,
      specFile: inputs.specFile,
      features: inputs.features,
      rounds: inputs.rounds,
      force: Boolean(flags.force),
      runId,
      env: ctx.env,
      progress: (line: string) => (flags.json ? ctx.stderr : ctx.stdout).write(`${p.dim(line)}\n`),
      runAgent: decomposeAgentRunner(ctx, inputs, runId, abort.signal),
      signal: abort.signal,
    });
  } finally {
    abort.release();
  }
  const ok = Boolean(
    result.best && result.best.evaluation?.errors === 0 && result.rounds.every((r) => r.accepted),
  );
  if (flags.json) ctx.stdout.write(`${stringifyJson(toJson(result, ok), 2)}\n`);
  else ctx.stdout.write(renderResult(result, p, runId));
  // 130: stopped by Ctrl-C, as a shell reports it.
  if (result.interrupted) setExit(130);
  else if (!ok) setExit(1);
}

/** The flags parsed, the config loaded and the spec read: a user error for each that is wrong. */
async function readDecomposeInputs(
  ctx: CliContext,
  specPath: string,
  flags: DecomposeFlags,
): Promise<DecomposeInputs> {
  const rounds = positiveInt('--rounds', flags.rounds, 3);
  const features = flags.features === undefined ? undefined : positiveInt('--features', flags.features, 4);
  const root = await findMainWorktree(ctx.cwd);
  const loaded = loadConfig(root);
  if (!loaded.ok) {
    throw new UserError('config/invalid', 'the configuration is invalid', { diagnostics: loaded.errors });
  }
  const config = loaded.value;
  const agent = flags.agent ?? config.agent;
  const specFile = resolve(ctx.cwd, specPath);
  return { rounds, features, root, config, spec: readSpec(specFile, specPath), specFile, agent };
}

/** The spec's text: a regular file (not a folder, a device or a pipe, which could block) of at most MAX_SPEC_BYTES. */
function readSpec(file: string, shown: string): string {
  const hint = 'Pass the path of a markdown file that describes what to build.';
  const read = readRegularText(file, { maxBytes: MAX_SPEC_BYTES, what: 'a spec', followLinks: true });
  // An empty spec would cost an agent's session inventing features from nothing.
  if (read.ok && read.text.trim() === '')
    throw new UserError('decompose/no-spec', `${shown} is empty`, { hint, exitCode: 2 });
  if (read.ok) return read.text;
  if (read.reason === 'missing')
    throw new UserError('decompose/no-spec', `no spec at ${shown}`, { hint, exitCode: 2 });
  if (read.reason === 'too-large') {
    // It goes whole into the agent's task.
    throw new UserError('decompose/spec-too-large', `${shown} ${read.problem}`, {
      hint: 'Pass a shorter spec, e.g. the part to build now.',
      exitCode: 2,
    });
  }
  throw new UserError('decompose/no-spec', `${shown} ${read.problem}`, { hint, exitCode: 2 });
}

/** Runs the decomposing agent once per round, in the round's worktree, with its own log and state folder. */
function decomposeAgentRunner(
  ctx: CliContext,
  { root, config, agent }: DecomposeInputs,
  runId: string,
  signal: AbortSignal,
): DecomposeOptions['runAgent'] {
  const batonDir = ensureStateDir(root);
  const stateDir = join(batonDir, 'decompose', runId);
  const feature = decomposeFeature(config.specs, root);
  const timeoutMs = config.timeout_minutes ? config.timeout_minutes * 60_000 : undefined;
  return async ({ task, worktree, round }) => {
    const exit = await runAgentOnce({
      spec: agent,
      feature,
      task,
      worktree,
      dir: join(stateDir, `round-${round}`),
      stateDir: batonDir,
      config,
      // Its own log: the decomposing agent is not a feature of any run.
      logPath: join(stateDir, 'log.jsonl'),
      runId,
      env: ctx.env,
      batonCommand: [process.execPath, ctx.batonBin],
      signal,
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    });
    return { exitCode: exit.exitCode, timedOutAfterMs: exit.timedOut ? timeoutMs : undefined };
  };
}

/** The contract the decomposing agent runs under: it owns the specs folder and nothing else. */
function decomposeFeature(specs: string, root: string): Contract {
  const rel = specs.startsWith(root) ? specs.slice(root.length + 1) : 'specs';
  return {
    feature_id: DECOMPOSE_ID,
    title: 'Decompose the specification into feature contracts',
    provides: {},
    owns: [`${rel}/**`],
    depends_on: { features: [], services: [] },
    acceptance_criteria: [],
    body: '',
    file: `${rel}/${DECOMPOSE_ID}`,
  };
}

function toJson(r: DecomposeResult, ok: boolean): object {
  return {
    ok,
    rounds: r.rounds.map((x) => ({
      round: x.round,
      exit_code: x.exit_code,
      ...(x.timed_out_after_ms !== undefined ? { timed_out_after_ms: x.timed_out_after_ms } : {}),
      accepted: x.accepted,
      ...(x.refused ? { refused: x.refused } : {}),
      outside: x.outside,
      contracts: x.evaluation ? (x.evaluation.contracts ?? null) : undefined,
      errors: x.evaluation?.errors,
      warnings: x.evaluation ? x.evaluation.diagnostics.length - x.evaluation.errors : undefined,
      score: x.evaluation?.score,
    })),
    best_round: r.best?.round,
    written: r.written,
    removed: r.removed,
    kept: r.kept,
    remaining: r.best?.evaluation?.diagnostics ?? [],
    ...(r.kept_worktree ? { worktree: r.worktree } : {}),
    ...(r.interrupted ? { interrupted: true } : {}),
  };
}

function renderResult(r: DecomposeResult, p: Palette, runId: string): string {
  const out: string[] = [];
  const refused = r.rounds.find((x) => !x.accepted);
  if (r.interrupted) {
    const last = r.rounds.at(-1);
    out.push(
      p.red(
        `interrupted${last ? ` in round ${last.round}` : ''}: ${last ? 'the agent was stopped, ' : ''}nothing was written and the scratch worktree was removed [decompose/interrupted]`,
      ),
      ...(last ? [p.dim(`its output is in ${agentLog(runId, last.round)}`)] : []),
    );
    return `${out.join('\n')}\n`;
  }
  if (refused) out.push(...renderRefusal(refused, r.worktree, runId, p), '');
  const best = r.best;
  if (!best?.evaluation) {
    out.push(p.red('no round produced contracts to keep; nothing was written'));
    return `${out.join('\n')}\n`;
  }
  const e = best.evaluation;
  out.push(
    p.bold(`kept round ${best.round} of ${r.rounds.length}: ${contractsPhrase(e)}`),
    ...(r.written.length + r.removed.length + r.kept.length
      ? [
          ...r.written.map((f) => `  wrote ${escapeControl(f)}`),
          ...r.removed.map((f) => `  removed ${escapeControl(f)} (the agent removed it)`),
          ...r.kept.map(
            (f) =>
              `  kept ${escapeControl(f)} (the agent removed it; only a committed one is removed, with --force: remove it yourself if it should go)`,
          ),
        ]
      : ['  (no file changed)']),
    '',
  );
  if (e.plan) out.push(renderPlanText(e.plan, p));
  if (e.score) out.push(renderScoreText(e.score, p));
  if (e.diagnostics.length) {
    out.push(p.yellow(`left to fix (${e.diagnostics.length}):`), ...e.diagnostics.map(safeDiagnostic), '');
  } else out.push(p.green('lint is clean'));
  return `${out.join('\n')}\n`;
}

/** Where a round's agent output is kept (as `decomposeAgentRunner` puts it), relative to the repository. */
function agentLog(runId: string, round: number): string {
  return unitFilesIn(`.baton/decompose/${runId}/round-${round}`).logFile;
}

/** Why a round was refused, and where to look: its files, the kept worktree, the agent's output. */
function renderRefusal(refused: RoundResult, worktree: string, runId: string, p: Palette): string[] {
  // `baton clean` is for features' worktrees; this one is removed by hand once looked at.
  const where = `the agent's worktree is kept at ${worktree} (\`git worktree remove --force ${shellQuote(worktree)}\` removes it)`;
  if (refused.refused === 'agent-failed') {
    return [
      p.red(
        `round ${refused.round} refused: ${describeAgentExit(refused)}, so what it wrote in that round is not kept [decompose/agent-failed]`,
      ),
      p.dim(`its output is in ${agentLog(runId, refused.round)}; ${where}`),
    ];
  }
  const what =
    refused.refused === 'symlink'
      ? 'the agent left symbolic links in the specs folder (only regular files are copied) [decompose/symlink]:'
      : refused.refused === 'git-files'
        ? 'the agent left files git runs or reads in the specs folder (a repository of its own, .gitattributes, .gitignore, .gitmodules), which are never copied [decompose/git-files]:'
        : 'the agent changed files outside the specs folder:';
  return [
    p.red(`round ${refused.round} refused: ${what}`),
    ...refused.outside.map((f) => `  ${escapeControl(f)}`),
    p.dim(`nothing was reverted; ${where}`),
  ];
}

/** A diagnostic as lines, with control characters from agent-written contracts escaped. */
function safeDiagnostic(d: Parameters<typeof formatDiagnostic>[0]): string {
  return formatDiagnostic(d)
    .split('\n')
    .map((l) => escapeControl(l))
    .join('\n');
}
