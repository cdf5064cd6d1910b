import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { hashApiKey } from '../src/auth/api-keys';
import { FakeProvider } from '../src/fake-provider/fake-provider';
import { Stack, TEST_KEY, describeE2E } from './harness';

const BLOCK_KEY = 'sk-e2e-blocking';
const DETECTORS = ['email', 'phone', 'credit_card', 'aws_access_key', 'private_key'];

const KEY_BODY = 'MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0';
/** A PEM key as JSON text writes it: its newlines are `\n` escapes. */
const PEM_JSON = `-----BEGIN RSA PRIVATE KEY-----\\n${KEY_BODY}\\n-----END RSA PRIVATE KEY-----`;
const AWS_KEY = 'AKIAIOSFODNN7EXAMPLE';

/** OpenAI chat chunks: one choice with these deltas, then a finish chunk, usage and [DONE]. */
function chatChunks(deltas: Array<Record<string, unknown>>, finish = 'stop'): string[] {
  const chunk = (delta: unknown, finishReason: string | null = null): string =>
    JSON.stringify({ id: 'chatcmpl-s', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o', choices: [{ index: 0, delta, finish_reason: finishReason }] });
  return [
    chunk({ role: 'assistant', content: null }),
    ...deltas.map((delta) => chunk(delta)),
    chunk({}, finish),
    JSON.stringify({ id: 'chatcmpl-s', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o', choices: [], usage: { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 } }),
    '[DONE]',
  ];
}

/** The streamed tool call's arguments in four deltas: the PEM header with its `\n` escape and part of the body in one, the footer later. */
function keyToolCall(): string[] {
  const args = `{"path":"id_rsa","key":"${PEM_JSON}"}`;
  const cuts = [20, 70, 100, args.length];
  let from = 0;
  return chatChunks(
    cuts.map((cut, i) => {
      const part = args.slice(from, cut);
      from = cut;
      return { tool_calls: [{ index: 0, ...(i === 0 ? { id: 'call_1', type: 'function' } : {}), function: { ...(i === 0 ? { name: 'save_key' } : {}), arguments: part } }] };
    }),
    'tool_calls',
  );
}

/** Anthropic events, named by their type. */
function anthropicEvents(blocks: Array<Record<string, unknown>>): { events: string[]; eventNames: string[] } {
  const events: Array<Record<string, unknown>> = [
    { type: 'message_start', message: { id: 'msg_s', type: 'message', role: 'assistant', model: 'claude-x', content: [], stop_reason: null, usage: { input_tokens: 5, output_tokens: 1 } } },
    ...blocks,
    { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 7 } },
    { type: 'message_stop' },
  ];
  return { events: events.map((e) => JSON.stringify(e)), eventNames: events.map((e) => String(e.type)) };
}

const blockDelta = (index: number, delta: Record<string, unknown>): Record<string, unknown> => ({ type: 'content_block_delta', index, delta });

/**
 * Response texts beyond reply text, through real Envoy with the official SDKs: tool arguments
 * read as decoded JSON values, reasoning and thinking, and log probabilities refused.
 */
describeE2E('guardrails on streamed tool arguments and reasoning', () => {
  let gpt: FakeProvider;
  let claude: FakeProvider;
  let stack: Stack;
  let openai: OpenAI;
  let blocking: OpenAI;
  let anthropic: Anthropic;

  beforeAll(async () => {
    gpt = await FakeProvider.start({ name: 'gpt' });
    claude = await FakeProvider.start({ name: 'claude' });
    stack = await Stack.start({
      env: { OPENAI_KEY: 'sk-backend', ANTHROPIC_KEY: 'sk-ant-backend' },
      config: {
        callers: [
          { name: 'e2e', keyHash: hashApiKey(TEST_KEY), team: 'team-e2e', project: 'p' },
          { name: 'blocker', keyHash: hashApiKey(BLOCK_KEY), team: 'team-e2e', project: 'p' },
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
          default: { rules: [{ detectors: DETECTORS, action: 'redact' }] },
          policies: [{ name: 'strict', match: { callers: ['blocker'] }, inherit: false, rules: [{ detectors: DETECTORS, action: 'block' }] }],
        },
      },
    });
    openai = new OpenAI({ apiKey: TEST_KEY, baseURL: `${stack.baseUrl}/v1`, maxRetries: 0 });
    blocking = new OpenAI({ apiKey: BLOCK_KEY, baseURL: `${stack.baseUrl}/v1`, maxRetries: 0 });
    anthropic = new Anthropic({ apiKey: TEST_KEY, baseURL: stack.baseUrl, maxRetries: 0 });
  });

  afterAll(async () => {
    await stack?.stop();
    await Promise.all([gpt?.close(), claude?.close()]);
  });

  beforeEach(() => {
    gpt.reset();
    claude.reset();
  });

  const ask = { model: 'gpt-4o', messages: [{ role: 'user' as const, content: 'hi' }] };

  test('a PEM key in streamed tool-call arguments (newlines as `\\n` escapes): redacted in the parsed arguments; blocked under a blocking policy', async () => {
    gpt.enqueue({ kind: 'sse', events: keyToolCall() });
    const final = await openai.chat.completions.stream(ask).finalChatCompletion();
    const call = final.choices[0].message.tool_calls?.[0];
    expect(call?.type === 'function' ? JSON.parse(call.function.arguments) : undefined).toEqual({ path: 'id_rsa', key: '[PRIVATE_KEY_1]' });

    gpt.enqueue({ kind: 'sse', events: keyToolCall() });
    const stream = await blocking.chat.completions.create({ ...ask, stream: true });
    let args = '';
    const failure = await (async () => {
      for await (const chunk of stream) args += chunk.choices[0]?.delta.tool_calls?.[0]?.function?.arguments ?? '';
    })().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(OpenAI.APIError);
    expect((failure as InstanceType<typeof OpenAI.APIError>).error).toEqual({
      message: 'The response was blocked by guardrail policy "strict": detector "private_key" matched.',
      type: 'invalid_request_error',
      param: null,
      code: 'guardrail_blocked',
    });
    expect(args).toBe('{"path":"id_rsa","key":"');
  });

  test('an address written with `\\u0040` in Anthropic input_json_delta is redacted in the tool input the SDK parses', async () => {
    claude.enqueue({
      kind: 'sse',
      ...anthropicEvents([
        { type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 'toolu_1', name: 'send', input: {} } },
        blockDelta(0, { type: 'input_json_delta', partial_json: '{"to":"jane.doe\\u00' }),
        blockDelta(0, { type: 'input_json_delta', partial_json: '40example.com","body":"hi"}' }),
        { type: 'content_block_stop', index: 0 },
      ]),
    });
    const message = await anthropic.messages.stream({ model: 'claude-x', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] }).finalMessage();
    expect(message.content).toEqual([{ type: 'tool_use', id: 'toolu_1', name: 'send', input: { to: '[EMAIL_1]', body: 'hi' } }]);
  });

  test('an AWS key in reasoning_content under a blocking policy: refused whole (400) and ends a stream with guardrail_blocked', async () => {
    const message = { role: 'assistant', content: 'Done.', reasoning_content: `The key is ${AWS_KEY}.` };
    gpt.enqueue({ kind: 'json', status: 200, body: { id: 'c', object: 'chat.completion', created: 1, model: 'gpt-4o', choices: [{ index: 0, message, finish_reason: 'stop' }], usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } } });
    const whole = (await blocking.chat.completions.create(ask).catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(whole).toBeInstanceOf(OpenAI.APIError);
    expect({ status: whole.status, error: whole.error }).toEqual({
      status: 400,
      error: { message: 'The response was blocked by guardrail policy "strict": detector "aws_access_key" matched.', type: 'invalid_request_error', param: null, code: 'guardrail_blocked' },
    });

    gpt.enqueue({ kind: 'sse', events: chatChunks([{ reasoning_content: 'The key is AKIAIOSF' }, { reasoning_content: 'ODNN7EXAMPLE.' }, { content: 'Done.' }]) });
    const stream = await blocking.chat.completions.create({ ...ask, stream: true });
    const seen: string[] = [];
    const failure = await (async () => {
      for await (const chunk of stream) seen.push(JSON.stringify(chunk));
    })().catch((e: unknown) => e);
    expect((failure as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({ code: 'guardrail_blocked', message: 'The response was blocked by guardrail policy "strict": detector "aws_access_key" matched.' });
    expect(seen.join('')).not.toContain('AKIA');

    // Redacting: the reasoning reads with a placeholder, streamed and whole.
    gpt.enqueue({ kind: 'json', status: 200, body: { id: 'c', object: 'chat.completion', created: 1, model: 'gpt-4o', choices: [{ index: 0, message, finish_reason: 'stop' }], usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } } });
    const redacted = await openai.chat.completions.create(ask);
    expect((redacted.choices[0].message as unknown as { reasoning_content: string }).reasoning_content).toBe('The key is [AWS_ACCESS_KEY_1].');
  });

  test('Anthropic thinking_delta is redacted; the signed block a redaction changed loses its signature', async () => {
    claude.enqueue({
      kind: 'sse',
      ...anthropicEvents([
        { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '' } },
        blockDelta(0, { type: 'thinking_delta', thinking: 'The user is jane.doe@exa' }),
        blockDelta(0, { type: 'thinking_delta', thinking: 'mple.com; answer briefly.' }),
        blockDelta(0, { type: 'signature_delta', signature: 'EqQBCgIYAhIM-signed' }),
        { type: 'content_block_stop', index: 0 },
        { type: 'content_block_start', index: 1, content_block: { type: 'text', text: '' } },
        blockDelta(1, { type: 'text_delta', text: 'Hello.' }),
        { type: 'content_block_stop', index: 1 },
      ]),
    });
    const message = await anthropic.messages.stream({ model: 'claude-x', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] }).finalMessage();
    expect(message.content).toEqual([
      { type: 'thinking', thinking: 'The user is [EMAIL_1]; answer briefly.', signature: '' },
      { type: 'text', text: 'Hello.' },
    ]);
  });

  test('reasoning carried across translation: Anthropic thinking read by an OpenAI client as reasoning_content is redacted, streamed and whole', async () => {
    claude.enqueue({
      kind: 'sse',
      ...anthropicEvents([
        { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '' } },
        blockDelta(0, { type: 'thinking_delta', thinking: 'Mail bob@exam' }),
        blockDelta(0, { type: 'thinking_delta', thinking: 'ple.org later.' }),
        blockDelta(0, { type: 'signature_delta', signature: 'sig' }),
        { type: 'content_block_stop', index: 0 },
      ]),
    });
    const stream = await openai.chat.completions.create({ model: 'claude-x', messages: [{ role: 'user', content: 'hi' }], stream: true });
    let reasoning = '';
    for await (const chunk of stream) reasoning += (chunk.choices[0]?.delta as { reasoning_content?: string } | undefined)?.reasoning_content ?? '';
    expect(reasoning).toBe('Mail [EMAIL_1] later.');

    claude.enqueue({
      kind: 'json',
      status: 200,
      body: {
        id: 'msg_w', type: 'message', role: 'assistant', model: 'claude-x', stop_reason: 'end_turn', stop_sequence: null, usage: { input_tokens: 3, output_tokens: 4 },
        content: [{ type: 'thinking', thinking: 'Mail bob@example.org later.', signature: 'sig' }, { type: 'text', text: 'Sure.' }],
      },
    });
    const whole = await openai.chat.completions.create({ model: 'claude-x', messages: [{ role: 'user', content: 'hi' }] });
    expect(whole.choices[0].message).toMatchObject({ content: 'Sure.', reasoning_content: 'Mail [EMAIL_1] later.' });
  });

  test('log probabilities are refused under a redacting policy, in the OpenAI shape, before any provider sees the request', async () => {
    const error = (await openai.chat.completions.create({ ...ask, logprobs: true, top_logprobs: 2 }).catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect({ status: error.status, error: error.error }).toEqual({
      status: 400,
      error: {
        message: 'Log probabilities are not available under guardrail policy "default": their token texts would show what the policy redacts or blocks in responses.',
        type: 'invalid_request_error',
        param: 'logprobs',
        code: 'guardrail_logprobs_refused',
      },
    });
    expect(gpt.received).toHaveLength(0);
  });
});
