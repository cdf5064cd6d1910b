import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkUsage } from '../usage';
import type { TokenUsage } from '../usage';
import { bedrockTranslator, encodeFramesFixture, fixtureBytes } from './__fixtures__/fixture-support';
import { encodeEventStreamFrame } from './eventstream-decoder';

/** Regenerates the `.eventstream` inputs (and, with UPDATE_GOLDENS, the outputs) instead of comparing. */
const UPDATE = process.env.UPDATE_FIXTURES === '1';

function streamTranslator(includeUsage: boolean): ReturnType<typeof bedrockTranslator> {
  return bedrockTranslator({ model: 'claude-bedrock', messages: [{ role: 'user', content: 'hi' }], stream: true, ...(includeUsage ? { stream_options: { include_usage: true } } : {}) });
}

/** Feeds the stream in the given pieces (the last with endOfStream); returns the output and the usage. */
function replay(pieces: Buffer[], includeUsage: boolean): { output: string; usage: TokenUsage | undefined } {
  const translator = streamTranslator(includeUsage);
  const outputs = pieces.map((piece, index) => translator.responseBody(piece, index === pieces.length - 1));
  return { output: Buffer.concat(outputs.map((output) => output ?? Buffer.alloc(0))).toString('utf8'), usage: translator.usage() };
}

const usage = (input: number, cached: number, created: number, output: number): TokenUsage => ({
  inputTokens: input,
  outputTokens: output,
  cachedInputTokens: cached,
  cacheCreationInputTokens: created,
  reasoningTokens: 0,
  totalTokens: input + output,
});

const CASES: Array<[string, boolean, TokenUsage | undefined]> = [
  ['stream-text', true, usage(25, 10, 0, 9)],
  ['stream-tools', false, usage(420, 0, 0, 88)],
  ['stream-thinking', true, usage(1020, 0, 1000, 300)],
  ['stream-exception', false, undefined],
  ['stream-early-end', false, undefined],
];

describe.each(CASES)('%s', (name, includeUsage, expectedUsage) => {
  if (UPDATE) {
    test('regenerate', () => {
      const input = encodeFramesFixture(name);
      writeFileSync(join(__dirname, '__fixtures__', `${name}.eventstream`), input);
      if (process.env.UPDATE_GOLDENS === '1') writeFileSync(join(__dirname, '__fixtures__', `${name}.openai.sse.txt`), replay([input], includeUsage).output);
    });
    return;
  }
  const input = fixtureBytes(`${name}.eventstream`);
  const expected = fixtureBytes(`${name}.openai.sse.txt`).toString('utf8');

  test('the .eventstream file is its frames.json encoded with the codec', () => {
    expect(input.equals(encodeFramesFixture(name))).toBe(true);
  });

  test('in one chunk: the golden output and usage', () => {
    const result = replay([input], includeUsage);
    expect(result.output).toBe(expected);
    expect(result.usage).toEqual(expectedUsage);
    if (expectedUsage) expect(checkUsage(expectedUsage)).toEqual([]);
  });

  test('split in two at every byte offset: identical bytes and usage', () => {
    for (let offset = 0; offset <= input.length; offset++) {
      const result = replay([input.subarray(0, offset), input.subarray(offset)], includeUsage);
      if (result.output !== expected) throw new Error(`output differs when split at byte ${offset}`);
      expect(result.usage).toEqual(expectedUsage);
    }
  });

  test('in 1-byte chunks: identical bytes and usage', () => {
    const pieces = Array.from({ length: input.length }, (_unused, index) => input.subarray(index, index + 1));
    const result = replay(pieces, includeUsage);
    expect(result.output).toBe(expected);
    expect(result.usage).toEqual(expectedUsage);
  });
});

describe('stream edge cases', () => {
  const event = (type: string, payload: object): Buffer => encodeEventStreamFrame({ ':message-type': 'event', ':event-type': type }, JSON.stringify(payload));

  test('an empty body is an early end', () => {
    expect(replay([Buffer.alloc(0)], false).output).toBe(
      'data: {"error":{"message":"upstream stream ended early","type":"server_error","param":null,"code":null}}\n\ndata: [DONE]\n\n',
    );
  });

  test('a corrupted CRC is an error event, and nothing after it is written', () => {
    const frame = event('messageStart', { role: 'assistant' });
    frame[frame.length - 1] ^= 0xff;
    const output = replay([frame, event('messageStop', { stopReason: 'end_turn' })], false).output;
    expect(output).toMatch(/^data: \{"error":\{"message":"upstream sent an unreadable event stream: unreadable event stream frame: .*checksum/);
    expect(output.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(output.split('data: ').length).toBe(3);
  });

  test('a stream cut after messageStop but before metadata still ends cleanly, without usage', () => {
    const result = replay([Buffer.concat([event('messageStart', { role: 'assistant' }), event('messageStop', { stopReason: 'end_turn' })])], true);
    expect(result.output.endsWith('"finish_reason":"stop"}],"usage":null}\n\ndata: [DONE]\n\n')).toBe(true);
    expect(result.usage).toBeUndefined();
  });
});
