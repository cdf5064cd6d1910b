import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseClientRequest } from '../../api/client-request';
import type { ClientApi } from '../../api/client-request';
import { validateConfig } from '../../config/load';
import { compileConfig } from '../../config/runtime';
import type { RuntimeBackend } from '../../config/runtime';
import type { AttemptTarget } from '../translator';
import type { TokenUsage } from '../usage';
import { OpenAIToOpenAI, withLeadingMember } from './openai-to-openai';

const STREAM_FIXTURE = readFileSync(join(__dirname, '..', '__fixtures__', 'openai-chat-stream.sse.txt'));
const USAGE_EVENT = Buffer.from(
  'data: {"id":"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT","object":"chat.completion.chunk","created":1741569952,"model":"gpt-4o-mini-2024-07-18","service_tier":"default","system_fingerprint":"fp_06737a9306","choices":[],"usage":{"prompt_tokens":19,"completion_tokens":10,"total_tokens":29,"prompt_tokens_details":{"cached_tokens":3,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":2,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}}\n\n',
);
const STREAM_USAGE: TokenUsage = {
  inputTokens: 19,
  outputTokens: 10,
  cachedInputTokens: 3,
  cacheCreationInputTokens: 0,
  reasoningTokens: 2,
  totalTokens: 29,
};

/** The backends every test picks from, compiled the way the gateway compiles them. */
const CONFIG = compileConfig(
  validateConfig({
    backends: [
      { name: 'openai', kind: 'openai', baseUrl: 'https://api.openai.com/v1', credential: { env: 'KEY' } },
      {
        name: 'azure',
        kind: 'openai',
        baseUrl: 'https://example.openai.azure.com/openai/v1/',
        credential: { env: 'KEY', header: 'api-key', prefix: '' },
      },
      { name: 'local', kind: 'openai', baseUrl: 'http://127.0.0.1:8000' },
      { name: 'no-usage', kind: 'openai', baseUrl: 'http://vllm:8000/v1', streamIncludeUsage: false },
    ],
    models: [{ name: 'gpt-4o-mini', backends: [{ backend: 'openai' }] }],
    callers: [],
  }),
  { KEY: 'sk-test' },
);

function backend(name: string): RuntimeBackend {
  const found = CONFIG.backends.get(name);
  if (!found) throw new Error(`no backend ${name}`);
  return found;
}

function translator(body: string, target: AttemptTarget, api: ClientApi = 'openai-chat'): OpenAIToOpenAI {
  return new OpenAIToOpenAI(parseClientRequest(api, Buffer.from(body)), target);
}

const CHAT = '{ "model": "gpt-4o-mini",\n  "messages": [{"role": "user", "content": "héllo 👋"}], "temperature": 0.2 }';
const STREAM_CHAT = '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}],"stream":true}';

