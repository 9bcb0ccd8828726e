/** The `baton.config.json` that `baton init` writes (pure). */
export function renderConfig(schemaRef: string, agent = 'claude'): string {
  return `${JSON.stringify({ $schema: schemaRef, agent, specs: 'specs' }, null, 2)}\n`;
}

/**
 * `.gitignore` text with `.baton/` ignored: the text itself when an equivalent line is already there,
 * otherwise the line appended (never rewriting what the user wrote) (pure).
 */
export function ignoreBatonFolder(existing: string | undefined): { text: string; changed: boolean } {
  const current = existing ?? '';
  const already = current
    .split(/\r?\n/)
    .map((l) => l.trim())
    .some((l) => ['.baton', '.baton/', '/.baton', '/.baton/', '.baton/*', '/.baton/*'].includes(l));
  if (already) return { text: current, changed: false };
  const sep = current === '' || current.endsWith('\n') ? '' : '\n';
  return {
    text: `${current}${sep}# Baton's log, task files and agent logs (never committed)\n.baton/\n`,
    changed: true,
  };
}
