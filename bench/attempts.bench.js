// Best-of-N's overhead: `baton run` of 4 features, against `baton run --attempts 3` of the same 4 features
// (12 attempts: a worktree, branch, agent and checks each, then the selection), and the same work as a
// plain git loop (worktree add, the agent, the check, a commit per unit), for 4 and for 12 units.
// Reported: medians, and the time each extra attempt adds. Command agents write their owned file.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, ms, writeResult } from './harness.js';

const BATON = join(import.meta.dirname, '..', 'bin', 'baton.js');
const RUNS = Math.max(3, Number(process.env.BENCH_RUNS ?? 3));
const FEATURES = 4;
const ATTEMPTS = 3;
const ids = Array.from({ length: FEATURES }, (_, i) => `feature-00${i + 1}-file`);
const agentOf = (id) => `mkdir -p src/${id} && echo done > src/${id}/f.txt`;
const checkOf = (id) => `test -f src/${id}/f.txt`;

function makeRepo() {
  const parent = realpathSync(mkdtempSync(join(tmpdir(), 'baton-bench-attempts-')));
  const root = join(parent, 'repo');
  mkdirSync(root);
  const git = (...args) => execFileSync('git', args, { cwd: root, stdio: 'pipe' });
  git('init', '-q', '-b', 'main');
  git('config', 'gc.auto', '0');
  writeFileSync(join(root, 'README.md'), '# bench\n');
  for (const id of ids) {
    mkdirSync(join(root, 'specs', id), { recursive: true });
    writeFileSync(
      join(root, 'specs', id, 'contract.md'),
      [
        '---',
        `feature_id: ${id}`,
        `owns: ["src/${id}/**"]`,
        `agent: { command: ${JSON.stringify(agentOf(id))} }`,
        'acceptance_criteria:',
        `  - { id: file, text: "the file exists", run: ${JSON.stringify(checkOf(id))} }`,
        '---',
        '',
      ].join('\n'),
    );
  }
  git('add', '-A');
  git('-c', 'user.name=b', '-c', 'user.email=b@b', 'commit', '-q', '-m', 'contracts');
  return { parent, root };
}

/** One whole `baton run` (with `--attempts` when asked), checked to have done its work. */
function timeBaton(attempts) {
  const { parent, root } = makeRepo();
  const args = ['run', ...(attempts > 1 ? ['--attempts', String(attempts)] : [])];
  const t = performance.now();
  const r = spawnSync(process.execPath, [BATON, ...args], { cwd: root, stdio: 'pipe', encoding: 'utf8' });
  const elapsed = performance.now() - t;
  if (r.status !== 0) throw new Error(`baton ${args.join(' ')} failed: ${r.stdout}${r.stderr}`);
  const log = readFileSync(join(root, '.baton', 'log.jsonl'), 'utf8');
  const selected = log.split('\n').filter((l) => l.includes('"attempt.selected"')).length;
  if (selected !== (attempts > 1 ? FEATURES : 0))
    throw new Error(`expected ${FEATURES} selections, got ${selected}`);
  rmSync(parent, { recursive: true, force: true });
  return elapsed;
}

/** The plain git loop doing the same units: worktree add, the agent, its check, a commit. */
function timeGitLoop(attempts) {
  const { parent, root } = makeRepo();
  const lines = [];
  for (const id of ids) {
    for (let n = 1; n <= attempts; n++) {
      const unit = attempts > 1 ? `${id}.a${n}` : id;
      lines.push(
        `git worktree add -q -b baton/${unit} ../wt/${unit} HEAD && (cd ../wt/${unit} && ${agentOf(id)} && ` +
          `${checkOf(id)} && git add -A && git -c user.name=b -c user.email=b@b commit -q -m ${unit})`,
      );
    }
  }
  const t = performance.now();
  execFileSync('sh', ['-ec', lines.join('\n')], { cwd: root, stdio: 'pipe' });
  const elapsed = performance.now() - t;
  rmSync(parent, { recursive: true, force: true });
  return elapsed;
}

timeBaton(1); // warm the file cache
const baton1 = [];
const batonN = [];
const git1 = [];
const gitN = [];
for (let i = 0; i < RUNS; i++) {
  git1.push(timeGitLoop(1));
  gitN.push(timeGitLoop(ATTEMPTS));
  baton1.push(timeBaton(1));
  batonN.push(timeBaton(ATTEMPTS));
}
const extra = FEATURES * (ATTEMPTS - 1);
const m = {
  baton1: median(baton1),
  batonN: median(batonN),
  git1: median(git1),
  gitN: median(gitN),
};
const perAttemptBaton = (m.batonN - m.baton1) / extra;
const perAttemptGit = (m.gitN - m.git1) / extra;

writeResult('attempts', {
  title: `Best-of-N: ${ATTEMPTS} attempts × ${FEATURES} features against ${FEATURES} features`,
  markdown: [
    `${FEATURES} features whose command agent writes its owned file, each checked by one \`run:\` criterion. Baton's`,
    `figure is the whole \`baton run\` process with every unit at once (\`-j\` unset): with \`--attempts ${ATTEMPTS}\` each`,
    'feature gets 3 worktrees, branches, port blocks, agents and check runs, then the selection and the move of',
    '`baton/<id>` to the winner. The baseline is the plain git loop doing the same units one after another',
    `(worktree add, the agent, the check, a commit). Median of ${RUNS} runs each.`,
    '',
    '| | plain git loop (median) | baton run (median) | ratio |',
    '| --- | --- | --- | --- |',
    `| ${FEATURES} features (${FEATURES} units) | ${ms(m.git1)} | ${ms(m.baton1)} | ${(m.baton1 / m.git1).toFixed(1)}× |`,
    `| ${FEATURES} features × ${ATTEMPTS} attempts (${FEATURES * ATTEMPTS} units) | ${ms(m.gitN)} | ${ms(m.batonN)} | ${(m.batonN / m.gitN).toFixed(1)}× |`,
    `| each extra attempt (${extra} of them) | ${ms(perAttemptGit)} | ${ms(perAttemptBaton)} | ${(perAttemptBaton / perAttemptGit).toFixed(1)}× |`,
    '',
    `With these instant agents, best-of-N ×${ATTEMPTS} took baton ${((m.batonN / m.baton1 - 1) * 100).toFixed(0)} % more wall-clock than the`,
    `plain run: ${ms(perAttemptBaton)} per extra attempt, against ${ms(perAttemptGit)} for the git loop doing the same unit. With real`,
    'agents the agents themselves dominate; this is the machinery alone.',
  ].join('\n'),
  data: {
    features: FEATURES,
    attempts: ATTEMPTS,
    runs: RUNS,
    baton_plain_ms: baton1,
    baton_attempts_ms: batonN,
    git_loop_plain_ms: git1,
    git_loop_attempts_ms: gitN,
    median_ms: m,
    per_extra_attempt_ms: { baton: perAttemptBaton, git_loop: perAttemptGit },
  },
});