describe('OpenAIToOpenAI request', () => {
  test('the body passes through byte-identical when nothing changes', () => {
    const request = parseClientRequest('openai-chat', Buffer.from(CHAT));
    const upstream = new OpenAIToOpenAI(request, { backend: backend('openai') }).requestBody();
    expect(upstream.body).toBe(request.rawBody);
    expect(upstream.body.toString('utf8')).toBe(CHAT);
  });

  test('an upstream model equal to the requested one changes nothing', () => {
    const upstream = translator(CHAT, { backend: backend('openai'), upstreamModel: 'gpt-4o-mini' }).requestBody();
    expect(upstream.body.toString('utf8')).toBe(CHAT);
  });

  test('a model override rewrites only model, keeping key order', () => {
    const upstream = translator(CHAT, { backend: backend('openai'), upstreamModel: 'gpt-4o-mini-2024-07-18' }).requestBody();
    expect(upstream.body.toString('utf8')).toBe(
      '{"model":"gpt-4o-mini-2024-07-18","messages":[{"role":"user","content":"héllo 👋"}],"temperature":0.2}',
    );
  });

  test('stream without client include_usage: include_usage is injected in front of the client bytes, which stay as sent', () => {
    const upstream = translator(STREAM_CHAT, { backend: backend('openai') }).requestBody();
    expect(upstream.body.toString('utf8')).toBe(
      '{"stream_options":{"include_usage":true},"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}],"stream":true}',
    );
    expect(JSON.parse(withLeadingMember(Buffer.from(' { "a" : 1 } '), '"b":2').toString())).toEqual({ b: 2, a: 1 });
    expect(withLeadingMember(Buffer.from(' { "a" : 1 } '), '"b":2').toString()).toBe(' {"b":2, "a" : 1 } ');
  });

  test('injection keeps the other stream_options keys and overrides include_usage: false', () => {
    const body =
      '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}],"stream":true,"stream_options":{"include_obfuscation":false,"include_usage":false}}';
    const request = parseClientRequest('openai-chat', Buffer.from(body));
    const upstream = new OpenAIToOpenAI(request, { backend: backend('openai'), upstreamModel: 'gpt-4.1' }).requestBody();
    expect(upstream.body.toString('utf8')).toBe(
      '{"model":"gpt-4.1","messages":[{"role":"user","content":"hi"}],"stream":true,"stream_options":{"include_obfuscation":false,"include_usage":true}}',
    );
    // The parsed client request is reused by later attempts: it must not change.
    expect(request.body).toEqual(JSON.parse(body));
  });

  test('no injection when the client already asked for stream usage', () => {
    const body = '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}],"stream":true,"stream_options": {"include_usage": true}}';
    expect(translator(body, { backend: backend('openai') }).requestBody().body.toString('utf8')).toBe(body);
  });

  test('no injection for a backend with streamIncludeUsage: false', () => {
    expect(backend('no-usage').streamIncludeUsage).toBe(false);
    expect(translator(STREAM_CHAT, { backend: backend('no-usage') }).requestBody().body.toString('utf8')).toBe(STREAM_CHAT);
  });

  test('no injection for a non-streaming request', () => {
    const body = '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}],"stream":false}';
    expect(translator(body, { backend: backend('openai') }).requestBody().body.toString('utf8')).toBe(body);
  });

  test.each<[string, ClientApi, string]>([
    ['openai', 'openai-chat', '/v1/chat/completions'],
    ['openai', 'openai-embeddings', '/v1/embeddings'],
    ['azure', 'openai-chat', '/openai/v1/chat/completions'],
    ['azure', 'openai-embeddings', '/openai/v1/embeddings'],
    ['local', 'openai-chat', '/chat/completions'],
    ['local', 'openai-embeddings', '/embeddings'],
  ])('backend %s, api %s: path %s', (name, api, path) => {
    const body = api === 'openai-chat' ? CHAT : '{"model":"text-embedding-3-small","input":"hello"}';
    expect(translator(body, { backend: backend(name) }, api).requestBody().path).toBe(path);
  });

  test('credential: authorization with the default Bearer prefix', () => {
    expect(translator(CHAT, { backend: backend('openai') }).requestBody().headers).toEqual({
      'content-type': 'application/json',
      authorization: 'Bearer sk-test',
    });
  });

  test('credential: a custom header with an empty prefix', () => {
    expect(translator(CHAT, { backend: backend('azure') }).requestBody().headers).toEqual({
      'content-type': 'application/json',
      'api-key': 'sk-test',
    });
  });

  test('no credential: only content-type', () => {
    expect(translator(CHAT, { backend: backend('local') }).requestBody().headers).toEqual({ 'content-type': 'application/json' });
  });
});

