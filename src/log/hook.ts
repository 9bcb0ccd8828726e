import type { FeatureStatus, HookEvent, NewEvent } from './events.js';
import { normaliseStatus } from './statuses.js';

/** What `baton hook` was told: the hook's name, the feature, and the agent's payload if any. */
export interface HookInput {
  event: string;
  featureId: string;
  status?: string;
  runId?: string;
  /** The JSON an agent hook passes (Claude/Gemini on stdin, Codex as an argument). */
  payload?: unknown;
  /** Why the payload on stdin was not read, when it was not (`PayloadDropped`). */
  payloadDropped?: PayloadDropped['dropped'];
}

/** A stdin payload left unread: over the size cap, or its writer kept the pipe open past the time limit. */
export interface PayloadDropped {
  dropped: NonNullable<HookEvent['payload_dropped']>;
}

const DETAIL_MAX = 200;

/** Pulls a short, secret-free description out of an agent's hook payload (pure). */
export function summarisePayload(payload: unknown): { detail?: string; session_id?: string } {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) return {};
  const p = payload as Record<string, unknown>;
  const session = p.session_id ?? p['thread-id'] ?? p.sessionId;
  const text =
    p.last_assistant_message ?? p['last-assistant-message'] ?? p.message ?? p.prompt_response ?? p.title;
  const out: { detail?: string; session_id?: string } = {};
  if (typeof session === 'string') out.session_id = session.slice(0, 100);
  if (typeof text === 'string' && text.trim() !== '') {
    const one = text.replace(/\s+/g, ' ').trim();
    out.detail = one.length > DETAIL_MAX ? `${one.slice(0, DETAIL_MAX)}…` : one;
  }
  return out;
}

/** Turns a hook call into the event appended to the log; an unknown status is a value error. */
export function buildHookEvent(input: HookInput): { event: NewEvent } | { error: string } {
  let status: FeatureStatus | undefined;
  if (input.status !== undefined) {
    status = normaliseStatus(input.status);
    if (!status) {
      return {
        error: `unknown status "${input.status}"; expected one of complete, failed, needs-input, running, empty, timeout, interrupted`,
      };
    }
  }
  const summary = summarisePayload(input.payload);
  const event: NewEvent = {
    type: 'hook',
    feature_id: input.featureId,
    event: input.event,
    ...(input.runId ? { run_id: input.runId } : {}),
    ...(status ? { status } : {}),
    ...summary,
    ...(input.payloadDropped ? { payload_dropped: input.payloadDropped } : {}),
  };
  return { event };
}
