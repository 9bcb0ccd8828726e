/** How an attempt ended, in words (pure), shared by `baton pick`'s refusals and the report's attempts table. */

/**
 * An attempt's status and reason as one phrase (pure): `stopped: <reason>`, or the reason alone when it
 * begins with the status already (a log written before reasons dropped it), never `stopped: stopped: …`.
 */
export function attemptEndedWords(a: { status: string; reason?: string | null | undefined }): string {
  if (!a.reason) return a.status;
  return a.reason.startsWith(a.status) ? a.reason : `${a.status}: ${a.reason}`;
}
