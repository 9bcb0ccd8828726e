/**
 * What `baton init` says it did: the files, the agent and test command the config ends up with (a kept
 * config's own, not what the flags or the machine suggested), and what to do next.
 */
import { relative } from 'node:path';
import { printableArg } from '../agents/shell-words.js';
import type { TestRunner } from '../contracts/scaffold.js';
import { realNearest } from '../real-nearest.js';
import { type Palette, palette } from '../terminal/style.js';
import { escapeControl } from '../text/escape.js';
import type { CliContext } from './context.js';
import { describeFile, type InitPlan, SAMPLE_ID } from './init-plan.js';

/** What the summary is made from. */
export interface InitSummary {
  root: string;
  plan: InitPlan;
  gitignore: 'created' | 'appended' | 'already ignored';
  /** What of the commit's paths git ignores (a folder with a trailing slash), relative to the root. */
  ignored: readonly string[];
  agentFlag?: string;
  testFlag?: string;
  agentsFound: readonly string[];
  runner: TestRunner | undefined;
  /** Why package.json's "test" script went unread ("is not valid JSON (…)"), when it did. */
  unreadPackage?: string;
}

/** What `baton init` did and what to do next, in words. */
export function printInitSummary(ctx: CliContext, o: InitSummary): void {
  const p = palette(ctx.color);
  const { config, sample, specs, others } = o.plan;
  const files = [config, ...(sample ? [sample] : [])].map((f) => {
    const { word, rest } = describeFile(o.root, f);
    return `${word === 'kept' ? p.dim(word) : p.green(word)} ${escapeControl(rest)}`;
  });
  const skipped =
    sample === undefined
      ? [
          `${p.dim('no sample contract')}: ${escapeControl(specs)}/ already holds ${others.length} contract${others.length === 1 ? '' : 's'} (\`baton new <name>\` adds one)`,
        ]
      : [];
  const commit = [config.rel, '.gitignore', specs].map(printableArg).join(' ');
  const add = o.ignored.length > 0 ? 'add -f' : 'add';
  // The paths are the root's: from a subfolder, git is pointed at it.
  const git = inSubfolder(ctx, o.root)
    ? `git -C ${printableArg(relative(realNearest(ctx.cwd), realNearest(o.root)))}`
    : 'git';
  ctx.stdout.write(
    [
      // Run from a subfolder, the files still go to the repository's root: say where that is.
      ...rootLine(ctx, o.root),
      ...files,
      ...skipped,
      gitignoreLine(p, o.gitignore),
      ...agentLines(p, o),
      testLine(p, o),
      ...carriedLines(p, o),
      '',
      'Next:',
      `  baton new <name>   write a contract per feature (${escapeControl(specs)}/feature-NNN-<name>/contract.md)`,
      '  baton lint         check that every criterion is measurable and owned paths do not overlap',
      '  baton plan         see the waves, the critical path and the best possible speedup',
      '',
      // Read before the commit below: run top to bottom, it would otherwise take the backups in the specs folder.
      ...backupLines(o),
      'Then commit the contracts, so every feature worktree starts from them (the paths after -- keep',
      'anything else you had staged out of that commit):',
      ...ignoredLines(p, o),
      `  ${git} ${add} ${commit} && ${git} commit -m "Baton contracts" -- ${commit}`,
      '',
    ].join('\n'),
  );
}

/**
 * What to do with the backups `--force` wrote: they are not in that commit, and `baton run` refuses a
 * checkout with files it has not committed (the branches would not have them).
 */
function backupLines(o: InitSummary): string[] {
  const backups = [o.plan.config, ...(o.plan.sample ? [o.plan.sample] : [])].flatMap((f) =>
    f.action === 'replace' ? [escapeControl(relative(o.root, f.backup))] : [],
  );
  if (backups.length === 0) return [];
  const [the, it] = backups.length === 1 ? ['the backup', 'it'] : ['the backups', 'them'];
  return [
    `Once you have read ${the} (${backups.join(', ')}), move ${it} out of the repository or delete ${it}:`,
    '`baton run` refuses a checkout holding files that are not committed.',
    '',
  ];
}

/**
 * What to do when git ignores what the commit adds (a whitelist `.gitignore`, `*.json`): the command
 * below forces it (`git add -f`), and lines that stop ignoring it for good (the contracts `baton new`
 * adds later included).
 */
function ignoredLines(p: Palette, o: InitSummary): string[] {
  if (o.ignored.length === 0) return [];
  const paths = o.ignored.map((path) => escapeControl(path));
  const unignore = o.ignored.map((path) => `!/${escapeControl(path)}`).join('  ');
  return [
    `  ${p.yellow('git ignores')} ${paths.join(', ')}: the command below adds ${o.ignored.length === 1 ? 'it' : 'them'} with -f; to stop`,
    `  ignoring ${o.ignored.length === 1 ? 'it' : 'them'} (the contracts you add later too), add to .gitignore, after the rule that ignores ${o.ignored.length === 1 ? 'it' : 'them'}: ${unignore}`,
  ];
}

/**
 * The line that names the repository's root, when the command runs in a subfolder (its paths are
 * relative to the root): none at the root itself.
 */
export function rootLine(ctx: CliContext, root: string): string[] {
  return inSubfolder(ctx, root) ? [`in the repository's root, ${escapeControl(root)}:`] : [];
}

/** Whether the command runs in a folder below the repository's root. */
function inSubfolder(ctx: CliContext, root: string): boolean {
  return realNearest(ctx.cwd) !== realNearest(root);
}

