import { checkUsage } from '../usage';
import type { TokenUsage } from '../usage';
import { fixtureBytes, messagesWith, translatorFor } from './__fixtures__/anthropic-to-openai/fixture-support';

/** Feeds the stream in the given pieces (the last with endOfStream); returns the output and the usage. */
function replay(pieces: Buffer[], backendName = 'openai'): { output: string; usage: TokenUsage | undefined } {
  const translator = translatorFor(messagesWith({ stream: true }), backendName);
  const outputs = pieces.map((piece, index) => translator.responseBody(piece, index === pieces.length - 1));
  return { output: Buffer.concat(outputs).toString('utf8'), usage: translator.usage() };
}

const usageOf = (input: number, cached: number, output: number, reasoning: number): TokenUsage => ({
  inputTokens: input,
  outputTokens: output,
  cachedInputTokens: cached,
  cacheCreationInputTokens: 0,
  reasoningTokens: reasoning,
  totalTokens: input + output,
});

const CASES: Array<[string, TokenUsage | undefined]> = [
  ['stream-text', usageOf(2061, 1920, 16, 0)],
  ['stream-tools', usageOf(412, 0, 58, 0)],
  ['stream-reasoning', usageOf(23, 0, 310, 288)],
  ['stream-error', undefined],
  ['stream-early-end', undefined],
];

describe.each(CASES)('%s', (name, expectedUsage) => {
  const input = fixtureBytes(`${name}.openai.sse.txt`);
  const expected = fixtureBytes(`${name}.anthropic.sse.txt`).toString('utf8');

  test('in one chunk: the golden output and usage', () => {
    expect(replay([input])).toEqual({ output: expected, usage: expectedUsage });
    if (expectedUsage) expect(checkUsage(expectedUsage)).toEqual([]);
  });

  test('split in two at every byte offset: identical bytes and usage', () => {
    for (let offset = 0; offset <= input.length; offset++) {
      const result = replay([input.subarray(0, offset), input.subarray(offset)]);
      if (result.output !== expected) throw new Error(`output differs when split at byte ${offset}`);
      expect(result.usage).toEqual(expectedUsage);
    }
  });

  test('in 1-byte chunks, and with an empty last chunk: identical bytes and usage', () => {
    const bytes = [...input].map((byte) => Buffer.from([byte]));
    expect(replay(bytes)).toEqual({ output: expected, usage: expectedUsage });
    expect(replay([input, Buffer.alloc(0)])).toEqual({ output: expected, usage: expectedUsage });
  });

  test('every output event names its type, and the stream ends with message_stop or error', () => {
    const events = expected.split('\n\n').filter((event) => event !== '');
    for (const event of events) {
      const [eventLine, dataLine] = event.split('\n');
      const data = JSON.parse(dataLine.slice('data: '.length)) as { type: string };
      expect(eventLine).toBe(`event: ${data.type}`);
    }
    expect(['event: message_stop', 'event: error']).toContain(events[events.length - 1].split('\n')[0]);
  });
});

const HEAD = '{"id":"chatcmpl-s1","object":"chat.completion.chunk","created":1,"model":"m"';
const chunk = (delta: object, finishReason: string | null = null): string =>
  `data: ${HEAD},"choices":[{"index":0,"delta":${JSON.stringify(delta)},"finish_reason":${JSON.stringify(finishReason)}}]}\n\n`;
const USAGE = `data: ${HEAD},"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":2,"total_tokens":7}}\n\n`;
const DONE = 'data: [DONE]\n\n';
const event = (type: string, data: object): string => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
const START = event('message_start', {
  message: {
    id: 'msg_s1', type: 'message', role: 'assistant', model: 'm', content: [], stop_reason: null, stop_sequence: null,
    usage: { input_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 0 },
  },
});
const textBlock = (index: number, text: string): string =>
  event('content_block_start', { index, content_block: { type: 'text', text: '' } }) +
  event('content_block_delta', { index, delta: { type: 'text_delta', text } }) +
  event('content_block_stop', { index });
const end = (stopReason: string, input: number, output: number): string =>
  event('message_delta', { delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: output, input_tokens: input, cache_read_input_tokens: 0 } }) +
  event('message_stop', {});
const run = (input: string, backendName?: string): string => replay([Buffer.from(input)], backendName).output;

