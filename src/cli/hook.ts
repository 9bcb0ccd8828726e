import { type Command, Option } from 'commander';
import { isUnitId, MAX_FEATURE_ID_LENGTH } from '../contracts/feature-id.js';
import { UserError } from '../errors.js';
import { featureBranch, RESERVED_IDS } from '../git/refs.js';
import { buildHookEvent, type PayloadDropped } from '../log/hook.js';
import { logPathFor } from '../log/paths.js';
import { createLogSink } from '../log/sink.js';
import { escapeControl } from '../text/escape.js';
import type { RegisterCommand } from './commands.js';
import type { CliContext, StdinPayload } from './context.js';

/** The most of a hook payload Baton reads: agents' payloads are kilobytes; anything past this is not read. */
export const MAX_PAYLOAD_BYTES = 8 << 20;
/** How long `baton hook` waits for its payload to reach EOF before going on with what it has. */
export const PAYLOAD_TIMEOUT_MS = 5000;

/**
 * Reads a piped payload until EOF, however it arrives (late, slowly, in many pieces), but never more
 * than `maxBytes` and never for longer than `timeoutMs`: an over-long payload or one whose writer
 * never closes the pipe gives why it was dropped (a hook event without payload that says so), never a hang.
 */
export function readPayloadStream(
  stream: NodeJS.ReadableStream & { destroy?: () => void; isTTY?: boolean },
  options: { maxBytes?: number; timeoutMs?: number } = {},
): Promise<StdinPayload> {
  if (stream.isTTY) return Promise.resolve(undefined);
  const maxBytes = options.maxBytes ?? MAX_PAYLOAD_BYTES;
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (value: StdinPayload) => {
      if (settled) return;
      settled = true;
      clearImmediate(arm);
      clearTimeout(timer);
      stream.removeListener('data', onData);
      stream.removeListener('end', onEnd);
      stream.removeListener('error', onError);
      stream.pause();
      // Stop reading a stream that is still open, so the process can exit.
      if (typeof value !== 'string') stream.destroy?.();
      resolve(value);
    };
    const onData = (chunk: Buffer | string) => {
      const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      size += b.length;
      if (size > maxBytes) return finish({ dropped: 'too-large' });
      chunks.push(b);
    };
    const onEnd = () => finish(Buffer.concat(chunks).toString('utf8'));
    const onError = () => finish(size > 0 ? Buffer.concat(chunks).toString('utf8') : undefined);
    // The clock starts once the pipe has been polled (two check phases apart, so a whole I/O phase lies
    // between): a payload already written and closed is then read even when this process was held up for
    // longer than the timeout before it first polled (a busy machine), since timers run before I/O.
    let timer: NodeJS.Timeout | undefined;
    let arm = setImmediate(() => {
      arm = setImmediate(() => {
        timer = setTimeout(() => finish({ dropped: 'timeout' }), options.timeoutMs ?? PAYLOAD_TIMEOUT_MS);
        timer.unref?.();
      });
    });
    stream.on('data', onData);
    stream.once('end', onEnd);
    stream.once('error', onError);
    stream.resume();
  });
}

/** What stderr says when a payload was dropped: the event is still written, and the hook exits 0. */
const DROPPED_WHY = {
  'too-large': `over ${MAX_PAYLOAD_BYTES >> 20} MiB`,
  timeout: `still arriving after ${PAYLOAD_TIMEOUT_MS / 1000} s`,
} as const;

function parsePayload(text: string | undefined): unknown {
  if (text === undefined || text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return { message: text };
  }
}

/** The refusal of an id Baton keeps for itself (`integration`: its branch and worktree), which no feature has. */
function reservedId(id: string): UserError {
  return new UserError('hook/bad-feature', `"${id}" is Baton's own (${featureBranch(id)}), not a feature's`, {
    hint: 'A hook is for a feature: pass --feature <id>, or call it from inside that feature worktree.',
    exitCode: 2,
  });
}

