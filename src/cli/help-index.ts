/**
 * What top-level `baton --help` lists, without loading any command's module: each command's term
 * and summary, generated from the real commands by `npm run help-index` (test/perf/cli-start.test.ts
 * fails when they drift apart).
 */
import { type Command, Help } from 'commander';

/** Each command's help term (`name [options] <args>`) and one-line summary, in `--help` order. */
export const HELP_INDEX: ReadonlyArray<readonly [term: string, summary: string]> = [
  ['init [options]', 'set up Baton here: a config, .baton/ in .gitignore, a sample contract'],
  ['new [options] <name>', 'write a new contract from the template, with the next free number'],
  ['lint [options]', 'check contracts: valid? criteria measurable? owned paths overlapping?'],
  ['plan [options]', 'show waves, critical path, integration points and the Amdahl bound'],
  ['couple [options]', 'show how the features are coupled: co-change history, imports, hotspots'],
  ['decompose [options] <spec>', 'have an agent split a spec into contracts, scored for independence'],
  [
    'run [options] [ids...]',
    'create a worktree and branch per feature and run its agent, in parallel; checks run after each agent',
  ],
  [
    'hook [options] <event> [payload]',
    'append one event for the current feature to the shared log; called by agent hooks.\nReads the agent hook payload as JSON on stdin (Claude Code, Gemini CLI) or as the last argument (Codex notify).',
  ],
  [
    'status [options]',
    'show every feature: status, agent, elapsed, exit code, checks, cost, last event or why it failed (folded from .baton/log.jsonl)',
  ],
  [
    'attach [options] [id]',
    "jump to an interactive agent's tmux window; without an id, the first feature (or best-of-N attempt) that needs input",
  ],
  [
    'send [options] <id> <text...>',
    "type a message into an interactive agent's tmux window (recorded as a user intervention)",
  ],
  [
    'stop [ids...]',
    "end every agent of the current interactive run: each pane whose program is proven this run's agent (its BATON_RUN_ID and this repository's BATON_LOG), by its process group; other windows are left alone and named",
  ],
  [
    'verify [options] [ids...]',
    "run each feature's acceptance criteria (commands, HTTP latency, files) and record the results",
  ],
  [
    'pick [options] <id> <attempt>',
    "best-of-N: keep another attempt instead of the checks' choice (moves baton/<id> to its commit)",
  ],
  [
    'integrate [options] [ids...]',
    'predict conflicts between feature branches, then merge the complete ones in dependency order on baton/integration, in a worktree of its own (your checkout is never touched), testing after each merge',
  ],
  [
    'report [options]',
    'measure a run: time-tracking worksheet and speedup, conflicts, integration ratio, Amdahl, diagnosis',
  ],
  ['phase', 'record the start or end of a phase (specification, planning…) for the report'],
  [
    'dashboard [options]',
    'serve a live local web page of the run: board, timeline, dependency graph and metrics',
  ],
  [
    'agents [options]',
    'list the agents Baton can run, whether each is installed, and the command it would run',
  ],
  [
    'clean [options] [ids...]',
    "remove feature worktrees and their baton/<id> branches (best-of-N attempts' baton/<id>.a<n> too), refusing those whose work would be lost (uncommitted changes, commits not merged into baton/integration or the base) unless --force",
  ],
  [
    'doctor [options]',
    'check git (≥ 2.38), Node, the agents on PATH (and command agents), the config and contracts, uncommitted changes run would refuse, the log, the last run, worktrees left behind and git lock files; it only reads, never repairs',
  ],
  [
    'demo [options]',
    'run the whole method on a built-in example with no API key: a fresh repo with the Assignment Grader\n(Upload, Grade, Feedback), decompose its spec into contracts, lint, plan, parallel agents, checks,\nintegration with tests, report',
  ],
  [
    'worker [options]',
    'take feature jobs from a `baton run --queue` run and do them here, in a cached clone of the hub',
  ],
  ['workers [options]', 'list the live `baton worker`s of a queue (from their heartbeats)'],
];

/** Adds the index's commands to `program` as names and summaries only, for the top-level help. */
export function registerHelpIndex(program: Command): void {
  const terms = new Map<string, string>();
  for (const [term, summary] of HELP_INDEX) {
    const name = term.split(' ')[0]!;
    terms.set(name, term);
    program.command(name).summary(summary);
  }
  const standard = new Help();
  program.configureHelp({ subcommandTerm: (cmd) => terms.get(cmd.name()) ?? standard.subcommandTerm(cmd) });
}