describe('stream edge cases', () => {
  test('CRLF line endings give the same output as LF', () => {
    const unixLines = fixtureBytes('stream-tools.openai.sse.txt').toString('utf8');
    expect(run(unixLines.replace(/\n/g, '\r\n'))).toBe(fixtureBytes('stream-tools.anthropic.sse.txt').toString('utf8'));
  });

  test('without a usage chunk (streamIncludeUsage off), the message ends at [DONE] with zero usage', () => {
    const result = replay([Buffer.from(chunk({ content: 'Hi' }) + chunk({}, 'stop') + DONE)], 'vllm');
    expect(result.output).toBe(START + textBlock(0, 'Hi') + end('end_turn', 0, 0));
    expect(result.usage).toBeUndefined();
  });

  test('a server that sends no [DONE] ends cleanly once the choice finished', () => {
    expect(run(chunk({ content: 'Hi' }) + chunk({}, 'stop') + USAGE)).toBe(START + textBlock(0, 'Hi') + end('end_turn', 5, 2));
    expect(run(chunk({ content: 'Hi' }) + chunk({}, 'length'))).toBe(START + textBlock(0, 'Hi') + end('max_tokens', 0, 0));
  });

  test('[DONE] before any finish_reason is an early end', () => {
    expect(run(chunk({ content: 'Hi' }) + DONE)).toBe(
      START + event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }) +
        event('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'Hi' } }) +
        event('error', { error: { type: 'api_error', message: 'upstream stream ended early' } }),
    );
  });

  test("Azure's first chunk without choices or id does not start the message", () => {
    const azureFirst = 'data: {"choices":[],"created":0,"id":"","model":"","object":"","prompt_filter_results":[]}\n\n';
    expect(run(azureFirst + chunk({ content: 'Hi' }) + chunk({}, 'stop') + USAGE + DONE)).toBe(START + textBlock(0, 'Hi') + end('end_turn', 5, 2));
  });

  test('an unreadable event ends the stream with an error; later bytes are ignored', () => {
    const translator = translatorFor(messagesWith({ stream: true }));
    const first = translator.responseBody(Buffer.from(`${chunk({ content: 'Hi' })}data: {not json\n\n`), false).toString('utf8');
    expect(first).toContain(event('error', { error: { type: 'api_error', message: 'upstream sent an unreadable stream event' } }));
    expect(translator.responseBody(Buffer.from(chunk({}, 'stop') + DONE), true)).toEqual(Buffer.alloc(0));
  });

  test('an error with a status in `code` (vLLM) is typed by that status', () => {
    const error = 'data: {"error":{"object":"error","message":"Too many requests","type":"TooManyRequests","code":429}}\n\n';
    expect(run(error)).toBe(event('error', { error: { type: 'rate_limit_error', message: 'Too many requests' } }));
  });

  test('text after a tool call opens a new block; tool calls ended with "stop" are tool_use', () => {
    const call = { index: 0, id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } };
    const output = run(chunk({ tool_calls: [call] }) + chunk({ content: 'Done.' }) + chunk({}, 'stop') + DONE);
    expect(output).toBe(
      START + event('content_block_start', { index: 0, content_block: { type: 'tool_use', id: 'call_1', name: 'f', input: {} } }) +
        event('content_block_delta', { index: 0, delta: { type: 'input_json_delta', partial_json: '{}' } }) +
        event('content_block_stop', { index: 0 }) + textBlock(1, 'Done.') + end('tool_use', 0, 0),
    );
  });

  test('tool calls without an index (some servers) are told apart by id; a missing id gets one', () => {
    const first = { id: 'call_a', function: { name: 'f', arguments: '{"x":' } };
    const more = { function: { arguments: '1}' } };
    const second = { index: 7, function: { name: 'g', arguments: '' } };
    const output = run(chunk({ tool_calls: [first] }) + chunk({ tool_calls: [more] }) + chunk({ tool_calls: [second] }) + chunk({}, 'tool_calls') + DONE);
    expect(output).toContain(event('content_block_delta', { index: 0, delta: { type: 'input_json_delta', partial_json: '1}' } }));
    expect(output).toContain(event('content_block_start', { index: 1, content_block: { type: 'tool_use', id: 'call_1', name: 'g', input: {} } }));
  });

  test("OpenAI's refusal streams as text with stop_reason refusal", () => {
    expect(run(chunk({ refusal: 'No.' }) + chunk({}, 'stop') + DONE)).toBe(START + textBlock(0, 'No.') + end('refusal', 0, 0));
  });
});
