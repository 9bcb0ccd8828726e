import { DEFAULT_HTTP_METHOD } from '../contracts/http-target.js';
import type { Contract } from '../contracts/schema.js';

/** Writes the text handed to an agent: the rules, the contract, the spec (pure). */
export function buildTaskPrompt(
  feature: Contract,
  opts: { branch: string; port: number; portBase: number },
): string {
  const owns = feature.owns.length
    ? feature.owns.map((g) => `- \`${g}\``).join('\n')
    : '- (no paths declared)';
  const criteria = feature.acceptance_criteria
    .map((c) => {
      const how = c.run
        ? ` — check: \`${c.run}\``
        : c.http
          ? ` — check: HTTP ${c.http.method ?? DEFAULT_HTTP_METHOD} ${c.http.url}`
          : '';
      const when = c.after === 'integration' ? ' (checked after integration)' : '';
      return `- [${c.id}] ${c.text}${how}${when}`;
    })
    .join('\n');
  const provides = Object.entries(feature.provides)
    .map(([k, v]) => `- ${k}: ${v.join(', ')}`)
    .join('\n');
  const deps = [
    ...feature.depends_on.features.map(
      (f) => `- feature ${f} (build against its contract; it is being built in parallel)`,
    ),
    ...feature.depends_on.services.map((s) => `- service: ${s}`),
  ].join('\n');
  const sections = [
    `# Task: ${feature.title} (${feature.feature_id})`,
    'You are one of several agents working in parallel on this codebase, each on its own feature, in its own git worktree.',
    '## Rules',
    [
      `- Work only in this worktree (branch \`${opts.branch}\`). Do not touch other checkouts.`,
      '- Change only the files this feature owns:',
      owns,
      '- Meet every acceptance criterion below; run the checks yourself before you finish.',
      '- Commit your work on this branch when you are done (uncommitted changes are committed for you at exit).',
      "- Do not use `git stash`: the stash is shared with the user's checkout and the other agents' worktrees, so `git stash pop` can take someone else's work.",
      `- If you start a server, use port $PORT (${opts.port}); ports ${opts.portBase}–${opts.portBase + 9} are yours.`,
    ].join('\n'),
    '## Provides',
    provides || '- (nothing declared)',
    '## Depends on',
    deps || '- nothing',
    '## Acceptance criteria',
    criteria || '- (none declared)',
  ];
  if (feature.body.trim()) sections.push('## Contract notes', feature.body.trim());
  if (feature.spec?.trim()) sections.push('## Specification', feature.spec.trim());
  return `${sections.join('\n\n')}\n`;
}
