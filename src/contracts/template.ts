import { MAX_FEATURE_ID_LENGTH } from './feature-id.js';
import { FEATURE_ID_PATTERN } from './schema.js';

/** What a new contract is written from. */
export interface ContractTemplate {
  feature_id: string;
  title: string;
  /** The short name (`upload`), used for owned folders and test filters. */
  name: string;
  /** Path from the contract's folder to the published JSON Schema, for editors' YAML language servers. */
  schemaPath?: string | undefined;
  /** The command that runs this feature's tests with the project's own runner (`node --test test/upload/`). */
  testCommand?: string;
  /** The contract's description, in place of the placeholder that asks for one. */
  description?: string;
}

/** The sentence the template's body starts with; still there means nobody described the feature yet. */
export const TEMPLATE_PLACEHOLDER = 'Describe the feature for the agent here:';

/** The run command written when no test runner was found: it fails, saying what to write instead. */
export function placeholderTestCommand(name: string): string {
  return `echo "TODO: the command that runs the ${name} tests" && exit 1`;
}

/** The longest feature name `baton new` takes (it becomes part of a branch name). */
export const MAX_FEATURE_NAME_LENGTH = 48;

/** The characters of a feature name, as {@link checkFeatureName} enforces them: its error and `baton new --help` say it. */
export const FEATURE_NAME_CHARS =
  'ASCII letters (a-z, A-Z), digits, spaces, dashes and underscores, starting with a letter or digit';

/** Why a feature name cannot be used, or undefined when it can (pure). */
export function checkFeatureName(raw: string): string | undefined {
  const name = raw.trim();
  if (name === '') return 'the name is empty';
  if (/[/\\]|\.\./.test(name)) return 'it contains a path separator or ".."';
  if (!/^[A-Za-z0-9][A-Za-z0-9 _-]*$/.test(name)) return `use ${FEATURE_NAME_CHARS}`;
  if (name.length > MAX_FEATURE_NAME_LENGTH)
    return `it is ${name.length} characters long; keep it to at most ${MAX_FEATURE_NAME_LENGTH} (it becomes a branch name)`;
  return undefined;
}

/** `Product Catalog` → `product-catalog` (pure; assumes `checkFeatureName` passed). */
export function slugifyFeatureName(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[\s_]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '');
}

/**
 * The next `feature-NNN-<slug>` id after the numbers already used in `existing` (pure); undefined when
 * that number makes the id longer than an id may be.
 */
export function nextFeatureId(existing: readonly string[], slug: string): string | undefined {
  // Whole numbers of any length: a folder may carry more digits than a double holds exactly.
  let max = 0n;
  for (const id of existing) {
    const m = /^feature-(\d+)(-|$)/.exec(id);
    if (m && BigInt(m[1] ?? '0') > max) max = BigInt(m[1] ?? '0');
  }
  const id = `feature-${String(max + 1n).padStart(3, '0')}-${slug}`;
  if (id.length > MAX_FEATURE_ID_LENGTH) return undefined;
  if (!FEATURE_ID_PATTERN.test(id)) throw new Error(`generated an invalid feature id: ${id}`);
  return id;
}

/** `product-catalog` → `Product catalog`. */
export function titleFromSlug(slug: string): string {
  const words = slug.replace(/-/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** A new contract in front-matter form whose criteria are all checkable, ready to edit (pure). */
export function renderContract(t: ContractTemplate): string {
  const schema = t.schemaPath ? `# yaml-language-server: $schema=${t.schemaPath}\n` : '';
  return `---
${schema}feature_id: ${t.feature_id}
title: ${JSON.stringify(t.title)}
# What this feature offers to the others (free-form lists; api and models are conventional).
provides:
  api: []
  models: []
# Files this feature may change; two features owning the same path without a dependency is a lint warning.
owns:
  - src/${t.name}/**
  - test/${t.name}/**
depends_on:
  features: []
  services: []
# Measurable criteria only: each has a \`run\` command (exit 0 = pass), an \`http\` latency check or a \`files\` check.
acceptance_criteria:
  - id: tests
    text: The ${t.name} tests pass
    run: ${JSON.stringify(t.testCommand ?? placeholderTestCommand(t.name))}
  - id: files
    text: The ${t.name} module exists
    files:
      exist: ["src/${t.name}/**"]
# Sequential estimate in minutes, for the plan's critical path and Amdahl bound.
estimate_minutes: 30
---
# ${t.title}

${t.description ?? `${TEMPLATE_PLACEHOLDER} the behaviour, the edge cases, what is out of scope.`}
Longer material can go in spec.md next to this file.
`;
}
