// Scripted model servers on 127.0.0.1 for the real-CLI suite: the CLIs are real, only the model
// is scripted. One HTTP server per provider (Anthropic Messages, OpenAI Responses, Gemini
// generateContent); the scenario is the first path segments of the base URL the CLI is given,
// `/s/<scenario>/...`, so one server serves every run. Every request is logged (provider,
// scenario, path) for the report.
import { createServer } from 'node:http';

const sse = (res, events) => {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  for (const [event, data] of events)
    res.write(`${event ? `event: ${event}\n` : ''}data: ${JSON.stringify(data)}\n\n`);
  res.end();
};
const json = (res, status, body, headers = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};
const readBody = async (req) => {
  let text = '';
  for await (const chunk of req) text += chunk;
  try {
    return JSON.parse(text || '{}');
  } catch {
    return {};
  }
};
const split = (url) => {
  const match = /^\/s\/([a-z-]+)(\/.*)$/.exec(url);
  return match ? { scenario: match[1], path: match[2] } : { scenario: 'success', path: url };
};

/** Requests that never get an answer (the "hang" scenario), ended when the server closes. */
const hung = new Set();

// ---------------------------------------------------------------- Anthropic (Claude Code)

function anthropicMessage(content, stopReason) {
  return {
    id: `msg_stub_${Math.random().toString(36).slice(2, 10)}`,
    type: 'message',
    role: 'assistant',
    model: 'claude-stub',
    content,
    stop_reason: stopReason,
    stop_sequence: null,
    usage: {
      input_tokens: 100,
      cache_creation_input_tokens: 10,
      cache_read_input_tokens: 20,
      output_tokens: 15,
    },
  };
}

function anthropicStream(res, content, stopReason) {
  const message = anthropicMessage([], null);
  const events = [['message_start', { type: 'message_start', message }]];
  content.forEach((block, index) => {
    if (block.type === 'text') {
      events.push([
        'content_block_start',
        { type: 'content_block_start', index, content_block: { type: 'text', text: '' } },
      ]);
      events.push([
        'content_block_delta',
        { type: 'content_block_delta', index, delta: { type: 'text_delta', text: block.text } },
      ]);
    } else {
      events.push([
        'content_block_start',
        {
          type: 'content_block_start',
          index,
          content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} },
        },
      ]);
      events.push([
        'content_block_delta',
        {
          type: 'content_block_delta',
          index,
          delta: { type: 'input_json_delta', partial_json: JSON.stringify(block.input) },
        },
      ]);
    }
    events.push(['content_block_stop', { type: 'content_block_stop', index }]);
  });
  events.push([
    'message_delta',
    {
      type: 'message_delta',
      delta: { stop_reason: stopReason, stop_sequence: null },
      usage: { output_tokens: 15 },
    },
  ]);
  events.push(['message_stop', { type: 'message_stop' }]);
  sse(res, events);
}

