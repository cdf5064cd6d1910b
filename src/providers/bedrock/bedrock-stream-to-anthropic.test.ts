import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { checkUsage } from '../usage';
import type { TokenUsage } from '../usage';
import { encodeFramesFixture, fixtureBytes, messagesTranslator } from './__fixtures__/fixture-support';
import { encodeEventStreamFrame } from './eventstream-decoder';

/** Rewrites `stream-redacted.eventstream` (this file's own input) and, with UPDATE_GOLDENS, the `.anthropic.sse.txt` outputs. */
const UPDATE = process.env.UPDATE_FIXTURES === '1' || process.env.UPDATE_GOLDENS === '1';
const BODY = { model: 'claude-bedrock', max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'hi' }] };

/** Feeds the stream in the given pieces (the last with endOfStream); returns the output and the usage. */
function replay(pieces: Buffer[]): { output: string; usage: TokenUsage | undefined } {
  const translator = messagesTranslator(BODY);
  const outputs = pieces.map((piece, index) => translator.responseBody(piece, index === pieces.length - 1));
  return { output: Buffer.concat(outputs).toString('utf8'), usage: translator.usage() };
}

const usage = (input: number, cached: number, created: number, output: number): TokenUsage => ({
  inputTokens: input,
  outputTokens: output,
  cachedInputTokens: cached,
  cacheCreationInputTokens: created,
  reasoningTokens: 0,
  totalTokens: input + output,
});

/** The ConverseStream fixtures shared with the OpenAI translator (stream-redacted is this pair's own). */
const CASES: Array<[string, TokenUsage | undefined]> = [
  ['stream-text', usage(25, 10, 0, 9)],
  ['stream-tools', usage(420, 0, 0, 88)],
  ['stream-thinking', usage(1020, 0, 1000, 300)],
  ['stream-redacted', usage(2050, 2000, 0, 120)],
  ['stream-exception', undefined],
  ['stream-early-end', undefined],
];

describe.each(CASES)('%s → Anthropic SSE', (name, expectedUsage) => {
  if (UPDATE) {
    test('regenerate', () => {
      if (name === 'stream-redacted') writeFileSync(join(__dirname, '__fixtures__', `${name}.eventstream`), encodeFramesFixture(name));
      if (process.env.UPDATE_GOLDENS === '1') writeFileSync(join(__dirname, '__fixtures__', `${name}.anthropic.sse.txt`), replay([encodeFramesFixture(name)]).output);
    });
    return;
  }
  const input = fixtureBytes(`${name}.eventstream`);
  const expected = fixtureBytes(`${name}.anthropic.sse.txt`).toString('utf8');

  test('the .eventstream file is its frames.json encoded with the codec', () => {
    expect(input.equals(encodeFramesFixture(name))).toBe(true);
  });

  test('in one chunk: the golden output and usage', () => {
    const result = replay([input]);
    expect(result.output).toBe(expected);
    expect(result.usage).toEqual(expectedUsage);
    if (expectedUsage) expect(checkUsage(expectedUsage)).toEqual([]);
  });

  test('split in two at every byte offset: identical bytes and usage', () => {
    for (let offset = 0; offset <= input.length; offset++) {
      const result = replay([input.subarray(0, offset), input.subarray(offset)]);
      if (result.output !== expected) throw new Error(`output differs when split at byte ${offset}`);
      expect(result.usage).toEqual(expectedUsage);
    }
  });

  test('in 1-byte chunks: identical bytes and usage', () => {
    const result = replay(Array.from({ length: input.length }, (_unused, index) => input.subarray(index, index + 1)));
    expect(result.output).toBe(expected);
    expect(result.usage).toEqual(expectedUsage);
  });
});

/** The Anthropic SDK's own stream accumulator reads the translated bytes. */
function sdkStream(name: string): ReturnType<Anthropic['messages']['stream']> {
  const body = replay([fixtureBytes(`${name}.eventstream`)]).output;
  const client = new Anthropic({ apiKey: 'x', maxRetries: 0, fetch: async () => new Response(body, { headers: { 'content-type': 'text/event-stream' } }) });
  return client.messages.stream({ model: 'claude-bedrock', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] });
}

