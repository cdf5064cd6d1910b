import OpenAI from 'openai';
import { FakeProvider } from '../src/fake-provider/fake-provider';
import { Stack, TEST_KEY, describeE2E } from './harness';

/**
 * Gemini through Envoy + aigw: the OpenAI SDK served by a Gemini backend (translated to
 * generateContent / streamGenerateContent), and failover from an OpenAI backend to it.
 */
describeE2E('OpenAI Chat Completions served by Gemini backends', () => {
  let gemini: FakeProvider;
  let openai: FakeProvider;
  let stack: Stack;
  let client: OpenAI;

  beforeAll(async () => {
    gemini = await FakeProvider.start({ name: 'gemini' });
    openai = await FakeProvider.start({ name: 'gpt' });
    stack = await Stack.start({
      env: { GEMINI_KEY: 'AIza-backend-key', OPENAI_KEY: 'sk-openai-backend' },
      config: {
        backends: [
          { name: 'gemini', kind: 'gemini', baseUrl: gemini.url, credential: { env: 'GEMINI_KEY' } },
          { name: 'openai', kind: 'openai', baseUrl: `${openai.url}/v1`, credential: { env: 'OPENAI_KEY' } },
        ],
        models: [
          { name: 'gemini-flash', backends: [{ backend: 'gemini', model: 'gemini-2.5-flash' }] },
          { name: 'gpt-or-gemini', backends: [{ backend: 'openai' }, { backend: 'gemini', model: 'gemini-2.5-pro' }] },
        ],
      },
    });
    client = new OpenAI({ apiKey: TEST_KEY, baseURL: `${stack.baseUrl}/v1`, maxRetries: 0 });
  });

  afterAll(async () => {
    await stack?.stop();
    await Promise.all([gemini?.close(), openai?.close()]);
  });

  beforeEach(() => {
    gemini.reset();
    openai.reset();
  });

  test('non-streaming: generateContent with x-goog-api-key and a Gemini body; usage counted', async () => {
    const completion = await client.chat.completions.create({
      model: 'gemini-flash',
      temperature: 0.5,
      max_tokens: 64,
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'hello there' },
      ],
    });
    expect(completion.object).toBe('chat.completion');
    expect(completion.model).toBe('gemini-2.5-flash');
    expect(completion.choices[0].message.content).toBe('Hello from gemini');
    expect(completion.choices[0].finish_reason).toBe('stop');
    // 2 + 2 words + 3 for the one content (the fake's tokenizer); 4 candidate tokens.
    expect(completion.usage).toMatchObject({ prompt_tokens: 7, completion_tokens: 4, total_tokens: 11 });
    const upstream = gemini.received[0];
    expect(upstream.path).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
    expect(upstream.headers['x-goog-api-key']).toBe('AIza-backend-key');
    expect(upstream.headers.authorization).toBeUndefined();
    expect(upstream.json).toEqual({
      contents: [{ role: 'user', parts: [{ text: 'hello there' }] }],
      systemInstruction: { parts: [{ text: 'Be brief.' }] },
      generationConfig: { maxOutputTokens: 64, temperature: 0.5 },
    });
    const entry = await stack.waitForAccessLog((line) => line.model === 'gemini-flash' && line.status === 200);
    expect(entry).toMatchObject({ input_tokens: 7, output_tokens: 4, attempts: 1 });
  });

  test('streaming: streamGenerateContent?alt=sse becomes OpenAI chunks with a usage chunk', async () => {
    const stream = await client.chat.completions.create({
      model: 'gemini-flash',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'one two three' }],
    });
    let text = '';
    let finish: string | null | undefined;
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe('Hello from gemini');
    expect(finish).toBe('stop');
    expect(usage).toMatchObject({ prompt_tokens: 6, completion_tokens: 4, total_tokens: 10 });
    const upstream = gemini.received[0];
    expect(upstream.path).toBe('/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse');
    expect(upstream.headers['x-goog-api-key']).toBe('AIza-backend-key');
    expect(upstream.json).toEqual({ contents: [{ role: 'user', parts: [{ text: 'one two three' }] }] });
  });

  test('an OpenAI backend answering 503 fails over to Gemini, which gets its own wire format', async () => {
    openai.enqueue({ kind: 'json', status: 503, body: { error: { message: 'down', type: 'server_error', param: null, code: null } } });
    const completion = await client.chat.completions.create({ model: 'gpt-or-gemini', messages: [{ role: 'user', content: 'hi' }] });
    expect(completion.choices[0].message.content).toBe('Hello from gemini');
    expect(openai.received[0].path).toBe('/v1/chat/completions');
    expect(openai.received[0].headers.authorization).toBe('Bearer sk-openai-backend');
    const upstream = gemini.received[0];
    expect(upstream.path).toBe('/v1beta/models/gemini-2.5-pro:generateContent');
    expect(upstream.headers['x-goog-api-key']).toBe('AIza-backend-key');
    expect(upstream.headers.authorization).toBeUndefined();
    expect(upstream.json).toEqual({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] });
    const entry = await stack.waitForAccessLog((line) => line.model === 'gpt-or-gemini');
    expect(entry).toMatchObject({ status: 200, attempts: 2 });
  });

  test('thought signatures: a signed tool call echoed back by the OpenAI SDK replays its signature upstream', async () => {
    const signature = 'CiIB+Khc7oTz/fN0Q2V4YW1wbGUgc2lnbmF0dXJlAA==';
    const call = { functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: signature };
    gemini.enqueue({
      kind: 'json',
      status: 200,
      body: { candidates: [{ content: { parts: [call], role: 'model' }, finishReason: 'STOP', index: 0 }], modelVersion: 'gemini-3-pro-preview' },
    });
    const tools: OpenAI.ChatCompletionTool[] = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }];
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather in Paris?' }];
    const first = await client.chat.completions.create({ model: 'gemini-flash', messages, tools });
    const message = first.choices[0].message;
    expect(first.choices[0].finish_reason).toBe('tool_calls');
    const toolCall = message.tool_calls?.[0];
    expect(toolCall?.id).toMatch(/^call_[0-9a-f]{12}_0__ts_gemini_CiIB-Khc7oTz_fN0Q2V4YW1wbGUgc2lnbmF0dXJlAA$/);
    // The client answers the call the usual way: the assistant message back, then the tool result by id.
    messages.push(message, { role: 'tool', tool_call_id: toolCall?.id ?? '', content: '{"temperature":18}' });
    const second = await client.chat.completions.create({ model: 'gemini-flash', messages, tools });
    expect(second.choices[0].message.content).toBe('Hello from gemini');
    expect((gemini.received[1].json as { contents: unknown[] }).contents).toEqual([
      { role: 'user', parts: [{ text: 'Weather in Paris?' }] },
      { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: signature }] },
      { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { content: { temperature: 18 } } } }] },
    ]);
  });

  test('thought signatures in a stream: the streamed call id carries the signature back', async () => {
    const part = { functionCall: { name: 'get_weather', args: { city: 'Rome' } }, thoughtSignature: 'c2lnbmF0dXJl' };
    gemini.enqueue({
      kind: 'sse',
      events: [JSON.stringify({ candidates: [{ content: { parts: [part], role: 'model' }, finishReason: 'STOP', index: 0 }], usageMetadata: { promptTokenCount: 5, candidatesTokenCount: 3, totalTokenCount: 8 } })],
    });
    const stream = await client.chat.completions.create({ model: 'gemini-flash', stream: true, messages: [{ role: 'user', content: 'Rome?' }] });
    const ids: string[] = [];
    for await (const chunk of stream) for (const call of chunk.choices[0]?.delta.tool_calls ?? []) if (call.id) ids.push(call.id);
    expect(ids).toHaveLength(1);
    expect(ids[0]).toMatch(/^call_[0-9a-f]{12}_0__ts_gemini_c2lnbmF0dXJl$/);
    await client.chat.completions.create({
      model: 'gemini-flash',
      messages: [
        { role: 'user', content: 'Rome?' },
        { role: 'assistant', content: null, tool_calls: [{ id: ids[0], type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } }] },
        { role: 'tool', tool_call_id: ids[0], content: 'sunny' },
      ],
    });
    expect((gemini.received[1].json as { contents: Array<{ parts: unknown[] }> }).contents[1].parts).toEqual([part]);
  });

  test('a Gemini error reaches the OpenAI SDK in OpenAI shape', async () => {
    gemini.enqueue({ kind: 'json', status: 400, body: { error: { code: 400, message: 'Request contains an invalid argument.', status: 'INVALID_ARGUMENT' } } });
    const error = await client.chat.completions
      .create({ model: 'gemini-flash', messages: [{ role: 'user', content: 'x' }] })
      .then(() => undefined, (caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).error).toEqual({
      message: 'Request contains an invalid argument.',
      type: 'invalid_request_error',
      param: null,
      code: 'INVALID_ARGUMENT',
    });
  });
});
