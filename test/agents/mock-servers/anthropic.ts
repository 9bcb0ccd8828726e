import type { ServerResponse } from 'node:http';
import {
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
 * A mock of the Anthropic Messages API (`POST /v1/messages`, streamed as SSE) for Claude Code, pointed
 * at with `ANTHROPIC_BASE_URL`. Event shapes follow https://docs.anthropic.com/en/api/messages-streaming.
 */
export function startAnthropicMock(script: MockScript): Promise<MockServer> {
  const limited = rateLimiter(script);
  return startMockServer((req, res) => {
    if (req.method !== 'POST' || !req.path.startsWith('/v1/messages')) {
      writeJson(res, 404, { type: 'error', error: { type: 'not_found_error', message: 'not found' } });
      return;
    }
    if (req.path.startsWith('/v1/messages/count_tokens')) {
      writeJson(res, 200, { input_tokens: 100 });
      return;
    }
    if (isAgentTurn(req) && limited()) {
      // x-should-retry: false makes the SDK give up at once instead of retrying for minutes.
      writeJson(
        res,
        429,
        {
          type: 'error',
          error: { type: 'rate_limit_error', message: 'Number of requests has exceeded your rate limit' },
        },
        { 'x-should-retry': 'false', 'retry-after': '1' },
      );
      return;
    }
    answer(req, res, script);
  });
}

interface MessagesBody {
  model?: string;
  stream?: boolean;
  tools?: Array<{ name?: string }>;
  messages?: Array<{ role: string; content: unknown }>;
}

function isAgentTurn(req: RecordedRequest): boolean {
  return ((req.body as MessagesBody | undefined)?.tools ?? []).length > 0;
}

function toolResults(body: MessagesBody): number {
  let n = 0;
  for (const m of body.messages ?? []) {
    if (Array.isArray(m.content))
      n += m.content.filter((c: { type?: string }) => c.type === 'tool_result').length;
  }
  return n;
}

type Block = { type: 'text'; text: string } | { type: 'tool_use'; id: string; name: string; input: unknown };

function answer(req: RecordedRequest, res: ServerResponse, script: MockScript): void {
  const body = (req.body ?? {}) as MessagesBody;
  const tools = new Set((body.tools ?? []).map((t) => t.name));
  const action = tools.size > 0 ? nextAction(script, toolResults(body)) : undefined;
  let block: Block;
  if (action) {
    block =
      'write' in action
        ? {
            type: 'tool_use',
            id: `toolu_mock_${toolResults(body) + 1}`,
            name: 'Write',
            input: { file_path: action.write.path, content: action.write.content },
          }
        : {
            type: 'tool_use',
            id: `toolu_mock_${toolResults(body) + 1}`,
            name: 'Bash',
            input: { command: action.run.command, description: 'Run a command' },
          };
  } else {
    block = { type: 'text', text: script.finalText };
  }
  const stopReason = block.type === 'tool_use' ? 'tool_use' : 'end_turn';
  const model = body.model ?? 'claude-mock';
  const usage = {
    input_tokens: 100,
    output_tokens: 1,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
  };
  if (!body.stream) {
    writeJson(res, 200, {
      id: 'msg_mock',
      type: 'message',
      role: 'assistant',
      model,
      content: [block],
      stop_reason: stopReason,
      stop_sequence: null,
      usage: { ...usage, output_tokens: 20 },
    });
    return;
  }
  const start =
    block.type === 'text'
      ? { type: 'text', text: '' }
      : { type: 'tool_use', id: block.id, name: block.name, input: {} };
  const delta =
    block.type === 'text'
      ? { type: 'text_delta', text: block.text }
      : { type: 'input_json_delta', partial_json: JSON.stringify(block.input) };
  const events = [
    {
      type: 'message_start',
      message: {
        id: 'msg_mock',
        type: 'message',
        role: 'assistant',
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage,
      },
    },
    { type: 'content_block_start', index: 0, content_block: start },
    { type: 'content_block_delta', index: 0, delta },
    { type: 'content_block_stop', index: 0 },
    {
      type: 'message_delta',
      delta: { stop_reason: stopReason, stop_sequence: null },
      usage: { output_tokens: 20 },
    },
    { type: 'message_stop' },
  ];
  writeSse(
    res,
    events.map((e) => ({ event: e.type, data: e })),
  );
}
