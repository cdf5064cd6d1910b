import { checkUsage } from '../usage';
import type { TokenUsage } from '../usage';
import { fixtureBytes, geminiTranslator } from './__fixtures__/fixture-support';

function streamTranslator(includeUsage: boolean): ReturnType<typeof geminiTranslator> {
  return geminiTranslator({ model: 'gemini-flash', messages: [{ role: 'user', content: 'hi' }], stream: true, ...(includeUsage ? { stream_options: { include_usage: true } } : {}) });
}

/** Feeds the stream in the given pieces (the last with endOfStream); returns the output and the usage. */
function replay(pieces: Buffer[], includeUsage: boolean): { output: string; usage: TokenUsage | undefined } {
  const translator = streamTranslator(includeUsage);
  const outputs = pieces.map((piece, index) => translator.responseBody(piece, index === pieces.length - 1));
  return { output: Buffer.concat(outputs.map((output) => output ?? Buffer.alloc(0))).toString('utf8'), usage: translator.usage() };
}

const usage = (input: number, cached: number, output: number, reasoning: number): TokenUsage => ({
  inputTokens: input,
  outputTokens: output,
  cachedInputTokens: cached,
  cacheCreationInputTokens: 0,
  reasoningTokens: reasoning,
  totalTokens: input + output,
});

const CASES: Array<[string, boolean, TokenUsage]> = [
  ['stream-text', true, usage(35, 10, 15, 0)],
  ['stream-tools', false, usage(472, 0, 89, 0)],
  ['stream-thinking', true, usage(2088, 0, 210, 180)],
  ['stream-two-candidates', true, usage(5, 0, 4, 0)],
  ['stream-error', false, usage(18, 0, 1, 0)],
  ['stream-early-end', false, usage(9, 0, 2, 0)],
];

describe.each(CASES)('%s', (name, includeUsage, expectedUsage) => {
  const input = fixtureBytes(`${name}.gemini.sse.txt`);
  const expected = fixtureBytes(`${name}.openai.sse.txt`).toString('utf8');

  test('in one chunk: the golden output and usage', () => {
    const result = replay([input], includeUsage);
    expect(result.output).toBe(expected);
    expect(result.usage).toEqual(expectedUsage);
    expect(checkUsage(expectedUsage)).toEqual([]);
  });

  test('split in two at every byte offset: identical bytes and usage', () => {
    for (let offset = 0; offset <= input.length; offset++) {
      const result = replay([input.subarray(0, offset), input.subarray(offset)], includeUsage);
      if (result.output !== expected) throw new Error(`output differs when split at byte ${offset}`);
      expect(result.usage).toEqual(expectedUsage);
    }
  });

  test('in 1-byte chunks, and with an empty last chunk: identical bytes and usage', () => {
    const bytes = [...input].map((byte) => Buffer.from([byte]));
    expect(replay(bytes, includeUsage)).toEqual({ output: expected, usage: expectedUsage });
    expect(replay([input, Buffer.alloc(0)], includeUsage)).toEqual({ output: expected, usage: expectedUsage });
  });

  test('every output event is an OpenAI chunk, an error, or [DONE], and [DONE] comes last', () => {
    const events = expected.split('\n\n').filter((event) => event !== '');
    expect(events[events.length - 1]).toBe('data: [DONE]');
    for (const event of events.slice(0, -1)) {
      const parsed = JSON.parse(event.slice('data: '.length)) as { object?: string; error?: unknown };
      expect(parsed.object === 'chat.completion.chunk' || parsed.error !== undefined).toBe(true);
    }
  });
});

const HEAD = '{"id":"chatcmpl-fixed","object":"chat.completion.chunk","created":1767225600,"model":"gemini-flash","system_fingerprint":null,"choices":';
const DONE = 'data: [DONE]\n\n';
const EARLY = 'data: {"error":{"message":"upstream stream ended early","type":"server_error","param":null,"code":null}}\n\n';

describe('stream edge cases', () => {
  test('a last event without its blank line still counts', () => {
    const input = 'data: {"candidates":[{"content":{"parts":[{"text":"ok"}]},"finishReason":"STOP"}]}';
    expect(replay([Buffer.from(input)], false)).toEqual({
      output:
        `data: ${HEAD}[{"index":0,"delta":{"role":"assistant","content":"ok"},"logprobs":null,"finish_reason":null}]}\n\n` +
        `data: ${HEAD}[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]}\n\n${DONE}`,
      usage: undefined,
    });
  });

  test('an empty body is an early end', () => {
    expect(replay([Buffer.alloc(0)], false).output).toBe(`${EARLY}${DONE}`);
  });

  test('one candidate of two unfinished is an early end', () => {
    const input = fixtureBytes('stream-two-candidates.gemini.sse.txt').toString('utf8').split('\n\n').slice(0, 2).join('\n\n') + '\n\n';
    expect(replay([Buffer.from(input)], false).output.endsWith(`${EARLY}${DONE}`)).toBe(true);
  });

  test('a blocked prompt ends with content_filter', () => {
    const input = 'data: {"promptFeedback":{"blockReason":"SAFETY"},"usageMetadata":{"promptTokenCount":4,"totalTokenCount":4}}\n\n';
    expect(replay([Buffer.from(input)], true)).toEqual({
      output:
        `data: ${HEAD}[{"index":0,"delta":{"role":"assistant"},"logprobs":null,"finish_reason":null}],"usage":null}\n\n` +
        `data: ${HEAD}[{"index":0,"delta":{},"logprobs":null,"finish_reason":"content_filter"}],"usage":null}\n\n` +
        `data: ${HEAD}[],"usage":{"prompt_tokens":4,"completion_tokens":0,"total_tokens":4,"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}}}\n\n${DONE}`,
      usage: usage(4, 0, 0, 0),
    });
  });

  test('an unreadable event mid-stream ends the stream with an error; later bytes are ignored', () => {
    const translator = streamTranslator(false);
    const first = translator.responseBody(Buffer.from('data: {not json\n\n'), false).toString('utf8');
    expect(first).toBe(`data: {"error":{"message":"upstream sent an unreadable stream event","type":"server_error","param":null,"code":null}}\n\n${DONE}`);
    expect(translator.responseBody(Buffer.from('data: {"candidates":[]}\n\n'), true)).toEqual(Buffer.alloc(0));
  });

  test('tool-call ids stay unique across the events of a stream; the signed call carries its signature', () => {
    const output = replay([fixtureBytes('stream-tools.gemini.sse.txt')], false).output;
    const ids = [...output.matchAll(/"id":"(call_[^"]+)"/g)].map((match) => match[1]);
    expect(ids).toEqual(['call_fixed_0__ts_gemini_c2lnbmF0dXJl', 'call_fixed_1', 'call_fixed_2']);
  });
});
