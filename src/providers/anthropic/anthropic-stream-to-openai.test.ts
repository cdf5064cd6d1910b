import type { TokenUsage } from '../usage';
import { checkUsage } from '../usage';
import { backend, chatRequest, FIXED_NOW, fixtureBytes } from './__fixtures__/fixture-support';
import { OpenAIToAnthropic } from './openai-to-anthropic';

const HI = { role: 'user', content: 'hi' };

function streamTranslator(includeUsage: boolean): OpenAIToAnthropic {
  const body = { model: 'claude-sonnet', messages: [HI], stream: true, ...(includeUsage ? { stream_options: { include_usage: true } } : {}) };
  return new OpenAIToAnthropic(chatRequest(body), { backend: backend('anthropic') }, FIXED_NOW);
}

/** Feeds the stream in the given pieces (the last with endOfStream); returns the output and the usage. */
function replay(pieces: Buffer[], includeUsage: boolean): { output: string; usage: TokenUsage | undefined } {
  const translator = streamTranslator(includeUsage);
  const outputs = pieces.map((piece, index) => translator.responseBody(piece, index === pieces.length - 1));
  return { output: Buffer.concat(outputs).toString('utf8'), usage: translator.usage() };
}

const usage = (input: number, cached: number, creation: number, output: number): TokenUsage => ({
  inputTokens: input,
  outputTokens: output,
  cachedInputTokens: cached,
  cacheCreationInputTokens: creation,
  reasoningTokens: 0,
  totalTokens: input + output,
});

const CASES: Array<[string, boolean, TokenUsage]> = [
  ['stream-text', true, usage(35, 10, 0, 15)],
  ['stream-tools', false, usage(472, 0, 0, 89)],
  ['stream-thinking', true, usage(2088, 0, 2048, 210)],
  ['stream-error', false, usage(18, 0, 0, 1)],
  ['stream-early-end', false, usage(9, 0, 0, 1)],
];

describe.each(CASES)('%s', (name, includeUsage, expectedUsage) => {
  const input = fixtureBytes(`${name}.anthropic.sse.txt`);
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

const START =
  'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"claude-x","content":[],"stop_reason":null,"usage":{"input_tokens":3,"output_tokens":1}}}\n\n';
const HEAD = '{"id":"chatcmpl-msg_1","object":"chat.completion.chunk","created":1767225600,"model":"claude-x","system_fingerprint":null,"choices":';
const ROLE_CHUNK = `data: ${HEAD}[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}\n\n`;
const DONE = 'data: [DONE]\n\n';

describe('stream edge cases', () => {
  test('a last event without its blank line still counts', () => {
    const input = `${START}event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"max_tokens"},"usage":{"output_tokens":7}}\n\nevent: message_stop\ndata: {"type":"message_stop"}`;
    expect(replay([Buffer.from(input)], false)).toEqual({
      output: `${ROLE_CHUNK}data: ${HEAD}[{"index":0,"delta":{},"logprobs":null,"finish_reason":"length"}]}\n\n${DONE}`,
      usage: usage(3, 0, 0, 7),
    });
  });

  test('a stream ending at an event boundary without message_stop ends with an error', () => {
    expect(replay([Buffer.from(START)], false).output).toBe(
      `${ROLE_CHUNK}data: {"error":{"message":"upstream stream ended early","type":"server_error","param":null,"code":null}}\n\n${DONE}`,
    );
  });

  test('an unreadable event mid-stream ends the stream with an error; later bytes are ignored', () => {
    const translator = streamTranslator(false);
    const first = translator.responseBody(Buffer.from(`${START}data: {not json\n\n`), false).toString('utf8');
    expect(first).toBe(`${ROLE_CHUNK}data: {"error":{"message":"upstream sent an unreadable stream event","type":"server_error","param":null,"code":null}}\n\n${DONE}`);
    const rest = translator.responseBody(Buffer.from('event: message_stop\ndata: {"type":"message_stop"}\n\n'), true);
    expect(rest).toEqual(Buffer.alloc(0));
  });

  test('CRLF line endings and unknown events give the same output as LF', () => {
    const unixLines = fixtureBytes('stream-tools.anthropic.sse.txt').toString('utf8');
    const windowsLines = unixLines.replace(/\n/g, '\r\n').replace('event: ping', 'event: future_event\r\ndata: {"type":"future_event"}\r\n\r\nevent: ping');
    expect(replay([Buffer.from(windowsLines)], false).output).toBe(fixtureBytes('stream-tools.openai.sse.txt').toString('utf8'));
  });

  test('an error type Anthropic may add later is a server error, keeping its name as the code', () => {
    const input = `${START}event: error\ndata: {"type":"error","error":{"type":"brand_new_error","message":"Something"}}\n\n`;
    expect(replay([Buffer.from(input)], false).output).toBe(
      `${ROLE_CHUNK}data: {"error":{"message":"Something","type":"server_error","param":null,"code":"brand_new_error"}}\n\n${DONE}`,
    );
  });

  test('with include_usage but no usage upstream, no usage chunk is made up', () => {
    const input =
      'data: {"type":"message_start","message":{"id":"msg_1","model":"claude-x","content":[]}}\n\ndata: {"type":"message_stop"}\n\n';
    const result = replay([Buffer.from(input)], true);
    expect(result.output).toBe(
      `data: ${HEAD}[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}],"usage":null}\n\n` +
        `data: ${HEAD}[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}],"usage":null}\n\n${DONE}`,
    );
    expect(result.usage).toBeUndefined();
  });
});
