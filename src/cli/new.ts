import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { loadConfig } from '../config.js';
import type { Config } from '../config-schema.js';
import { MAX_FEATURE_ID_LENGTH } from '../contracts/feature-id.js';
import { readContracts } from '../contracts/load.js';
import { detectTestRunner } from '../contracts/scaffold.js';
import {
  checkFeatureName,
  FEATURE_NAME_CHARS,
  MAX_FEATURE_NAME_LENGTH,
  nextFeatureId,
  renderContract,
  slugifyFeatureName,
  titleFromSlug,
} from '../contracts/template.js';
import { UserError } from '../errors.js';
import { projectRootForWriting } from '../project-root.js';
import { palette } from '../terminal/style.js';
import { escapeControl, stringifyJson } from '../text/escape.js';
import type { RegisterCommand } from './commands.js';
import { probeProject, schemaReference } from './init.js';
import { rootLine } from './init-summary.js';
import { refuseUnsafeWrite, writeInProject } from './project-writes.js';
import { refuseWrongKinds } from './wrong-kind.js';

/** `baton new <name>`: a new contract from the template, with the next free feature number. */
export const registerNew: RegisterCommand = (program, ctx) => {
  program
    .command('new')
    .argument('<name>', 'short name of the feature, e.g. upload or "product catalog"')
    .summary('write a new contract from the template, with the next free number')
    .description(
      'Write specs/feature-NNN-<name>/contract.md from the template, NNN being the next free number and <name> ' +
        `the name in lowercase with dashes. A name is ${FEATURE_NAME_CHARS}, ` +
        `at most ${MAX_FEATURE_NAME_LENGTH} characters (spaces around it are dropped); ` +
        'other names, and names already taken, are refused.',
    )
    .option('--title <title>', 'the feature title (default: from the name)')
    .option('--json', 'print { feature_id, file } as JSON')
    .action(async (name: string, flags: { title?: string; json?: boolean }) => {
      const problem = checkFeatureName(name);
      if (problem) {
        throw new UserError('new/invalid-name', `invalid feature name ${JSON.stringify(name)}: ${problem}`, {
          exitCode: 2,
          hint: 'For example: `baton new upload` or `baton new "product catalog"`.',
        });
      }
      const root = await projectRootForWriting(ctx.cwd, 'new');
      const config = loadConfig(root);
      if (!config.ok)
        throw new UserError('config/invalid', 'the configuration is invalid', { diagnostics: config.errors });
      const specs = config.value.specs;
      refuseWrongKinds('new', root, [{ path: relative(root, specs), kind: 'folder' }]);
      const existing = await takenNames(config.value);
      const slug = slugifyFeatureName(name);
      const same = existing.find(({ id }) => id === slug || id.replace(/^feature-\d+-/, '') === slug);
      if (same) {
        throw new UserError('new/exists', `a feature named "${slug}" already exists: ${same.where}`, {
          hint: 'Choose another name, or edit the existing contract.',
        });
      }
      const featureId = nextFeatureId(
        existing.map((e) => e.id),
        slug,
      );
      if (featureId === undefined) {
        throw new UserError(
          'new/no-number',
          `the next free number after those in ${relative(root, specs) || '.'} makes feature-<number>-${slug} longer than ${MAX_FEATURE_ID_LENGTH} characters`,
          { hint: 'Renumber the folder with the largest feature-<number>, or give a shorter name.' },
        );
      }
      const runner = detectTestRunner(probeProject(root));
      const dir = join(specs, featureId);
      const file = join(dir, 'contract.md');
      const text = renderContract({
        feature_id: featureId,
        title: flags.title ?? titleFromSlug(slug),
        name: slug,
        schemaPath: schemaReference(ctx, root, dir, 'contract.schema.json'),
        ...(runner ? { testCommand: runner.forFeature(slug) } : {}),
      });
      refuseUnsafeWrite('new', root, file);
      writeInProject('new', root, dir, () => mkdirSync(dir, { recursive: true }));
      writeInProject('new', root, file, () => writeFileSync(file, text, { flag: 'wx' }));
      const rel = relative(root, file);
      if (flags.json) {
        ctx.stdout.write(`${stringifyJson({ feature_id: featureId, file: rel }, 2)}\n`);
        return;
      }
      const p = palette(ctx.color);
      // Run from a subfolder, the path is still the root's: name the root, as init does.
      const lines = [
        ...rootLine(ctx, root),
        `${p.green('created')} ${escapeControl(rel)}`,
        'Edit what it provides, owns and depends on, and its acceptance criteria; then `baton lint`.',
      ];
      ctx.stdout.write(`${lines.join('\n')}\n`);
    });
};

/**
 * The names taken in the specs folder, each with where it is: every feature folder's name and every
 * contract's declared `feature_id` (a contract may declare an id other than its folder's).
 */
async function takenNames(config: Config): Promise<{ id: string; where: string }[]> {
  if (!existsSync(config.specs)) return [];
  const read = await readContracts(config);
  if (!read.ok) return [];
  const folder = (name: string) => relative(config.root, join(config.specs, name));
  return [
    ...read.value.folders.map((name) => ({ id: name, where: folder(name) })),
    ...read.value.contracts.map((c) => ({
      id: c.feature_id,
      where: `${c.feature_id}, declared in ${c.file}`,
    })),
  ];
}
