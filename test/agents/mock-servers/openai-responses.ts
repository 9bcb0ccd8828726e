import type { ServerResponse } from 'node:http';
import {
  type MockAction,
  type MockScript,
  type MockServer,
  nextAction,
  type RecordedRequest,
  rateLimiter,
  startMockServer,
  writeJson,
  writeSse,
} from './server.js';

/**
 * A mock of the OpenAI Responses API (`POST /v1/responses`, streamed as SSE) for Codex CLI, pointed at
 * through a `model_providers.<id>.base_url` entry with `wire_api = "responses"`. Event shapes follow
 * https://platform.openai.com/docs/api-reference/responses-streaming.
 */
export function startResponsesMock(script: MockScript): Promise<MockServer> {
  const limited = rateLimiter(script);
  let n = 0;
  return startMockServer((req, res) => {
    if (req.method !== 'POST' || !req.path.endsWith('/responses')) {
      writeJson(res, 404, { error: { message: 'not found', type: 'invalid_request_error' } });
      return;
    }
    if (limited()) {
      writeJson(
        res,
        429,
        {
          error: {
            message: 'Rate limit reached for requests',
            type: 'requests',
            code: 'rate_limit_exceeded',
          },
        },
        { 'retry-after': '1' },
      );
      return;
    }
    n += 1;
    answer(req, res, script, `resp_mock_${n}`);
  });
}

interface ResponsesBody {
  model?: string;
  tools?: Array<{ name?: string; type?: string }>;
  input?: Array<{ type?: string }>;
}

/** The shell command that performs an action, quoted for `sh`. */
function shellFor(action: MockAction): string {
  if ('run' in action) return action.run.command;
  const { path, content } = action.write;
  const q = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
  const dir = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '.';
  return `mkdir -p ${q(dir)} && printf '%s' ${q(content)} > ${q(path)}`;
}

function answer(req: RecordedRequest, res: ServerResponse, script: MockScript, id: string): void {
  const body = (req.body ?? {}) as ResponsesBody;
  const tools = new Set((body.tools ?? []).map((t) => t.name ?? t.type));
  const results = (body.input ?? []).filter(
    (i) => i.type === 'function_call_output' || i.type === 'custom_tool_call_output',
  ).length;
  const action = nextAction(script, results);
  const callId = `call_mock_${results + 1}`;
  let item: Record<string, unknown>;
  if (action && tools.has('exec_command')) {
    item = {
      type: 'function_call',
      id: `fc_${callId}`,
      call_id: callId,
      name: 'exec_command',
      arguments: JSON.stringify({ cmd: shellFor(action) }),
    };
  } else if (action && tools.has('shell')) {
    item = {
      type: 'function_call',
      id: `fc_${callId}`,
      call_id: callId,
      name: 'shell',
      arguments: JSON.stringify({ command: ['sh', '-c', shellFor(action)] }),
    };
  } else {
    item = {
      type: 'message',
      id: 'msg_mock_1',
      role: 'assistant',
      content: [{ type: 'output_text', text: script.finalText, annotations: [] }],
    };
  }
  writeSse(res, [
    { event: 'response.created', data: { type: 'response.created', response: { id } } },
    {
      event: 'response.output_item.done',
      data: { type: 'response.output_item.done', output_index: 0, item },
    },
    {
      event: 'response.completed',
      data: {
        type: 'response.completed',
        response: {
          id,
          usage: {
            input_tokens: 100,
            input_tokens_details: { cached_tokens: 0 },
            output_tokens: 20,
            output_tokens_details: { reasoning_tokens: 0 },
            total_tokens: 120,
          },
        },
      },
    },
  ]);
}
