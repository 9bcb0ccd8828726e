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
 * A mock of the OpenAI Chat Completions API (`POST /v1/chat/completions`, streamed as SSE) for OpenCode,
 * configured as an `@ai-sdk/openai-compatible` provider with `options.baseURL`. Chunk shapes follow
 * https://platform.openai.com/docs/api-reference/chat-streaming.
 */
export function startChatMock(script: MockScript): Promise<MockServer> {
  const limited = rateLimiter(script);
  return startMockServer((req, res) => {
    if (req.method !== 'POST' || !req.path.endsWith('/chat/completions')) {
      writeJson(res, 404, { error: { message: 'not found', type: 'invalid_request_error' } });
      return;
    }
    if (toolNames(req).size > 0 && limited()) {
      writeJson(res, 429, {
        error: { message: 'Rate limit reached for requests', type: 'requests', code: 'rate_limit_exceeded' },
      });
      return;
    }
    answer(req, res, script);
  });
}

interface ChatBody {
  model?: string;
  tools?: Array<{ function?: { name?: string } }>;
  messages?: Array<{ role: string }>;
}

function toolNames(req: RecordedRequest): Set<string | undefined> {
  return new Set((((req.body ?? {}) as ChatBody).tools ?? []).map((t) => t.function?.name));
}

function answer(req: RecordedRequest, res: ServerResponse, script: MockScript): void {
  const body = (req.body ?? {}) as ChatBody;
  const tools = toolNames(req);
  const results = (body.messages ?? []).filter((m) => m.role === 'tool').length;
  const action = tools.size > 0 ? nextAction(script, results) : undefined;
  const base = {
    id: 'chatcmpl-mock',
    object: 'chat.completion.chunk',
    created: 1_700_000_000,
    model: body.model,
  };
  const chunk = (choice: Record<string, unknown>) => ({
    data: { ...base, choices: [{ index: 0, ...choice }] },
  });
  let frames: Array<{ data: unknown }>;
  if (action) {
    const [name, args] =
      'write' in action
        ? ['write', { filePath: action.write.path, content: action.write.content }]
        : ['bash', { command: action.run.command, description: 'Run a command' }];
    frames = [
      chunk({
        delta: {
          role: 'assistant',
          tool_calls: [
            { index: 0, id: `call_mock_${results + 1}`, type: 'function', function: { name, arguments: '' } },
          ],
        },
        finish_reason: null,
      }),
      chunk({
        delta: { tool_calls: [{ index: 0, function: { arguments: JSON.stringify(args) } }] },
        finish_reason: null,
      }),
      chunk({ delta: {}, finish_reason: 'tool_calls' }),
    ];
  } else {
    frames = [
      chunk({ delta: { role: 'assistant', content: script.finalText }, finish_reason: null }),
      chunk({ delta: {}, finish_reason: 'stop' }),
    ];
  }
  frames.push({
    data: { ...base, choices: [], usage: { prompt_tokens: 100, completion_tokens: 20, total_tokens: 120 } },
  });
  frames.push({ data: '[DONE]' });
  writeSse(res, frames);
}
