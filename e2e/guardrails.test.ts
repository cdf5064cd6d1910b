import Anthropic from '@anthropic-ai/sdk';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { hashApiKey } from '../src/auth/api-keys';
import { FakeProvider } from '../src/fake-provider/fake-provider';
import { Stack, TEST_KEY, adminCall, describeE2E, metricValue } from './harness';

const OPEN_KEY = 'sk-e2e-open-hook';
const CLOSED_KEY = 'sk-e2e-closed-hook';
const JUDGE_KEY = 'sk-e2e-judged';
const FINANCE_KEY = 'sk-e2e-finance';
const ADMIN_TOKEN = 'e2e-guardrails-admin-token';

/** A webhook guardrail: /hang never answers in time; /judge blocks texts with "forbidden", upper-cases the rest. */
async function startWebhook(): Promise<{ server: Server; url: string; calls: unknown[] }> {
  const calls: unknown[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      const call = JSON.parse(body) as { texts: string[] };
      calls.push({ path: request.url, authorization: request.headers.authorization, ...call });
      if (request.url === '/hang') {
        setTimeout(() => response.writeHead(200).end('{"action":"allow"}'), 1500).unref();
        return;
      }
      const verdict = call.texts.some((text) => text.includes('forbidden'))
        ? { action: 'block', reason: 'off-topic request' }
        : { action: 'redact', texts: call.texts.map((text) => (text === text.toUpperCase() ? null : text.toUpperCase())) };
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(verdict));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, calls };
}