describe('OpenAIToOpenAI response', () => {
  test('non-streaming JSON: passes through unchanged, usage normalised', () => {
    const chat = translator(CHAT, { backend: backend('openai') });
    const body = Buffer.from(
      JSON.stringify({
        id: 'chatcmpl-1',
        object: 'chat.completion',
        created: 1741569952,
        model: 'gpt-4o-mini-2024-07-18',
        choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }],
        usage: {
          prompt_tokens: 2048,
          completion_tokens: 300,
          total_tokens: 2348,
          prompt_tokens_details: { cached_tokens: 1920, audio_tokens: 0 },
          completion_tokens_details: { reasoning_tokens: 256, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
        },
      }),
    );
    expect(chat.usage()).toBeUndefined();
    expect(chat.responseBody(body, true)).toBeUndefined();
    expect(chat.usage()).toEqual({
      inputTokens: 2048,
      outputTokens: 300,
      cachedInputTokens: 1920,
      cacheCreationInputTokens: 0,
      reasoningTokens: 256,
      totalTokens: 2348,
    });
  });

  test('non-streaming embeddings: usage normalised', () => {
    const embeddings = translator('{"model":"text-embedding-3-small","input":["a","b"]}', { backend: backend('openai') }, 'openai-embeddings');
    const body = Buffer.from('{"object":"list","data":[],"model":"text-embedding-3-small","usage":{"prompt_tokens":8,"total_tokens":8}}');
    expect(embeddings.responseBody(body, true)).toBeUndefined();
    expect(embeddings.usage()).toEqual({
      inputTokens: 8,
      outputTokens: 0,
      cachedInputTokens: 0,
      cacheCreationInputTokens: 0,
      reasoningTokens: 0,
      totalTokens: 8,
    });
  });

  test('non-streaming body that is not JSON: unchanged, no usage', () => {
    const chat = translator(CHAT, { backend: backend('openai') });
    expect(chat.responseBody(Buffer.from('not json'), true)).toBeUndefined();
    expect(chat.usage()).toBeUndefined();
  });

  test('the fixture holds the usage event exactly once', () => {
    const text = STREAM_FIXTURE.toString('utf8');
    const usageEvent = USAGE_EVENT.toString('utf8');
    expect(text.indexOf(usageEvent)).toBeGreaterThan(0);
    expect(text.indexOf(usageEvent)).toBe(text.lastIndexOf(usageEvent));
  });

  test('stream with injected usage, split at every byte offset: the usage-only event is dropped, usage is exact', () => {
    const usageStart = STREAM_FIXTURE.indexOf(USAGE_EVENT);
    const expected = Buffer.concat([STREAM_FIXTURE.subarray(0, usageStart), STREAM_FIXTURE.subarray(usageStart + USAGE_EVENT.length)]);
    expect(expected.length).toBe(STREAM_FIXTURE.length - USAGE_EVENT.length);
    for (let offset = 0; offset <= STREAM_FIXTURE.length; offset++) {
      const stream = translator(STREAM_CHAT, { backend: backend('openai') });
      const first = stream.responseBody(STREAM_FIXTURE.subarray(0, offset), false);
      const second = stream.responseBody(STREAM_FIXTURE.subarray(offset), true);
      if (first === undefined || second === undefined) throw new Error(`split at ${offset}: a chunk passed through unchanged`);
      if (!Buffer.concat([first, second]).equals(expected)) {
        throw new Error(`split at ${offset}: output ${JSON.stringify(Buffer.concat([first, second]).toString('utf8'))}`);
      }
      const usage = JSON.stringify(stream.usage());
      if (usage !== JSON.stringify(STREAM_USAGE)) throw new Error(`split at ${offset}: usage ${usage}`);
    }
  });

  test('stream where the client asked for usage: every chunk passes through, usage is still read', () => {
    const body = '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}],"stream":true,"stream_options":{"include_usage":true}}';
    for (let offset = 0; offset <= STREAM_FIXTURE.length; offset++) {
      const stream = translator(body, { backend: backend('openai') });
      expect(stream.responseBody(STREAM_FIXTURE.subarray(0, offset), false)).toBeUndefined();
      expect(stream.responseBody(STREAM_FIXTURE.subarray(offset), true)).toBeUndefined();
      expect(stream.usage()).toEqual(STREAM_USAGE);
    }
  });

  test('stream to a backend with streamIncludeUsage: false passes through', () => {
    const stream = translator(STREAM_CHAT, { backend: backend('no-usage') });
    const withoutUsage = STREAM_FIXTURE.toString('utf8').replace(USAGE_EVENT.toString('utf8'), '');
    expect(stream.responseBody(Buffer.from(withoutUsage), true)).toBeUndefined();
    expect(stream.usage()).toBeUndefined();
  });

  test('responseError: an OpenAI-shaped error is left as it is', () => {
    const chat = translator(CHAT, { backend: backend('openai') });
    const body = Buffer.from('{"error":{"message":"Rate limit reached","type":"requests","param":null,"code":"rate_limit_exceeded"}}');
    expect(chat.responseError(429, body)).toBeUndefined();
  });

  test('responseError: a plain-text 502 is reshaped into an OpenAI error', () => {
    const chat = translator(CHAT, { backend: backend('openai') });
    expect(chat.responseError(502, Buffer.from('Bad Gateway\n'))?.toString('utf8')).toBe(
      '{"error":{"message":"Bad Gateway","type":"server_error","param":null,"code":"upstream_error"}}',
    );
  });

  test('responseError: a JSON error with a string message but another shape is reshaped', () => {
    const chat = translator(CHAT, { backend: backend('openai') });
    expect(chat.responseError(400, Buffer.from('{"message":"bad model"}'))?.toString('utf8')).toBe(
      '{"error":{"message":"bad model","type":"invalid_request_error","param":null,"code":null}}',
    );
  });
});
