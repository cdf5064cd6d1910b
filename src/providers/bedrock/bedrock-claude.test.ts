import { parseClientRequest } from '../../api/client-request';
import type { ClientApi } from '../../api/client-request';
import { validateConfig } from '../../config/load';
import { compileConfig } from '../../config/runtime';
import { invokeChunkFrame } from '../../fake-provider/bedrock-behaviours';
import { fixtureBytes, fixtureJson } from '../anthropic/__fixtures__/fixture-support';
import { OpenAIToAnthropic } from '../anthropic/openai-to-anthropic';
import { createTranslator } from '../registry';
import { SseDecoder } from '../sse';
import type { Translator } from '../translator';
import { expectedSignature, parseAuthorization } from './__fixtures__/sigv4-verifier';
import { AnthropicToBedrockClaude } from './anthropic-to-bedrock-claude';
import { encodeEventStreamFrame } from './eventstream-decoder';
import { OpenAIToBedrockClaude } from './openai-to-bedrock-claude';

const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const CLAUDE = 'anthropic.claude-sonnet-4-5-20250929-v1:0';
const NOW = (): Date => new Date('2026-01-01T00:00:00Z');
const CONFIG = compileConfig(
  validateConfig({
    backends: [
      { name: 'invoke', kind: 'bedrock', api: 'invoke', baseUrl: 'https://bedrock-runtime.us-west-2.amazonaws.com', aws: { accessKeyId: { env: 'AK' }, secretAccessKey: { env: 'SK' } } },
      { name: 'anthropic', kind: 'anthropic', baseUrl: 'https://api.anthropic.com' },
    ],
    models: [{ name: 'claude', backends: [{ backend: 'invoke', model: CLAUDE }] }],
    callers: [],
  }),
  { AK: 'AKIDEXAMPLE', SK: SECRET },
);
const target = { backend: CONFIG.backends.get('invoke')!, upstreamModel: CLAUDE };
const request = (api: ClientApi, body: object) => parseClientRequest(api, Buffer.from(JSON.stringify(body)));

/** An Anthropic SSE fixture as InvokeModelWithResponseStream sends it: each event's JSON in a chunk frame. */
function asInvokeStream(sse: Buffer): Buffer {
  return Buffer.concat(new SseDecoder().push(sse).filter((event) => event.data !== undefined).map((event) => invokeChunkFrame(event.data ?? '')));
}

/** Feeds pieces (the last with endOfStream) and joins the output. */
function replay(translator: Translator, pieces: Buffer[]): string {
  return Buffer.concat(pieces.map((piece, index) => translator.responseBody(piece, index === pieces.length - 1) ?? piece)).toString('utf8');
}

