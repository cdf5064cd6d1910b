/**
 * The official Anthropic SDK reads what the translator writes: its `fetch` option hands it
 * the translated bytes, with no network, and its own stream accumulator and response
 * parser must arrive at the expected message.
 */
import Anthropic from '@anthropic-ai/sdk';
import { fixtureBytes, messagesWith, translatorFor } from './__fixtures__/anthropic-to-openai/fixture-support';

const PARAMS = { model: 'aigw-test-model', max_tokens: 1024, messages: [{ role: 'user' as const, content: 'hi' }] };

/** A client whose every request is answered with `body`. */
function clientAnswering(body: Buffer, contentType: string): Anthropic {
  return new Anthropic({
    apiKey: 'x',
    maxRetries: 0,
    fetch: async () => new Response(new Uint8Array(body), { headers: { 'content-type': contentType } }),
  });
}

/** The translator's stream output for an upstream fixture, fed in 7-byte pieces. */
function translatedStream(name: string): Buffer {
  const translator = translatorFor(messagesWith({ stream: true }));
  const input = fixtureBytes(`${name}.openai.sse.txt`);
  const pieces: Buffer[] = [];
  for (let offset = 0; offset < input.length; offset += 7) {
    pieces.push(translator.responseBody(input.subarray(offset, offset + 7), offset + 7 >= input.length));
  }
  return Buffer.concat(pieces);
}

test('messages.stream().finalMessage() reads the text stream: text, stop_reason and usage', async () => {
  const client = clientAnswering(translatedStream('stream-text'), 'text/event-stream');
  const message = await client.messages.stream(PARAMS).finalMessage();
  expect(message.content).toEqual([{ type: 'text', text: "Tokyo is Japan's capital — about 14 million people 🗼." }]);
  expect(message.stop_reason).toBe('end_turn');
  expect(message.usage).toEqual({ input_tokens: 141, cache_creation_input_tokens: 0, cache_read_input_tokens: 1920, output_tokens: 16 });
});

test('the SDK assembles streamed tool inputs and thinking', async () => {
  const tools = await clientAnswering(translatedStream('stream-tools'), 'text/event-stream').messages.stream(PARAMS).finalMessage();
  expect(tools.content).toEqual([
    { type: 'tool_use', id: 'call_Wx1BvtM1nTqkYw3Hnd2Zr7aE', name: 'get_weather', input: { location: 'Paris, France' } },
    { type: 'tool_use', id: 'call_Ql9RSmF5yGx0pTk3CvB2nH8d', name: 'get_weather', input: { location: 'Tokyo, Japan' } },
  ]);
  expect(tools.stop_reason).toBe('tool_use');
  const thinking = await clientAnswering(translatedStream('stream-reasoning'), 'text/event-stream').messages.stream(PARAMS).finalMessage();
  expect(thinking.content.map((block) => block.type)).toEqual(['thinking', 'text']);
});

test('a mid-stream error and an early end reach SDK users as an APIError', async () => {
  for (const name of ['stream-error', 'stream-early-end']) {
    const stream = clientAnswering(translatedStream(name), 'text/event-stream').messages.stream(PARAMS);
    await expect(stream.finalMessage()).rejects.toBeInstanceOf(Anthropic.APIError);
  }
});

test('messages.create() reads the non-streaming JSON', async () => {
  const translator = translatorFor(messagesWith({}));
  const body = translator.responseBody(fixtureBytes('text-tools-reasoning.openai-response.json'), true);
  const message = await clientAnswering(body, 'application/json').messages.create(PARAMS);
  expect(message.content.map((block) => block.type)).toEqual(['thinking', 'text', 'tool_use', 'tool_use']);
  expect(message.content[1]).toEqual({ type: 'text', text: "I'll look up the weather in both cities." });
  expect(message.stop_reason).toBe('tool_use');
  expect(message.usage).toEqual({ input_tokens: 412, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 96 });
});
