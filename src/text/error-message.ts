/** What a thrown value says: an Error's message, anything else as a string. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The first line of what a thrown value says (`errorMessage`), for a one-line report. */
export function errorLine(err: unknown): string {
  return errorMessage(err).split('\n')[0] ?? '';
}
