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
 * A mock of the Gemini API (`models/<m>:streamGenerateContent?alt=sse`, `:generateContent`,
 * `:countTokens`) for Gemini CLI, pointed at with `GOOGLE_GEMINI_BASE_URL`. Shapes follow
 * https://ai.google.dev/api/generate-content.
 */
export function startGeminiMock(script: MockScript): Promise<MockServer> {
  const limited = rateLimiter(script);
  return startMockServer((req, res) => {
    if (req.method !== 'POST' || !req.path.includes('/models/')) {
      writeJson(res, 404, { error: { code: 404, message: 'not found', status: 'NOT_FOUND' } });
      return;
    }
    if (req.path.includes(':countTokens')) {
      writeJson(res, 200, { totalTokens: 100 });
      return;
    }
    const agentTurn = toolNames(req).size > 0;
    if (agentTurn && limited()) {
      writeJson(res, 429, {
        error: {
          code: 429,
          message: 'Resource has been exhausted (e.g. check quota).',
          status: 'RESOURCE_EXHAUSTED',
        },
      });
      return;
    }
    answer(req, res, script);
  });
}

interface GenerateBody {
  tools?: Array<{ functionDeclarations?: Array<{ name: string }> }>;
  contents?: Array<{ role?: string; parts?: Array<Record<string, unknown>> }>;
  generationConfig?: { responseMimeType?: string };
}

function toolNames(req: RecordedRequest): Set<string> {
  const body = (req.body ?? {}) as GenerateBody;
  return new Set((body.tools ?? []).flatMap((t) => (t.functionDeclarations ?? []).map((f) => f.name)));
}

function answer(req: RecordedRequest, res: ServerResponse, script: MockScript): void {
  const body = (req.body ?? {}) as GenerateBody;
  const tools = toolNames(req);
  const results = (body.contents ?? []).reduce(
    (n, c) => n + (c.parts ?? []).filter((p) => 'functionResponse' in p).length,
    0,
  );
  const action = tools.size > 0 ? nextAction(script, results) : undefined;
  let parts: unknown[];
  if (action) {
    parts = [
      'write' in action
        ? {
            functionCall: {
              name: 'write_file',
              args: { file_path: action.write.path, content: action.write.content },
            },
          }
        : { functionCall: { name: 'run_shell_command', args: { command: action.run.command } } },
    ];
  } else if (body.generationConfig?.responseMimeType === 'application/json') {
    // Utility calls (model routing, next-speaker checks) ask for JSON; an empty object makes them fall back.
    parts = [{ text: '{}' }];
  } else {
    parts = [{ text: script.finalText }];
  }
  const chunk = {
    candidates: [{ content: { role: 'model', parts }, finishReason: 'STOP', index: 0 }],
    usageMetadata: { promptTokenCount: 100, candidatesTokenCount: 20, totalTokenCount: 120 },
    modelVersion: 'gemini-mock',
  };
  if (req.path.includes(':streamGenerateContent')) writeSse(res, [{ data: chunk }]);
  else writeJson(res, 200, chunk);
}