/** What the scripted Claude does next, from the conversation so far. */
function claudeTurn(scenario, body) {
  const system = JSON.stringify(body.system ?? '');
  const cwd = /Working directory: ([^\s"\\]+)/.exec(system)?.[1] ?? '.';
  const messages = body.messages ?? [];
  const results = messages
    .flatMap((m) => (Array.isArray(m.content) ? m.content : []))
    .filter((c) => c.type === 'tool_result');
  if (scenario === 'sandbox' && results.length === 0) {
    return {
      content: [{ type: 'tool_use', id: 'toolu_ew', name: 'EnterWorktree', input: { name: 'sneaky' } }],
      stop: 'tool_use',
    };
  }
  if (['success', 'resume', 'usage-limit'].includes(scenario) && results.length === 0) {
    return {
      content: [
        { type: 'text', text: 'Writing hello.txt.' },
        {
          type: 'tool_use',
          id: 'toolu_w1',
          name: 'Write',
          input: { file_path: `${cwd}/hello.txt`, content: 'hello from claude\n' },
        },
      ],
      stop: 'tool_use',
    };
  }
  return { content: [{ type: 'text', text: 'Done: wrote hello.txt.' }], stop: 'end_turn' };
}

async function anthropic(req, res, scenario, path, log) {
  if (req.method === 'HEAD' || !path.startsWith('/v1/messages')) return json(res, 200, {});
  const body = await readBody(req);
  log(`anthropic ${scenario} ${path} stream=${body.stream}`);
  if (scenario === 'auth') {
    return json(res, 401, {
      type: 'error',
      error: { type: 'authentication_error', message: 'invalid x-api-key' },
    });
  }
  if (scenario === 'ratelimit') {
    return json(
      res,
      429,
      {
        type: 'error',
        error: { type: 'rate_limit_error', message: 'Number of requests has exceeded your rate limit' },
      },
      { 'retry-after': '1' },
    );
  }
  if (scenario === 'usage-limit' && body.stream) {
    // Out of quota for USAGE_WINDOW_S from the first request, saying until when in the text form
    // Claude Code uses for plan limits; then the model answers again.
    usageLimitUntil ??= Math.ceil(Date.now() / 1000) + USAGE_WINDOW_S;
    if (Date.now() / 1000 < usageLimitUntil) {
      return json(res, 429, {
        type: 'error',
        error: { type: 'rate_limit_error', message: `Claude AI usage limit reached|${usageLimitUntil}` },
      });
    }
  }
  const isResumeFirst = scenario === 'resume' && !JSON.stringify(body.messages ?? []).includes('tool_result');
  if (scenario === 'hang' || (isResumeFirst && !resumeReleased)) {
    hung.add(res);
    return undefined;
  }
  if (!body.stream) return json(res, 200, anthropicMessage([{ type: 'text', text: 'stub' }], 'end_turn'));
  const turn = claudeTurn(scenario, body);
  return anthropicStream(res, turn.content, turn.stop);
}
/** The usage-limit scenario's window: closed for this long after its first request. */
const USAGE_WINDOW_S = 20;
let usageLimitUntil;
/** The resume scenario hangs the first run's model call until the suite releases it. */
let resumeReleased = false;
export function releaseResume() {
  resumeReleased = true;
}

// ---------------------------------------------------------------- OpenAI Responses (Codex)

async function openai(req, res, scenario, path, log) {
  if (req.headers.upgrade) {
    // No WebSocket here: Codex falls back to HTTPS (capture codex-success).
    res.writeHead(404);
    return res.end();
  }
  if (!path.endsWith('/responses')) return json(res, 200, { data: [] });
  const body = await readBody(req);
  log(`openai ${scenario} ${path} stream=${body.stream}`);
  if (scenario === 'auth') {
    return json(res, 401, {
      error: {
        message: 'Incorrect API key provided: sk-bogus.',
        type: 'invalid_request_error',
        code: 'invalid_api_key',
      },
    });
  }
  if (scenario === 'ratelimit') {
    return json(
      res,
      429,
      { error: { message: 'Rate limit reached', type: 'rate_limit_error', code: 'rate_limit_exceeded' } },
      { 'retry-after': '1' },
    );
  }
  if (scenario === 'hang' || (scenario === 'resume' && !resumeReleased)) {
    hung.add(res);
    return undefined;
  }
  const id = `resp_${Math.random().toString(36).slice(2, 10)}`;
  const item = {
    type: 'message',
    id: 'msg_1',
    role: 'assistant',
    status: 'completed',
    content: [{ type: 'output_text', text: 'hi from stub', annotations: [] }],
  };
  return sse(res, [
    ['response.created', { type: 'response.created', response: { id, status: 'in_progress', output: [] } }],
    [
      'response.output_item.added',
      {
        type: 'response.output_item.added',
        output_index: 0,
        item: { ...item, status: 'in_progress', content: [] },
      },
    ],
    [
      'response.output_text.delta',
      {
        type: 'response.output_text.delta',
        item_id: 'msg_1',
        output_index: 0,
        content_index: 0,
        delta: 'hi from stub',
      },
    ],
    ['response.output_item.done', { type: 'response.output_item.done', output_index: 0, item }],
    [
      'response.completed',
      {
        type: 'response.completed',
        response: {
          id,
          status: 'completed',
          output: [item],
          usage: {
            input_tokens: 1200,
            input_tokens_details: { cached_tokens: 200 },
            output_tokens: 30,
            output_tokens_details: { reasoning_tokens: 10 },
            total_tokens: 1230,
          },
        },
      },
    ],
  ]);
}

// ---------------------------------------------------------------- Gemini

async function gemini(req, res, scenario, path, log) {
  const body = await readBody(req);
  log(`gemini ${scenario} ${path}`);
  if (scenario === 'auth') {
    return json(res, 400, {
      error: {
        code: 400,
        message: 'API key not valid. Please pass a valid API key.',
        status: 'INVALID_ARGUMENT',
        details: [
          {
            '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
            reason: 'API_KEY_INVALID',
            domain: 'googleapis.com',
          },
        ],
      },
    });
  }
  if (scenario === 'ratelimit') {
    return json(res, 429, {
      error: {
        code: 429,
        message: 'Resource has been exhausted (e.g. check quota).',
        status: 'RESOURCE_EXHAUSTED',
      },
    });
  }
  const usageMetadata = {
    promptTokenCount: 1000,
    candidatesTokenCount: 14,
    thoughtsTokenCount: 6,
    totalTokenCount: 1020,
    cachedContentTokenCount: 200,
  };
  if (path.includes(':generateContent')) {
    // The model router's classification call (model "auto").
    return json(res, 200, {
      candidates: [
        {
          content: { role: 'model', parts: [{ text: '{"reasoning":"simple","model_choice":"flash"}' }] },
          finishReason: 'STOP',
        },
      ],
      usageMetadata,
    });
  }
  if (scenario === 'hang' || (scenario === 'resume' && !resumeReleased)) {
    hung.add(res);
    return undefined;
  }
  const contents = body.contents ?? [];
  const answered = JSON.stringify(contents).includes('functionResponse');
  const call =
    scenario === 'sandbox'
      ? { name: 'run_shell_command', args: { command: 'git branch stray', description: 'make a branch' } }
      : { name: 'write_file', args: { file_path: 'hello.txt', content: 'hello from gemini\n' } };
  const parts = answered ? [{ text: 'Done: wrote hello.txt.' }] : [{ functionCall: call }];
  return sse(res, [
    [
      null,
      { candidates: [{ content: { role: 'model', parts }, finishReason: 'STOP', index: 0 }], usageMetadata },
    ],
  ]);
}

/** Starts the three servers on free ports of 127.0.0.1; `close()` ends them and any hung request. */
export async function startModelServers(log = () => {}) {
  const handlers = { anthropic, openai, gemini };
  const servers = {};
  for (const [name, handler] of Object.entries(handlers)) {
    const server = createServer((req, res) => {
      const { scenario, path } = split(req.url ?? '/');
      handler(req, res, scenario, path, log).catch((error) => {
        log(`${name} error ${error}`);
        if (!res.headersSent) json(res, 500, { error: String(error) });
      });
    });
    server.on('upgrade', (req, socket) => {
      log(`${name} upgrade ${req.url}`);
      socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers[name] = { server, url: `http://127.0.0.1:${server.address().port}` };
  }
  return {
    urls: Object.fromEntries(Object.entries(servers).map(([k, v]) => [k, v.url])),
    close: async () => {
      for (const res of hung) res.destroy();
      for (const { server } of Object.values(servers)) {
        server.closeAllConnections?.();
        await new Promise((resolve) => server.close(resolve));
      }
    },
  };
}