/** What init did to .gitignore, in words. */
function gitignoreLine(p: Palette, gitignore: 'created' | 'appended' | 'already ignored'): string {
  if (gitignore === 'created') return `${p.green('created')} .gitignore (.baton/ ignored)`;
  if (gitignore === 'appended') return `${p.green('updated')} .gitignore (.baton/ appended)`;
  return `${p.dim('kept')} .gitignore (.baton/ already ignored)`;
}

/** Where the config `--force` replaced was kept. */
function backupOf(o: InitSummary): string {
  const { config } = o.plan;
  return config.action === 'replace' ? relative(o.root, config.backup) : config.rel;
}

/** What `init --force` would replace: the config, and the sample contract too when it was edited since init wrote it. */
function forceReplaces(o: InitSummary): string {
  const { config, sample } = o.plan;
  const edited = sample?.action === 'keep' ? ` and ${escapeControl(sample.rel)} (edited since)` : '';
  return `${escapeControl(config.rel)}${edited}, keeping a backup of ${edited ? 'each' : 'it'}`;
}

/** The agent the config names, where it comes from, and what the scripted demo agent can do. */
function agentLines(p: Palette, o: InitSummary): string[] {
  const { settings } = o.plan;
  const agent = escapeControl(settings.agent);
  const lines = [agentFrom(p, o)];
  const old = settings.replaced?.agent;
  if (old !== undefined && old !== settings.agent) {
    lines[0] += `; ${p.yellow(`the config it replaced named ${escapeControl(old)}`)} (kept in ${escapeControl(backupOf(o))}; \`baton init --force --agent ${escapeControl(old)}\` names it again)`;
  }
  if (settings.from === 'kept' && o.agentFlag !== undefined && o.agentFlag !== settings.agent) {
    lines[0] += `; ${p.yellow(`--agent ${o.agentFlag} is not written into a kept config`)}: \`baton init --force --agent ${o.agentFlag}\` replaces ${forceReplaces(o)}`;
  }
  if (agent === 'demo') {
    lines.push(
      `  the scripted demo agent (no model) writes only the features it has a recipe for: the sample ${SAMPLE_ID} and those \`baton demo\` sets up; give the contracts you add a real agent (\`baton agents\`)`,
    );
  }
  return lines;
}

function agentFrom(p: Palette, o: InitSummary): string {
  const { settings, config } = o.plan;
  const agent = escapeControl(settings.agent);
  if (settings.from === 'kept') return `agent: ${agent} (from ${escapeControl(config.rel)}, kept)`;
  const others = o.agentsFound.filter((n) => n !== settings.agent);
  if (o.agentFlag !== undefined)
    return `agent: ${agent} (from --agent)${o.agentsFound.length ? `; installed: ${o.agentsFound.join(', ')}` : ''}`;
  if (o.agentsFound.length > 0)
    return `agent: ${agent} (installed)${others.length ? `; also found: ${others.join(', ')}` : ''}`;
  return `agent: ${agent}, ${p.yellow('but no agent CLI was found on PATH')}: install one (\`baton agents\` says how), or try Baton with \`baton demo\``;
}

/**
 * What `--force` kept of the config it replaced (its settings but the agent and test, `specs` named with
 * its folder), or that it kept nothing because that config does not load.
 */
function carriedLines(p: Palette, o: InitSummary): string[] {
  const { settings, specs } = o.plan;
  if (settings.dropped !== undefined) {
    return [
      `${p.yellow('the config it replaced does not load')} (${escapeControl(settings.dropped)}): none of its settings were kept (they are in ${escapeControl(backupOf(o))})`,
    ];
  }
  const carried = settings.carried ?? [];
  if (carried.length === 0) return [];
  const named = carried.map((key) => (key === 'specs' ? `specs (${escapeControl(specs)}/)` : key));
  return [`settings kept from the config it replaced: ${named.join(', ')}`];
}

/** The test command the config names, where it comes from, and what the sample's criterion runs. */
function testLine(p: Palette, o: InitSummary): string {
  const { settings, config, sample, sampleTest } = o.plan;
  const file = escapeControl(config.rel);
  const test = settings.test === undefined ? undefined : escapeControl(settings.test);
  const runs =
    sample && sampleTest !== undefined ? `; the sample criterion runs \`${escapeControl(sampleTest)}\`` : '';
  const demo = runs && settings.agent === 'demo' ? " (the test the demo agent's recipe writes)" : '';
  let line: string;
  if (settings.from === 'kept') {
    line =
      test !== undefined ? `test: ${test} (from ${file}, kept)` : `test: ${p.yellow('none set')} in ${file}`;
    if (o.testFlag !== undefined && o.testFlag !== settings.test)
      line += `; ${p.yellow('--test is not written into a kept config')} (\`baton init --force --test …\` replaces ${forceReplaces(o)})`;
  } else if (o.runner) {
    line = `test: ${escapeControl(o.runner.command)} (from ${o.runner.source})`;
  } else {
    const fill = sample && sampleTest === undefined ? " and the sample's `run:`" : '';
    // A package.json that is there but unread is not "no test script": say why it went unread.
    const unread =
      o.unreadPackage === undefined
        ? ''
        : `; ${p.yellow(`package.json ${escapeControl(o.unreadPackage)}`)}, so its "test" script was not read`;
    line = `test: ${p.yellow('none found')} (package.json "test", pytest, go.mod, Cargo.toml, Makefile "test")${unread}; set "test" in ${file}${fill}`;
  }
  const old = settings.replaced;
  if (old && old.test !== settings.test)
    line += `; ${p.yellow(`the config it replaced had ${old.test === undefined ? 'none' : `\`${escapeControl(old.test)}\``}`)}`;
  return `${line}${runs}${demo}`;
}