describe('read by the Anthropic SDK', () => {
  test('text: content, stop reason and usage with the cache read', async () => {
    const message = await sdkStream('stream-text').finalMessage();
    expect(message.content).toEqual([{ type: 'text', text: 'Rome is the capital — Roma.' }]);
    expect(message.stop_reason).toBe('end_turn');
    expect(message.usage).toMatchObject({ input_tokens: 15, cache_read_input_tokens: 10, cache_creation_input_tokens: 0, output_tokens: 9 });
  });

  test('tools: assembled inputs; thinking with its signature; redacted thinking and the stop sequence', async () => {
    const tools = await sdkStream('stream-tools').finalMessage();
    expect(tools.content).toEqual([
      { type: 'text', text: 'Checking both.' },
      { type: 'tool_use', id: 'tooluse_paris', name: 'get_weather', input: { city: 'Paris' } },
      { type: 'tool_use', id: 'tooluse_rome', name: 'get_weather', input: { city: 'Rome' } },
    ]);
    expect(tools.stop_reason).toBe('tool_use');
    const thinking = await sdkStream('stream-thinking').finalMessage();
    expect(thinking.content).toEqual([
      { type: 'thinking', thinking: 'Assume finitely many primes.', signature: 'EqQBCkgIARABGAIiQL' },
      { type: 'text', text: "Euclid's proof." },
    ]);
    expect(thinking.usage).toMatchObject({ input_tokens: 20, cache_creation_input_tokens: 1000, output_tokens: 300 });
    const redacted = await sdkStream('stream-redacted').finalMessage();
    expect(redacted.content).toEqual([{ type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix/LafPsn4aDFIT' }, { type: 'text', text: '1, 2, 3, ' }]);
    expect([redacted.stop_reason, redacted.stop_sequence]).toEqual(['stop_sequence', '4']);
  });

  test('a throttling exception frame and an early end reach SDK users as errors', async () => {
    const throttled: unknown = await sdkStream('stream-exception').finalMessage().catch((error: unknown) => error);
    expect(throttled).toBeInstanceOf(Anthropic.APIError);
    expect((throttled as Error).message).toContain('Too many tokens, please wait before trying again.');
    await expect(sdkStream('stream-early-end').finalMessage()).rejects.toBeInstanceOf(Anthropic.APIError);
  });
});

describe('stream edge cases', () => {
  const event = (type: string, payload: object): Buffer => encodeEventStreamFrame({ ':message-type': 'event', ':event-type': type }, JSON.stringify(payload));

  test('an empty body is an early end', () => {
    expect(replay([Buffer.alloc(0)]).output).toBe('event: error\ndata: {"type":"error","error":{"type":"api_error","message":"upstream stream ended early"}}\n\n');
  });

  test('serviceUnavailableException is overloaded_error, which Anthropic clients know to retry', () => {
    const frame = encodeEventStreamFrame({ ':message-type': 'exception', ':exception-type': 'serviceUnavailableException' }, JSON.stringify({ message: 'busy' }));
    expect(replay([event('messageStart', { role: 'assistant' }), frame]).output.split('\n\n').slice(-2)).toEqual([
      'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"busy"}}',
      '',
    ]);
  });

  test('a stream cut after messageStop but before metadata still ends cleanly, with zero usage reported', () => {
    const result = replay([Buffer.concat([event('messageStart', { role: 'assistant' }), event('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'x' } }), event('messageStop', { stopReason: 'end_turn' })])]);
    expect(result.output.endsWith('event: message_stop\ndata: {"type":"message_stop"}\n\n')).toBe(true);
    expect(result.output).toContain('"usage":{"output_tokens":0,"input_tokens":0,"cache_read_input_tokens":0,"cache_creation_input_tokens":0}');
    expect(result.usage).toBeUndefined();
  });
});
