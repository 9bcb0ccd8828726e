/**
 * The built-in scripted agent behind `agent: demo`. It does a feature's real work without a model:
 * copies the feature's recipe (source and tests) into the worktree, takes a set working time to
 * stand in for an agent's minutes, commits, and reports through `baton hook` as a real agent would.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...listFiles(full));
    else out.push(full);
  }
  return out;
}

async function main(): Promise<number> {
  const featureId = process.env.BATON_FEATURE_ID;
  const recipes = process.env.BATON_DEMO_RECIPES;
  const seconds = Number(process.env.BATON_DEMO_SECONDS ?? '5');
  const hook = process.env.BATON_HOOK_COMMAND
    ? (JSON.parse(process.env.BATON_HOOK_COMMAND) as string[])
    : undefined;
  if (!featureId || !recipes) {
    process.stderr.write(
      'demo agent: BATON_FEATURE_ID and BATON_DEMO_RECIPES must be set (run it through `baton run`)\n',
    );
    return 2;
  }
  const recipe = join(recipes, featureId);
  if (!existsSync(recipe)) {
    process.stderr.write(`demo agent: no recipe for ${featureId} in ${recipes}\n`);
    return 2;
  }
  const worktree = process.cwd();
  // A recipe's contracts are written under `specs/`; `BATON_DEMO_SPECS` names the config's folder.
  const specs = process.env.BATON_DEMO_SPECS;
  const placed = (file: string) =>
    specs && specs !== 'specs' && file.startsWith('specs/')
      ? `${specs}/${file.slice('specs/'.length)}`
      : file;
  const recipeFiles = listFiles(recipe).map((f) => relative(recipe, f));
  const files = recipeFiles.map(placed);
  process.stdout.write(
    `demo agent: ${featureId}: reading the task (${process.env.BATON_TASK_FILE ?? 'no task file'})\n`,
  );
  await sleep((seconds * 1000) / 2);
  for (const [i, file] of files.entries()) {
    cpSync(join(recipe, recipeFiles[i] as string), join(worktree, file), { recursive: false });
    process.stdout.write(`demo agent: wrote ${file}\n`);
  }
  await sleep((seconds * 1000) / 2);
  const git = (...args: string[]) =>
    execFileSync('git', args, { cwd: worktree, stdio: ['ignore', 'pipe', 'pipe'] });
  git('add', '--', ...files);
  git(
    '-c',
    'user.name=Baton demo agent',
    '-c',
    'user.email=demo-agent@localhost',
    'commit',
    '-q',
    '--no-verify',
    // A recipe replayed in a later round (decompose hands findings back) changes nothing; still a turn.
    '--allow-empty',
    '-m',
    `Implement ${featureId}`,
  );
  process.stdout.write(`demo agent: committed ${files.length} files (turns: ${files.length + 1})\n`);
  if (hook && hook.length > 0) {
    const [cmd, ...args] = hook;
    // A best-of-N attempt's hook belongs to its unit (`<id>.a<n>`), which BATON_UNIT_ID names.
    const unit = process.env.BATON_UNIT_ID || featureId;
    execFileSync(cmd!, [...args, 'hook', 'stop', '--feature', unit], {
      cwd: worktree,
      input: JSON.stringify({
        session_id: `demo-${featureId}`,
        last_assistant_message: `Implemented ${featureId}: ${files.length} files.`,
      }),
      stdio: ['pipe', 'inherit', 'inherit'],
    });
  }
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`demo agent: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