/** OpenAI chat chunks streaming `parts` as content deltas. */
function chatChunks(parts: string[]): string[] {
  const chunk = (delta: unknown, finish: string | null = null): string =>
    JSON.stringify({ id: 'chatcmpl-g', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o', choices: [{ index: 0, delta, finish_reason: finish }] });
  return [
    chunk({ role: 'assistant', content: '' }),
    ...parts.map((content) => chunk({ content })),
    chunk({}, 'stop'),
    JSON.stringify({ id: 'chatcmpl-g', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o', choices: [], usage: { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 } }),
    '[DONE]',
  ];
}

/** Anthropic events streaming `parts` as text deltas. */
function anthropicEvents(parts: string[]): { events: string[]; eventNames: string[] } {
  const events: Array<Record<string, unknown>> = [
    { type: 'message_start', message: { id: 'msg_g', type: 'message', role: 'assistant', model: 'claude-x', content: [], stop_reason: null, usage: { input_tokens: 5, output_tokens: 1 } } },
    { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
    ...parts.map((text) => ({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } })),
    { type: 'content_block_stop', index: 0 },
    { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 7 } },
    { type: 'message_stop' },
  ];
  return { events: events.map((e) => JSON.stringify(e)), eventNames: events.map((e) => String(e.type)) };
}

const SECRET_TEXT = 'Mail jane.doe@example.com now.';
const SECRET_REDACTED = 'Mail [EMAIL_1] now.';

/**
 * Guardrails through real Envoy: requests redacted before the provider sees them, blocks in
 * both client shapes, streamed responses redacted at every split, webhooks failing open and
 * closed, and every action counted.
 */
describeE2E('guardrails', () => {
  let gpt: FakeProvider;
  let claude: FakeProvider;
  let hook: Awaited<ReturnType<typeof startWebhook>>;
  let stack: Stack;
  let openai: OpenAI;
  let anthropic: Anthropic;

  beforeAll(async () => {
    gpt = await FakeProvider.start({ name: 'gpt' });
    claude = await FakeProvider.start({ name: 'claude' });
    hook = await startWebhook();
    stack = await Stack.start({
      env: { OPENAI_KEY: 'sk-backend', ANTHROPIC_KEY: 'sk-ant-backend', HOOK_TOKEN: 'hook-secret', AIGW_ADMIN_TOKEN: ADMIN_TOKEN },
      config: {
        callers: [
          { name: 'e2e', keyHash: hashApiKey(TEST_KEY), team: 'team-e2e', project: 'p' },
          { name: 'open-hook', keyHash: hashApiKey(OPEN_KEY), team: 'hooks', project: 'p' },
          { name: 'closed-hook', keyHash: hashApiKey(CLOSED_KEY), team: 'hooks', project: 'p' },
          { name: 'judged', keyHash: hashApiKey(JUDGE_KEY), team: 'hooks', project: 'p' },
          { name: 'fin', keyHash: hashApiKey(FINANCE_KEY), team: 'finance', project: 'p' },
        ],
        backends: [
          { name: 'openai', kind: 'openai', baseUrl: `${gpt.url}/v1`, credential: { env: 'OPENAI_KEY' } },
          { name: 'anthropic', kind: 'anthropic', baseUrl: claude.url, credential: { env: 'ANTHROPIC_KEY' } },
        ],
        models: [
          { name: 'gpt-4o', backends: [{ backend: 'openai' }] },
          { name: 'claude-x', backends: [{ backend: 'anthropic' }] },
        ],
        admin: { token: { env: 'AIGW_ADMIN_TOKEN' }, store: 'memory' },
        guardrails: {
          detectors: [{ name: 'banned', keywords: ['nerve agent'] }],
          webhooks: [
            { name: 'slow-open', url: `${hook.url}/hang`, timeoutMs: 200, failMode: 'open' },
            { name: 'slow-closed', url: `${hook.url}/hang`, timeoutMs: 200, failMode: 'closed' },
            { name: 'judge', url: `${hook.url}/judge`, credential: { env: 'HOOK_TOKEN' } },
          ],
          default: {
            rules: [
              { detectors: ['email', 'phone', 'us_ssn'], action: 'redact' },
              { detectors: ['credit_card'], action: 'block', on: ['request'] },
              { detectors: ['credit_card'], action: 'redact', on: ['response'] },
              { detectors: ['aws_access_key', 'banned'], action: 'block' },
            ],
          },
          policies: [
            { name: 'finance', match: { teams: ['finance'] }, rules: [{ detectors: ['credit_card'], action: 'monitor', on: ['request'] }] },
            { name: 'open', match: { callers: ['open-hook'] }, inherit: false, webhooks: [{ webhook: 'slow-open' }] },
            { name: 'closed', match: { callers: ['closed-hook'] }, inherit: false, webhooks: [{ webhook: 'slow-closed' }] },
            { name: 'judged', match: { callers: ['judged'] }, inherit: false, webhooks: [{ webhook: 'judge', on: ['request', 'response'] }], blockStatus: 403 },
          ],
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

  const as = (key: string): OpenAI => new OpenAI({ apiKey: key, baseURL: `${stack.baseUrl}/v1`, maxRetries: 0 });

  test('PII in an OpenAI request is redacted before it reaches the provider, the same value getting the same placeholder', async () => {
    await openai.chat.completions.create({
      model: 'gpt-4o',
      messages: [
        { role: 'system', content: 'Support agent for jane.doe@example.com.' },
        { role: 'user', content: [{ type: 'text', text: 'I am jane.doe@example.com, call +1 415 555 2671 or mail bob@example.org. SSN 123-45-6789.' }] },
        { role: 'assistant', content: null, tool_calls: [{ id: 't1', type: 'function', function: { name: 'lookup', arguments: '{"email":"bob@example.org"}' } }] },
        { role: 'tool', tool_call_id: 't1', content: 'found bob@example.org' },
      ],
    });
    expect((gpt.received[0].json as { messages: unknown }).messages).toEqual([
      { role: 'system', content: 'Support agent for [EMAIL_1].' },
      { role: 'user', content: [{ type: 'text', text: 'I am [EMAIL_1], call [PHONE_1] or mail [EMAIL_2]. SSN [US_SSN_1].' }] },
      { role: 'assistant', content: null, tool_calls: [{ id: 't1', type: 'function', function: { name: 'lookup', arguments: '{"email":"[EMAIL_2]"}' } }] },
      { role: 'tool', tool_call_id: 't1', content: 'found [EMAIL_2]' },
    ]);
    expect(gpt.received[0].body).not.toContain('example');
    const entry = await stack.waitForAccessLog((line) => line.request_id !== undefined && String(line.guardrails ?? '').includes('us_ssn'));
    expect(entry).toMatchObject({ status: 200, guardrail_policy: 'default', guardrails: 'request:email:redact=5;request:phone:redact=1;request:us_ssn:redact=1' });
  });

  test('PII in an Anthropic request (system, text and tool_result blocks) is redacted before it reaches the provider', async () => {
    await anthropic.messages.create({
      model: 'claude-x',
      max_tokens: 50,
      system: [{ type: 'text', text: 'Caller: jane.doe@example.com' }],
      messages: [
        { role: 'user', content: 'Ring 020 7946 0958' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'tu1', name: 'lookup', input: { who: 'jane.doe@example.com' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'tu1', content: [{ type: 'text', text: 'jane.doe@example.com is 020 7946 0958' }] }] },
      ],
    });
    const sent = claude.received[0].json as Record<string, unknown>;
    expect(sent.system).toEqual([{ type: 'text', text: 'Caller: [EMAIL_1]' }]);
    expect(sent.messages).toEqual([
      { role: 'user', content: 'Ring [PHONE_1]' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'tu1', name: 'lookup', input: { who: '[EMAIL_1]' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'tu1', content: [{ type: 'text', text: '[EMAIL_1] is [PHONE_1]' }] }] },
    ]);
  });

  test('block: a card number in the request is refused in OpenAI and Anthropic shapes, naming the guardrail and not the text; nothing reaches a provider', async () => {
    const error = await openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'card 4111 1111 1111 1111' }] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(400);
    expect((error as InstanceType<typeof OpenAI.APIError>).error).toEqual({
      message: 'The request was blocked by guardrail policy "default": detector "credit_card" matched.',
      type: 'invalid_request_error',
      param: null,
      code: 'guardrail_blocked',
    });
    const response = await stack.post('/v1/messages', { model: 'claude-x', max_tokens: 10, messages: [{ role: 'user', content: 'how to make a Nerve Agent' }] }, { 'anthropic-version': '2023-06-01' });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      type: 'error',
      error: { type: 'invalid_request_error', message: 'The request was blocked by guardrail policy "default": detector "banned" matched.' },
    });
    const viaSdk = await anthropic.messages.create({ model: 'claude-x', max_tokens: 10, messages: [{ role: 'user', content: 'AKIAIOSFODNN7EXAMPLE' }] }).catch((e: unknown) => e);
    expect(viaSdk).toBeInstanceOf(Anthropic.BadRequestError);
    expect(gpt.received).toHaveLength(0);
    expect(claude.received).toHaveLength(0);
  });

  test('a team policy overrides the default for its detector and inherits the rest', async () => {
    await as(FINANCE_KEY).chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'card 4111 1111 1111 1111 of jane@example.com' }] });
    expect((gpt.received[0].json as { messages: unknown }).messages).toEqual([{ role: 'user', content: 'card 4111 1111 1111 1111 of [EMAIL_1]' }]);
  });

  test('the admin API gives a caller or team another policy at runtime, caller before team, and takes it back', async () => {
    const card = (): Promise<unknown> => openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'card 4111 1111 1111 1111' }] }).catch((e: unknown) => e);
    expect(await adminCall(stack, ADMIN_TOKEN, 'PUT', '/admin/teams/team-e2e/guardrails', { policy: 'finance' })).toEqual({
      status: 200,
      body: { scope: 'team', name: 'team-e2e', policy: 'finance', source: 'admin', storage: 'memory' },
    });
    await card();
    expect((gpt.received[0].json as { messages: unknown }).messages).toEqual([{ role: 'user', content: 'card 4111 1111 1111 1111' }]);
    await adminCall(stack, ADMIN_TOKEN, 'PUT', '/admin/callers/e2e/guardrails', { policy: 'default' });
    expect(((await card()) as InstanceType<typeof OpenAI.APIError>).status).toBe(400);
    const unknown = await adminCall(stack, ADMIN_TOKEN, 'PUT', '/admin/teams/team-e2e/guardrails', { policy: 'lenient' });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({ error: { message: 'Invalid request body: policy: "lenient" is not a guardrail policy of the config (known: default, finance, open, closed, judged, none).' } });
    await adminCall(stack, ADMIN_TOKEN, 'DELETE', '/admin/callers/e2e/guardrails');
    await adminCall(stack, ADMIN_TOKEN, 'DELETE', '/admin/teams/team-e2e/guardrails');
    expect(((await card()) as InstanceType<typeof OpenAI.APIError>).status).toBe(400);
    expect(gpt.received).toHaveLength(1);
  });

  test('PII in a streamed OpenAI response is redacted when split across chunks at every position', async () => {
    for (let at = 0; at <= SECRET_TEXT.length; at++) {
      gpt.enqueue({ kind: 'sse', events: chatChunks([SECRET_TEXT.slice(0, at), SECRET_TEXT.slice(at)]) });
      const stream = await openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], stream: true });
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
      expect({ at, text }).toEqual({ at, text: SECRET_REDACTED });
    }
  });

  test('PII in a streamed Anthropic response is redacted when split across events at every position', async () => {
    for (let at = 0; at <= SECRET_TEXT.length; at++) {
      claude.enqueue({ kind: 'sse', ...anthropicEvents([SECRET_TEXT.slice(0, at), SECRET_TEXT.slice(at)]) });
      const stream = anthropic.messages.stream({ model: 'claude-x', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] });
      const message = await stream.finalMessage();
      expect({ at, content: message.content.map((block) => (block.type === 'text' ? block.text : block.type)) }).toEqual({ at, content: [SECRET_REDACTED] });
    }
  });

  test('PII in a streamed response split at every byte offset of the provider stream (raw chunks)', async () => {
    const bytes = Buffer.from(chatChunks(['Card 4111 1111 ', '1111 1111 ok']).map((data) => `data: ${data}\n\n`).join(''));
    const starts = [0, 120, 200, 260];
    for (const start of starts) {
      for (let offset = start; offset < start + 40 && offset <= bytes.length; offset++) {
        gpt.enqueue({ kind: 'raw-sse', chunks: [bytes.subarray(0, offset), bytes.subarray(offset)], intervalMs: 2 });
        const stream = await openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], stream: true });
        let text = '';
        for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
        expect({ offset, text }).toEqual({ offset, text: 'Card [CREDIT_CARD_1] ok' });
      }
    }
  });

  test('an email disguised with zero-width characters in a streamed answer is redacted whole, at every split of the text and every byte of the invisible characters', async () => {
    const disguised = 'Mail ja\u200Bne.doe@exam\u200Dple.com now.';
    const read = async (): Promise<string> => {
      const stream = await openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], stream: true });
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
      return text;
    };
    for (let at = 0; at <= disguised.length; at++) {
      gpt.enqueue({ kind: 'sse', events: chatChunks([disguised.slice(0, at), disguised.slice(at)]) });
      expect({ at, text: await read() }).toEqual({ at, text: 'Mail [EMAIL_1] now.' });
    }
    // The provider's bytes split inside the UTF-8 encoding of each zero-width character (3 bytes each).
    const bytes = Buffer.from(chatChunks([disguised]).map((data) => `data: ${data}\n\n`).join(''));
    for (const marker of [Buffer.from('\u200B'), Buffer.from('\u200D')]) {
      const start = bytes.indexOf(marker);
      expect(start).toBeGreaterThan(0); // sent as UTF-8, not as a JSON escape
      for (let offset = start; offset <= start + marker.length; offset++) {
        gpt.enqueue({ kind: 'raw-sse', chunks: [bytes.subarray(0, offset), bytes.subarray(offset)], intervalMs: 2 });
        expect({ offset, text: await read() }).toEqual({ offset, text: 'Mail [EMAIL_1] now.' });
      }
    }
  });

  test('a secret in a streamed response ends the stream with an error event; a whole response with one is refused', async () => {
    gpt.enqueue({ kind: 'sse', events: chatChunks(['Your key: AKIAIOSFO', 'DNN7EXAMPLE', ' enjoy']) });
    const stream = await openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], stream: true });
    let text = '';
    const failure = await (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    })().catch((e: unknown) => e);
    expect(text).toBe('Your key: ');
    expect(failure).toBeInstanceOf(OpenAI.APIError);
    expect((failure as Error).message).toContain('The response was blocked by guardrail policy "default": detector "aws_access_key" matched.');

    gpt.enqueue({ kind: 'json', status: 200, body: { id: 'c', object: 'chat.completion', created: 1, model: 'gpt-4o', choices: [{ index: 0, message: { role: 'assistant', content: 'key AKIAIOSFODNN7EXAMPLE' }, finish_reason: 'stop' }], usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } } });
    const whole = await openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    expect((whole as InstanceType<typeof OpenAI.APIError>).status).toBe(400);
    expect((whole as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({ code: 'guardrail_blocked' });
    expect(JSON.stringify((whole as InstanceType<typeof OpenAI.APIError>).error)).not.toContain('AKIA');

    gpt.enqueue({ kind: 'json', status: 200, body: { id: 'c', object: 'chat.completion', created: 1, model: 'gpt-4o', choices: [{ index: 0, message: { role: 'assistant', content: 'write to jane@example.com' }, finish_reason: 'stop' }], usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } } });
    const redacted = await openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
    expect(redacted.choices[0].message.content).toBe('write to [EMAIL_1]');
  });

  test('embeddings input and Responses API input are redacted; a streamed Responses answer is redacted in deltas and closing events', async () => {
    await openai.embeddings.create({ model: 'gpt-4o', input: ['mail jane@example.com', 'plain text'] });
    expect((gpt.received[0].json as { input: unknown }).input).toEqual(['mail [EMAIL_1]', 'plain text']);

    const named = (events: Array<Record<string, unknown>>): { events: string[]; eventNames: string[] } => ({
      events: events.map((event, index) => JSON.stringify({ ...event, sequence_number: index })),
      eventNames: events.map((event) => String(event.type)),
    });
    const item = (text: string): Record<string, unknown> => ({ id: 'msg_1', type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text, annotations: [] }] });
    const response = (status: string, output: unknown[]): Record<string, unknown> => ({ id: 'resp_1', object: 'response', created_at: 1, status, model: 'gpt-4o', output, usage: status === 'completed' ? { input_tokens: 3, output_tokens: 6, total_tokens: 9 } : null });
    gpt.enqueue({
      kind: 'sse',
      ...named([
        { type: 'response.created', response: response('in_progress', []) },
        { type: 'response.output_item.added', output_index: 0, item: { ...item(''), status: 'in_progress', content: [] } },
        { type: 'response.output_text.delta', item_id: 'msg_1', output_index: 0, content_index: 0, delta: 'Mail jane.do' },
        { type: 'response.output_text.delta', item_id: 'msg_1', output_index: 0, content_index: 0, delta: 'e@example.com now.' },
        { type: 'response.output_text.done', item_id: 'msg_1', output_index: 0, content_index: 0, text: SECRET_TEXT },
        { type: 'response.output_item.done', output_index: 0, item: item(SECRET_TEXT) },
        { type: 'response.completed', response: response('completed', [item(SECRET_TEXT)]) },
      ]),
    });
    const stream = await openai.responses.create({ model: 'gpt-4o', input: 'I am bob@example.org', stream: true });
    let text = '';
    const sequence: number[] = [];
    let completed = '';
    for await (const event of stream) {
      sequence.push(event.sequence_number);
      if (event.type === 'response.output_text.delta') text += event.delta;
      if (event.type === 'response.completed') {
        const [message] = event.response.output;
        completed = message.type === 'message' && message.content[0].type === 'output_text' ? message.content[0].text : '';
      }
    }
    expect((gpt.received[1].json as { input: unknown }).input).toBe('I am [EMAIL_1]');
    // The request's address took [EMAIL_1]; placeholders are shared by request and response.
    expect({ text, completed }).toEqual({ text: 'Mail [EMAIL_2] now.', completed: 'Mail [EMAIL_2] now.' });
    expect(sequence).toEqual([...sequence.keys()]);
  });

  test('a webhook that times out: fail-open lets the request through, fail-closed refuses it; both are metered', async () => {
    const before = await stack.metricsText();
    const started = Date.now();
    const open = await as(OPEN_KEY).chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hello' }] });
    expect(open.choices[0].message.content).toBe('Hello from gpt');
    expect(gpt.received).toHaveLength(1);
    const closed = await as(CLOSED_KEY).chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hello' }] }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(1400);
    expect((closed as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
    expect((closed as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({ code: 'guardrail_unavailable' });
    expect(gpt.received).toHaveLength(1);
    const after = await stack.metricsText();
    const delta = (sample: string): number => metricValue(after, sample) - metricValue(before, sample);
    expect(delta('aigw_guardrail_webhook_failures_total{webhook="slow-open",reason="timeout",result="allowed"}')).toBe(1);
    expect(delta('aigw_guardrail_webhook_failures_total{webhook="slow-closed",reason="timeout",result="refused"}')).toBe(1);
    expect(delta('aigw_guardrail_webhook_duration_seconds_count{webhook="slow-open",direction="request",outcome="timeout"}')).toBe(1);
  });

  test('a webhook redacts request and response texts, or blocks with its reason and the policy status', async () => {
    hook.calls.length = 0;
    gpt.enqueue({ kind: 'json', status: 200, body: { id: 'c', object: 'chat.completion', created: 1, model: 'gpt-4o', choices: [{ index: 0, message: { role: 'assistant', content: 'fine answer' }, finish_reason: 'stop' }], usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } } });
    const answer = await as(JUDGE_KEY).chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'quiet please' }] });
    expect((gpt.received[0].json as { messages: unknown }).messages).toEqual([{ role: 'user', content: 'QUIET PLEASE' }]);
    expect(answer.choices[0].message.content).toBe('FINE ANSWER');
    expect(hook.calls[0]).toEqual({
      path: '/judge',
      authorization: 'Bearer hook-secret',
      direction: 'request',
      request_id: expect.any(String),
      caller: 'judged',
      team: 'hooks',
      project: 'p',
      model: 'gpt-4o',
      api: 'openai-chat',
      policy: 'judged',
      texts: ['quiet please'],
    });
    const blocked = await as(JUDGE_KEY).chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'something forbidden' }] }).catch((e: unknown) => e);
    expect((blocked as InstanceType<typeof OpenAI.APIError>).status).toBe(403);
    expect((blocked as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({
      code: 'guardrail_blocked',
      message: 'The request was blocked by guardrail policy "judged": webhook "judge" refused it (off-topic request).',
    });
  });

  test('the metrics count each action by policy, detector, action and direction', async () => {
    const before = await stack.metricsText();
    await openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'a@b.io c@d.io a@b.io' }] }).catch(() => undefined);
    await openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'card 4111 1111 1111 1111' }] }).catch(() => undefined);
    await as(FINANCE_KEY).chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'card 4111 1111 1111 1111' }] });
    const after = await stack.metricsText();
    const delta = (labels: string): number => metricValue(after, `aigw_guardrail_actions_total{${labels}}`) - metricValue(before, `aigw_guardrail_actions_total{${labels}}`);
    expect(delta('guardrail="default",detector="email",action="redact",direction="request"')).toBe(3);
    expect(delta('guardrail="default",detector="credit_card",action="block",direction="request"')).toBe(1);
    expect(delta('guardrail="finance",detector="credit_card",action="monitor",direction="request"')).toBe(1);
  });
});
