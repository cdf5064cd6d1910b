import { fakeThinkingSignature } from '../src/fake-provider/signatures';
import Anthropic from '@anthropic-ai/sdk';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { hashApiKey } from '../src/auth/api-keys';
import { FakeProvider } from '../src/fake-provider/fake-provider';
import { Stack, TEST_KEY, describeE2E } from './harness';

const REDIRECTED_KEY = 'sk-e2e-redirected-hook';
const AWS_KEY = 'AKIAIOSFODNN7EXAMPLE';

/** A webhook that redirects every call to /allow, which allows anything (a followed redirect would arrive there as a GET). */
async function startRedirectingWebhook(): Promise<{ server: Server; url: string; calls: string[] }> {
  const calls: string[] = [];
  const server = createServer((request, response) => {
    calls.push(`${request.method ?? ''} ${request.url ?? ''}`);
    request.resume();
    request.on('end', () => {
      if (request.url === '/allow') response.writeHead(200, { 'content-type': 'application/json' }).end('{"action":"allow"}');
      else response.writeHead(302, { location: '/allow' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, calls };
}

const chatAnswer = (content: string): Record<string, unknown> => ({
  id: 'c',
  object: 'chat.completion',
  created: 1,
  model: 'gpt-4o',
  choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
});

type OpenAIError = InstanceType<typeof OpenAI.APIError>;

/**
 * Guardrails on the parts of bodies that used to pass unchecked, through real Envoy with the
 * official SDKs: request fields beyond the messages, duplicate JSON keys, provider error
 * bodies, answers the guard cannot read, and a webhook that redirects.
 */
describeE2E('guardrails: every text of a body', () => {
  let gpt: FakeProvider;
  let claude: FakeProvider;
  let hook: Awaited<ReturnType<typeof startRedirectingWebhook>>;
  let stack: Stack;
  let openai: OpenAI;
  let anthropic: Anthropic;

  beforeAll(async () => {
    gpt = await FakeProvider.start({ name: 'gpt' });
    claude = await FakeProvider.start({ name: 'claude' });
    hook = await startRedirectingWebhook();
    stack = await Stack.start({
      env: { OPENAI_KEY: 'sk-backend', ANTHROPIC_KEY: 'sk-ant-backend' },
      config: {
        callers: [
          { name: 'e2e', keyHash: hashApiKey(TEST_KEY), team: 'team-e2e', project: 'p' },
          { name: 'redirected', keyHash: hashApiKey(REDIRECTED_KEY), team: 'hooks', project: 'p' },
        ],
        backends: [
          { name: 'openai', kind: 'openai', baseUrl: `${gpt.url}/v1`, credential: { env: 'OPENAI_KEY' } },
          { name: 'anthropic', kind: 'anthropic', baseUrl: claude.url, credential: { env: 'ANTHROPIC_KEY' } },
        ],
        models: [
          { name: 'gpt-4o', backends: [{ backend: 'openai' }] },
          { name: 'claude-x', backends: [{ backend: 'anthropic' }] },
        ],
        guardrails: {
          webhooks: [{ name: 'moved', url: `${hook.url}/check`, failMode: 'closed' }],
          default: {
            rules: [
              { detectors: ['email'], action: 'redact' },
              { detectors: ['aws_access_key'], action: 'block' },
            ],
          },
          policies: [{ name: 'redirected', match: { callers: ['redirected'] }, inherit: false, webhooks: [{ webhook: 'moved' }] }],
        },
      },
    });
    openai = new OpenAI({ apiKey: TEST_KEY, baseURL: `${stack.baseUrl}/v1`, maxRetries: 0 });
    anthropic = new Anthropic({ apiKey: TEST_KEY, baseURL: stack.baseUrl, maxRetries: 0 });
  });

  afterAll(async () => {
    await stack?.stop();
    await Promise.all([gpt?.close(), claude?.close(), new Promise((resolve) => hook?.server.close(resolve))]);
  });

  beforeEach(() => {
    gpt.reset();
    claude.reset();
  });

  test('OpenAI: an address in a tool description, a parameter description, user and metadata is redacted before the provider sees it', async () => {
    await openai.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'hi' }],
      user: 'jane.doe@example.com',
      metadata: { owner: 'jane.doe@example.com' },
      tools: [
        {
          type: 'function',
          function: {
            name: 'notify',
            description: 'Mails jane.doe@example.com',
            parameters: { type: 'object', properties: { cc: { type: 'string', description: 'default bob@example.org' } } },
          },
        },
      ],
    });
    const sent = gpt.received[0].json as Record<string, unknown>;
    expect(sent.tools).toEqual([
      { type: 'function', function: { name: 'notify', description: 'Mails [EMAIL_1]', parameters: { type: 'object', properties: { cc: { type: 'string', description: 'default [EMAIL_2]' } } } } },
    ]);
    expect({ user: sent.user, metadata: sent.metadata }).toEqual({ user: '[EMAIL_1]', metadata: { owner: '[EMAIL_1]' } });
    expect(gpt.received[0].body).not.toContain('example.');
  });

  test('Anthropic: metadata.user_id and a tool description are redacted, a signed thinking block with an address is left out; a key in a tool description blocks', async () => {
    await anthropic.messages.create({
      model: 'claude-x',
      max_tokens: 10,
      metadata: { user_id: 'jane.doe@example.com' },
      tools: [{ name: 'notify', description: 'Mails jane.doe@example.com', input_schema: { type: 'object' } }],
      messages: [{ role: 'user', content: 'hi' }],
    });
    const sent = claude.received[0].json as Record<string, unknown>;
    expect({ metadata: sent.metadata, tools: sent.tools }).toEqual({
      metadata: { user_id: '[EMAIL_1]' },
      tools: [{ name: 'notify', description: 'Mails [EMAIL_1]', input_schema: { type: 'object' } }],
    });
    // A signed thinking block cannot be changed: one with an address is left out whole.
    await anthropic.messages.create({
      model: 'claude-x',
      max_tokens: 10,
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: [{ type: 'thinking', thinking: 'They are jane.doe@example.com', signature: fakeThinkingSignature('They are jane.doe@example.com') }, { type: 'thinking', thinking: 'Be brief.', signature: fakeThinkingSignature('Be brief.') }, { type: 'text', text: 'Hello' }] },
        { role: 'user', content: 'go on' },
      ],
    });
    expect((claude.received[1].json as Record<string, unknown>).messages).toEqual([
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: [{ type: 'thinking', thinking: 'Be brief.', signature: fakeThinkingSignature('Be brief.') }, { type: 'text', text: 'Hello' }] },
      { role: 'user', content: 'go on' },
    ]);
    const blocked = await anthropic.messages
      .create({ model: 'claude-x', max_tokens: 10, tools: [{ name: 'deploy', description: `uses ${AWS_KEY}`, input_schema: { type: 'object' } }], messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);
    expect(blocked).toBeInstanceOf(Anthropic.BadRequestError);
    expect((blocked as InstanceType<typeof Anthropic.APIError>).error).toEqual({
      type: 'error',
      error: { type: 'invalid_request_error', message: 'The request was blocked by guardrail policy "default": detector "aws_access_key" matched.' },
    });
    expect(claude.received).toHaveLength(2);
  });

  test('a body with two messages keys is refused with 400 in the caller\'s shape; nothing reaches a provider', async () => {
    const twice = (model: string): string => `{"model":"${model}","max_tokens":5,"messages":[{"role":"user","content":"key ${AWS_KEY}"}],"messages":[{"role":"user","content":"hi"}]}`;
    const message = 'The request body has the key "messages" twice in one object; send each key once.';
    const chat = await stack.post('/v1/chat/completions', twice('gpt-4o'));
    expect({ status: chat.status, body: await chat.json() }).toEqual({ status: 400, body: { error: { message, type: 'invalid_request_error', param: null, code: 'duplicate_json_key' } } });
    const messages = await stack.post('/v1/messages', twice('claude-x'), { 'anthropic-version': '2023-06-01' });
    expect({ status: messages.status, body: await messages.json() }).toEqual({ status: 400, body: { type: 'error', error: { type: 'invalid_request_error', message } } });
    expect(gpt.received).toHaveLength(0);
    expect(claude.received).toHaveLength(0);
  });

  test('a provider error echoing the prompt is redacted, one echoing a key is blocked: OpenAI, Anthropic, a stream request, an error event inside a stream', async () => {
    gpt.enqueue({ kind: 'json', status: 400, body: { error: { message: "Invalid 'messages[0]': 'write to jane.doe@example.com'", type: 'invalid_request_error', param: 'messages', code: null } } });
    const echoed = (await openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e)) as OpenAIError;
    expect({ status: echoed.status, error: echoed.error }).toEqual({
      status: 400,
      error: { message: "Invalid 'messages[0]': 'write to [EMAIL_1]'", type: 'invalid_request_error', param: 'messages', code: null },
    });

    gpt.enqueue({ kind: 'json', status: 500, body: { error: { message: `upstream rejected credential ${AWS_KEY}`, type: 'server_error', param: null, code: null } } });
    const keyed = (await openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], stream: true }).catch((e: unknown) => e)) as OpenAIError;
    expect({ status: keyed.status, error: keyed.error }).toEqual({
      status: 400,
      error: { message: 'The response was blocked by guardrail policy "default": detector "aws_access_key" matched.', type: 'invalid_request_error', param: null, code: 'guardrail_blocked' },
    });

    gpt.enqueue({ kind: 'raw-sse', chunks: [`data: ${JSON.stringify({ error: { message: 'context of jane.doe@example.com too long', type: 'server_error', param: null, code: null } })}\n\n`] });
    const midStream = await openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], stream: true });
    const streamError = await (async () => {
      for await (const part of midStream) void part;
    })().catch((e: unknown) => e);
    expect(streamError).toBeInstanceOf(OpenAI.APIError);
    expect((streamError as OpenAIError).error).toEqual({ message: 'context of [EMAIL_1] too long', type: 'server_error', param: null, code: null });

    claude.enqueue({ kind: 'anthropic-error', status: 400, errorType: 'invalid_request_error', message: 'messages.0.content: bad text "jane.doe@example.com"' });
    const anthropicError = (await anthropic.messages.create({ model: 'claude-x', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e)) as InstanceType<typeof Anthropic.APIError>;
    expect({ status: anthropicError.status, error: anthropicError.error }).toEqual({
      status: 400,
      error: { type: 'error', error: { type: 'invalid_request_error', message: 'messages.0.content: bad text "[EMAIL_1]"' } },
    });
  });

  test('an answer the guard cannot read is refused: 502 for JSON or text answering a stream request and SSE a non-streamed one; an error event for a stream event that is not JSON', async () => {
    gpt.enqueue({ kind: 'json', status: 200, body: chatAnswer('mail jane.doe@example.com') });
    const stream = (await openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], stream: true }).catch((e: unknown) => e)) as OpenAIError;
    expect(stream).toBeInstanceOf(OpenAI.APIError);
    expect({ status: stream.status, error: stream.error }).toEqual({
      status: 502,
      error: {
        message: "The provider's answer could not be checked by the response guardrails (a JSON body answered a streamed request); this policy does not pass on what it cannot check.",
        type: 'server_error',
        param: null,
        code: 'guardrail_unreadable_response',
      },
    });

    gpt.enqueue({ kind: 'text', status: 200, body: `key ${AWS_KEY}` });
    const text = await openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], stream: true }).catch((e: unknown) => e);
    expect({ status: (text as OpenAIError).status, message: (text as OpenAIError).error }).toMatchObject({
      status: 502,
      message: { code: 'guardrail_unreadable_response', message: expect.stringContaining('(a body that is no event stream answered a streamed request)') as unknown },
    });

    gpt.enqueue({ kind: 'raw-sse', chunks: [`data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o', choices: [{ index: 0, delta: { content: 'Hello. ' }, finish_reason: null }] })}\n\n`, `data: key ${AWS_KEY}\n\n`, 'data: [DONE]\n\n'] });
    const events = await openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], stream: true });
    let streamed = '';
    const ended = await (async () => {
      for await (const part of events) streamed += part.choices[0]?.delta.content ?? '';
    })().catch((e: unknown) => e);
    expect(streamed).toBe('Hello. ');
    expect(ended).toBeInstanceOf(OpenAI.APIError);
    expect((ended as Error).message).toContain('could not be checked by the response guardrails (an event of its stream is not JSON)');

    gpt.enqueue({ kind: 'sse', events: [JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o', choices: [{ index: 0, delta: { content: 'mail jane.doe@example.com' }, finish_reason: null }] }), '[DONE]'] });
    const whole = await stack.post('/v1/chat/completions', { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
    const answer = await whole.text();
    expect({ status: whole.status, code: (JSON.parse(answer) as { error: { code: string } }).error.code }).toEqual({ status: 502, code: 'guardrail_unreadable_response' });
    expect(answer).not.toContain('example.com');
  });

  test('a webhook answering 302 under fail-closed is a failure: the request is refused and the redirect never followed', async () => {
    hook.calls.length = 0;
    const refused = (await new OpenAI({ apiKey: REDIRECTED_KEY, baseURL: `${stack.baseUrl}/v1`, maxRetries: 0 }).chat.completions
      .create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hello' }] })
      .catch((e: unknown) => e)) as OpenAIError;
    expect({ status: refused.status, error: refused.error }).toEqual({
      status: 503,
      error: {
        message: 'The request could not be checked: guardrail webhook "moved" failed (status) and this policy refuses unchecked text.',
        type: 'server_error',
        param: null,
        code: 'guardrail_unavailable',
      },
    });
    expect(hook.calls).toEqual(['POST /check']);
    expect(gpt.received).toHaveLength(0);
  });
});