async function findFeature(ctx: CliContext, explicit: string | undefined): Promise<string> {
  // A best-of-N attempt's events belong to its unit (`<id>.a<n>`): BATON_UNIT_ID, before the feature's id.
  const envName = ctx.env.BATON_UNIT_ID ? 'BATON_UNIT_ID' : 'BATON_FEATURE_ID';
  const fromEnv = ctx.env[envName];
  const id = explicit ?? (fromEnv && fromEnv !== '' ? fromEnv : undefined);
  if (id !== undefined) {
    if (RESERVED_IDS.has(id)) throw reservedId(id);
    if (isUnitId(id)) return id;
    // Written to the shared log and later into paths and branch names: only an id of the contracts' shape.
    const shown = id.length > 40 ? `${id.slice(0, 40)}… (${id.length} characters)` : id;
    throw new UserError(
      'hook/bad-feature',
      `${explicit !== undefined ? '--feature' : envName} "${escapeControl(shown)}" is not a feature id`,
      {
        hint: `A feature id is 1 to ${MAX_FEATURE_ID_LENGTH} lowercase letters, digits and dashes, starting with a letter or digit.`,
        exitCode: 2,
      },
    );
  }
  // git loads only on this fallback path: hooks run once per agent and must start fast.
  const { currentBranch, findRepoRoot } = await import('../git/git.js');
  const root = await findRepoRoot(ctx.cwd);
  const branch = await currentBranch(root);
  const m = branch ? /^baton\/(.+)$/.exec(branch) : null;
  if (m?.[1] && RESERVED_IDS.has(m[1])) throw reservedId(m[1]);
  if (m?.[1] && isUnitId(m[1])) return m[1];
  throw new UserError(
    'hook/no-feature',
    `cannot tell which feature this hook is for (branch: ${branch ?? 'detached'})`,
    {
      hint: 'Pass --feature <id>, set BATON_FEATURE_ID, or call it from inside a feature worktree (branch baton/<id>).',
      exitCode: 2,
    },
  );
}

/** `baton hook`: what an agent's hook (or a hand-written completion hook) calls. */
export const registerHook: RegisterCommand = (program: Command, ctx, _setExit) => {
  program
    .command('hook')
    .description(
      'append one event for the current feature to the shared log; called by agent hooks.\n' +
        'Reads the agent hook payload as JSON on stdin (Claude Code, Gemini CLI) or as the last argument (Codex notify).',
    )
    .argument('<event>', 'hook name: stop, session-end, notification, agent-turn-complete, or any name')
    .argument('[payload]', 'JSON payload passed as an argument (Codex notify)')
    .addOption(new Option('--status <status>', 'status to set: complete, failed, needs-input, running…'))
    .option('--feature <id>', 'feature id (default: $BATON_FEATURE_ID, or the worktree branch baton/<id>)')
    .option('--log <path>', 'log file (default: $BATON_LOG, or .baton/log.jsonl of the main checkout)')
    .addHelpText(
      'after',
      '\nExamples:\n  baton hook stop --status complete\n  echo \'{"session_id":"s1"}\' | baton hook stop --feature feature-002-catalog',
    )
    .action(
      async (
        event: string,
        payloadArg: string | undefined,
        opts: { status?: string; feature?: string; log?: string },
      ) => {
        const featureId = await findFeature(ctx, opts.feature);
        let payload: unknown;
        let dropped: PayloadDropped['dropped'] | undefined;
        if (payloadArg !== undefined) {
          try {
            payload = JSON.parse(payloadArg);
          } catch {
            payload = { message: payloadArg };
          }
        } else {
          const read = await ctx.readStdin();
          if (typeof read === 'object') dropped = read.dropped;
          else payload = parsePayload(read);
        }
        const built = buildHookEvent({
          event,
          featureId,
          ...(opts.status !== undefined ? { status: opts.status } : {}),
          ...(ctx.env.BATON_RUN_ID ? { runId: ctx.env.BATON_RUN_ID } : {}),
          payload,
          ...(dropped ? { payloadDropped: dropped } : {}),
        });
        if ('error' in built) throw new UserError('hook/bad-status', built.error, { exitCode: 2 });
        const logPath =
          opts.log ||
          ctx.env.BATON_LOG ||
          logPathFor(await (await import('../git/git.js')).findMainWorktree(ctx.cwd));
        createLogSink({ logPath, clock: ctx.clock }).emit(built.event);
        // Never a failure for the agent whose hook this is (exit 0), but never silent either.
        if (dropped) {
          ctx.stderr.write(
            `baton hook: payload dropped (${DROPPED_WHY[dropped]}); the event was logged without it (payload_dropped: "${dropped}")\n`,
          );
        }
      },
    );
};