describe('OpenAI chat → Claude on Bedrock InvokeModel', () => {
  test('the request is the Anthropic body, model in the path, anthropic_version in the body, signed over the final bytes', async () => {
    const translator = new OpenAIToBedrockClaude(request('openai-chat', { model: 'claude', max_tokens: 64, stream: true, messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hi' }] }), target, NOW);
    const upstream = await translator.requestBody();
    expect(upstream.path).toBe('/model/anthropic.claude-sonnet-4-5-20250929-v1%3A0/invoke-with-response-stream');
    expect(JSON.parse(upstream.body.toString())).toEqual({
      anthropic_version: 'bedrock-2023-05-31',
      max_tokens: 64,
      system: [{ type: 'text', text: 'Be brief.' }],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
    });
    expect(upstream.headers.accept).toBe('application/vnd.amazon.eventstream');
    const received = { method: 'POST', path: upstream.path, headers: { ...upstream.headers, host: 'bedrock-runtime.us-west-2.amazonaws.com' }, body: upstream.body.toString() };
    expect(parseAuthorization(upstream.headers.authorization)).toMatchObject({ accessKeyId: 'AKIDEXAMPLE', region: 'us-west-2', service: 'bedrock' });
    expect(parseAuthorization(upstream.headers.authorization)?.signature).toBe(expectedSignature(received, SECRET));
  });

  test('a whole answer is translated exactly as from Anthropic itself', () => {
    const translator = new OpenAIToBedrockClaude(request('openai-chat', { model: 'claude', messages: [{ role: 'user', content: 'hi' }] }), target, NOW);
    const output = translator.responseBody(Buffer.from(JSON.stringify(fixtureJson('tool-use.anthropic-response.json'))), true);
    expect(JSON.parse(output.toString())).toEqual(fixtureJson('tool-use.openai-response.json'));
  });

  // The Anthropic goldens were made with these include_usage settings (anthropic-stream-to-openai.test.ts).
  describe.each([
    ['stream-text', true],
    ['stream-tools', false],
    ['stream-thinking', true],
    ['stream-early-end', false],
  ])('%s as event stream frames', (name, includeUsage) => {
    const input = asInvokeStream(fixtureBytes(`${name}.anthropic.sse.txt`));
    const expected = fixtureBytes(`${name}.openai.sse.txt`).toString('utf8');
    const body = { model: 'claude-sonnet', stream: true, messages: [{ role: 'user', content: 'hi' }], ...(includeUsage ? { stream_options: { include_usage: true } } : {}) };
    const make = (): OpenAIToBedrockClaude => new OpenAIToBedrockClaude(request('openai-chat', body), target, NOW);

    test('gives the Anthropic golden output, split at every byte offset, with the same usage', () => {
      const direct = new OpenAIToAnthropic(request('openai-chat', body), { backend: CONFIG.backends.get('anthropic')! }, () => 1767225600000);
      direct.responseBody(fixtureBytes(`${name}.anthropic.sse.txt`), true);
      for (let offset = 0; offset <= input.length; offset++) {
        const translator = make();
        const output = replay(translator, [input.subarray(0, offset), input.subarray(offset)]);
        if (output !== expected) throw new Error(`output differs when split at byte ${offset}`);
        expect(translator.usage()).toEqual(direct.usage());
      }
    });
  });

  test('an exception frame mid-stream ends the stream with an error event, as an Anthropic error event would', () => {
    const events = ['{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"claude","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":9,"output_tokens":1}}}', '{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}', '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hel"}}'];
    const exception = encodeEventStreamFrame({ ':message-type': 'exception', ':exception-type': 'throttlingException', ':content-type': 'application/json' }, '{"message":"Too many tokens, please wait before trying again."}');
    const bytes = Buffer.concat([...events.map(invokeChunkFrame), exception]);
    const viaBedrock = replay(new OpenAIToBedrockClaude(request('openai-chat', { model: 'claude', stream: true, messages: [{ role: 'user', content: 'hi' }] }), target, NOW), [bytes]);
    const sse = [...events.map((data) => `event: ${(JSON.parse(data) as { type: string }).type}\ndata: ${data}\n\n`), 'event: error\ndata: {"type":"error","error":{"type":"rate_limit_error","message":"Too many tokens, please wait before trying again."}}\n\n'].join('');
    const direct = new OpenAIToAnthropic(request('openai-chat', { model: 'claude', stream: true, messages: [{ role: 'user', content: 'hi' }] }), { backend: CONFIG.backends.get('anthropic')! }, () => 1767225600000);
    expect(viaBedrock).toBe(direct.responseBody(Buffer.from(sse), true).toString());
    expect(viaBedrock).toContain('"message":"Too many tokens, please wait before trying again."');
  });

  test('Bedrock error responses reach the OpenAI client in its shape', () => {
    const translator = new OpenAIToBedrockClaude(request('openai-chat', { model: 'claude', messages: [{ role: 'user', content: 'hi' }] }), target, NOW);
    expect(JSON.parse(translator.responseError(429, Buffer.from('{"message":"Too many requests, please wait before trying again."}')).toString())).toEqual({
      error: { message: 'Too many requests, please wait before trying again.', type: 'rate_limit_error', param: null, code: null },
    });
  });
});

describe('Anthropic Messages → Claude on Bedrock InvokeModel', () => {
  test('the body passes through with the model moved to the path; the registry picks this translator for api: invoke', async () => {
    const translator = createTranslator(request('anthropic-messages', { model: 'claude', max_tokens: 10, temperature: 0.3, stream: true, messages: [{ role: 'user', content: 'hi' }] }), target);
    expect(translator).toBeInstanceOf(AnthropicToBedrockClaude);
    const upstream = await translator.requestBody();
    expect(upstream.path).toBe('/model/anthropic.claude-sonnet-4-5-20250929-v1%3A0/invoke-with-response-stream');
    expect(JSON.parse(upstream.body.toString())).toEqual({ anthropic_version: 'bedrock-2023-05-31', max_tokens: 10, temperature: 0.3, messages: [{ role: 'user', content: 'hi' }] });
  });

  test('replayed thinking blocks without a signature (from another provider) are dropped with a warning', async () => {
    const messages = [
      { role: 'user', content: 'q' },
      { role: 'assistant', content: [{ type: 'thinking', thinking: 'from gpt', signature: '' }, { type: 'text', text: 'a' }] },
      { role: 'user', content: 'q2' },
    ];
    const translator = new AnthropicToBedrockClaude(request('anthropic-messages', { model: 'claude', max_tokens: 10, messages }), target, NOW);
    expect(JSON.parse((await translator.requestBody()).body.toString())).toEqual({
      anthropic_version: 'bedrock-2023-05-31',
      max_tokens: 10,
      messages: [messages[0], { role: 'assistant', content: [{ type: 'text', text: 'a' }] }, messages[2]],
    });
    expect(translator.warnings).toEqual(['dropped thinking blocks without a signature: Claude rejects them (they came from another provider)']);
  });

  test.each(['stream-text', 'stream-tools', 'stream-thinking'])('%s: frames become the SSE events the SDK reads, split at every offset, usage counted once', (name) => {
    const original = new SseDecoder().push(fixtureBytes(`${name}.anthropic.sse.txt`)).filter((event) => event.data !== undefined);
    const expected = original.map((event) => `event: ${(JSON.parse(event.data ?? '') as { type: string }).type}\ndata: ${event.data}\n\n`).join('');
    const input = asInvokeStream(fixtureBytes(`${name}.anthropic.sse.txt`));
    const make = () => new AnthropicToBedrockClaude(request('anthropic-messages', { model: 'claude', max_tokens: 10, stream: true, messages: [{ role: 'user', content: 'hi' }] }), target, NOW);
    const once = make();
    expect(replay(once, [input])).toBe(expected);
    const usage = once.usage();
    expect(usage?.outputTokens).toBeGreaterThan(0);
    for (let offset = 0; offset <= input.length; offset++) {
      const translator = make();
      expect(replay(translator, [input.subarray(0, offset), input.subarray(offset)])).toBe(expected);
      expect(translator.usage()).toEqual(usage);
    }
  });

  test('a whole message passes through and its usage is read; errors come back in Anthropic shape', () => {
    const translator = new AnthropicToBedrockClaude(request('anthropic-messages', { model: 'claude', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }), target, NOW);
    const message = Buffer.from(JSON.stringify(fixtureJson('thinking-cached.anthropic-response.json')));
    expect(translator.responseBody(message, true)).toEqual(message);
    expect(translator.usage()?.totalTokens).toBeGreaterThan(0);
    expect(JSON.parse(translator.responseError(400, Buffer.from('{"message":"messages: at least one message is required"}'))?.toString() ?? '')).toEqual({
      type: 'error',
      error: { type: 'invalid_request_error', message: 'messages: at least one message is required' },
    });
  });
});
