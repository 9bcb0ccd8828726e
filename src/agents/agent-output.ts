import type { AgentUsage } from '../log/events.js';

/** Every line of an agent's output that is a JSON object, in order; other lines are skipped. */
export function jsonObjectLines(output: string): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (const line of output.split('\n')) {
    const t = line.trim();
    if (!t.startsWith('{') || !t.endsWith('}')) continue;
    try {
      const v: unknown = JSON.parse(t);
      if (v !== null && typeof v === 'object' && !Array.isArray(v)) out.push(v as Record<string, unknown>);
    } catch {
      // a line of text that happens to look like JSON
    }
  }
  return out;
}

/** The last JSON line of an agent's output whose `type` is `type` (the closing `result` event), if any. */
export function lastEventOfType(output: string, type: string): Record<string, unknown> | undefined {
  return jsonObjectLines(output)
    .filter((e) => e.type === type)
    .at(-1);
}

/** An agent retrying its model API, as its last line of output says (Claude Code's stream-json `api_retry`). */
export interface ApiRetry {
  attempt?: number;
  max_retries?: number;
  /** The HTTP status the API answered (429, 529, …), when given. */
  status?: number;
}

/**
 * Whether the last JSON line of `tail` (the end of a running agent's log) says it is waiting to retry its
 * model API: `{"type":"system","subtype":"api_retry","attempt":2,"max_retries":10,"error_status":529,…}`.
 * Any later line (the retry went through) ends it. Pure; a torn first line is skipped.
 */
export function apiRetryIn(tail: string): ApiRetry | undefined {
  const last = jsonObjectLines(tail).at(-1);
  if (last?.type !== 'system' || last.subtype !== 'api_retry') return undefined;
  const attempt = numberOf(last.attempt);
  const max = numberOf(last.max_retries);
  const status = numberOf(last.error_status);
  return {
    ...(attempt !== undefined ? { attempt } : {}),
    ...(max !== undefined ? { max_retries: max } : {}),
    ...(status !== undefined ? { status } : {}),
  };
}

/** Token counts as usage: only the counts the agent reported, or undefined when it reported neither. */
export function tokenUsage(
  input: number | undefined,
  output: number | undefined,
): { input_tokens?: number; output_tokens?: number } | undefined {
  if (input === undefined && output === undefined) return undefined;
  return {
    ...(input !== undefined ? { input_tokens: input } : {}),
    ...(output !== undefined ? { output_tokens: output } : {}),
  };
}

/**
 * Two attempts' usage as one: every figure summed (each attempt was a session of its own, paid for),
 * the refused tool calls of both listed. A figure neither reported stays absent (pure).
 */
export function addUsage(a: AgentUsage | undefined, b: AgentUsage | undefined): AgentUsage | undefined {
  if (!a || !b) return a ?? b;
  const out: AgentUsage = {};
  for (const key of ['cost_usd', 'input_tokens', 'output_tokens', 'turns'] as const) {
    const x = a[key];
    const y = b[key];
    // Cents of two costs add up to float noise (0.1 + 0.2); eight decimals is below any price.
    if (x !== undefined || y !== undefined) out[key] = Math.round(((x ?? 0) + (y ?? 0)) * 1e8) / 1e8;
  }
  const denials = [...(a.permission_denials ?? []), ...(b.permission_denials ?? [])];
  if (denials.length > 0) out.permission_denials = denials;
  return out;
}

/** Reads a finite, non-negative number, or undefined. */
export function numberOf(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;
}

/** Reads a nested object field, or undefined. */
export function objectOf(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;
}

/**
 * Wording that model APIs use for "slow down" (HTTP 429), "overloaded" (HTTP 529) and "unavailable"
 * (HTTP 503): Anthropic's `rate_limit_error`/`overloaded_error`, OpenAI's `rate_limit_exceeded`,
 * Google's `RESOURCE_EXHAUSTED` ("Resource has been exhausted"), and the plain-English forms the CLIs
 * print around them.
 */
export const RATE_LIMIT_PATTERN =
  /rate[ _-]?limit|too many requests|overloaded|resource[ _](?:has been )?exhausted|\b(?:429|529)\b|service unavailable/i;

/**
 * Wording of quotas that reset after hours, not seconds: Codex's "You've hit your usage limit", Gemini's
 * "You have exhausted your daily quota". A retry after Baton's pause would fail the same way and is not made.
 */
export const LONG_QUOTA_PATTERN = /hit your usage limit|exhausted your daily quota/i;

/**
 * Whether a failed run's error text says the model API refused for load or quota (one that resets
 * within the run: not `LONG_QUOTA_PATTERN`); a success or a kill never is. `errorText` is only what the
 * agent itself said about why it stopped (its error events, its stderr, its last lines), never the
 * transcript: code and tool output mention "rate limit" and 429 too.
 */
export function looksRateLimited(errorText: string, exitCode: number | null): boolean {
  return (
    exitCode !== null &&
    exitCode !== 0 &&
    RATE_LIMIT_PATTERN.test(errorText) &&
    !LONG_QUOTA_PATTERN.test(errorText)
  );
}

/** The last `count` non-blank lines of `output`, in order (where a text-only agent says why it stopped). */
export function lastLines(output: string, count: number): string[] {
  const lines = output.split('\n').filter((l) => l.trim() !== '');
  return lines.slice(Math.max(0, lines.length - count));
}

/**
 * The last `count` lines of a JSON-streaming agent's output that are not JSON objects: its stderr and
 * its own notices (warnings, a stack trace as it gives up). The model's words and every tool's output
 * come inside JSON events, so they are never among these.
 */
export function ownTextLines(output: string, count: number): string[] {
  const lines = output.split('\n').filter((l) => {
    const t = l.trim();
    return t !== '' && !(t.startsWith('{') && t.endsWith('}'));
  });
  return lines.slice(Math.max(0, lines.length - count));
}

/** How many of its own text lines a JSON-streaming agent's rate-limit check reads (a stack trace's worth). */
export const OWN_TEXT_LINES = 40;
