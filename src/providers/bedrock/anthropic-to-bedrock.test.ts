import { parseClientRequest } from '../../api/client-request';
import { SseDecoder } from '../sse';
import { backend, CLAUDE, FIXED_NOW, fixtureBytes, fixtureJson } from './__fixtures__/fixture-support';
import { AnthropicToBedrock } from './anthropic-to-bedrock';

const HI = [{ role: 'user', content: 'hi' }];
const request = (body: object) => parseClientRequest('anthropic-messages', Buffer.from(JSON.stringify({ model: 'claude-bedrock', max_tokens: 100, messages: HI, ...body })));
const make = (body: object = {}) => new AnthropicToBedrock(request(body), { backend: backend('bedrock'), upstreamModel: CLAUDE }, { now: FIXED_NOW, id: 'fixed' });

describe('Anthropic Messages → Bedrock Converse', () => {
  test('the Messages request becomes a Converse request; cache_control on system, messages, tool results and tools become cache points', async () => {
    const translator = make({
      system: [{ type: 'text', text: 'Policy text.', cache_control: { type: 'ephemeral' } }],
      tools: [{ name: 'lookup', description: 'Look up', input_schema: { type: 'object', properties: {} }, cache_control: { type: 'ephemeral' } }],
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Where is order 7?', cache_control: { type: 'ephemeral' } }] },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'lookup', input: { id: '7' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'shipped', cache_control: { type: 'ephemeral' } }] },
      ],
    });
    const upstream = await translator.requestBody();
    expect(upstream.path).toBe('/model/anthropic.claude-3-5-sonnet-20241022-v2%3A0/converse');
    expect(JSON.parse(upstream.body.toString())).toEqual({
      messages: [
        { role: 'user', content: [{ text: 'Where is order 7?' }, { cachePoint: { type: 'default' } }] },
        { role: 'assistant', content: [{ toolUse: { toolUseId: 'toolu_1', name: 'lookup', input: { id: '7' } } }] },
        { role: 'user', content: [{ toolResult: { toolUseId: 'toolu_1', content: [{ text: 'shipped' }] } }, { cachePoint: { type: 'default' } }] },
      ],
      system: [{ text: 'Policy text.' }, { cachePoint: { type: 'default' } }],
      inferenceConfig: { maxTokens: 100 },
      toolConfig: { tools: [{ toolSpec: { name: 'lookup', description: 'Look up', inputSchema: { json: { type: 'object', properties: {} } } } }, { cachePoint: { type: 'default' } }] },
    });
    expect(translator.warnings).toEqual([]);
  });

  test('a Converse answer with tool calls becomes an Anthropic message with tool_use blocks and usage', async () => {
    const translator = make();
    await translator.requestBody();
    const message = JSON.parse(translator.responseBody(Buffer.from(JSON.stringify(fixtureJson('tool-use.bedrock-response.json'))), true)?.toString() ?? '') as {
      type: string;
      content: Array<{ type: string; name?: string; input?: unknown }>;
      stop_reason: string;
      usage: { input_tokens: number; output_tokens: number };
    };
    expect(message.type).toBe('message');
    expect(message.content.filter((block) => block.type === 'tool_use').map((block) => [block.name, block.input])).toEqual([
      ['get_weather', { city: 'Paris' }],
      ['get_weather', { city: 'Rome' }],
    ]);
    expect(message.stop_reason).toBe('tool_use');
    expect(message.usage).toMatchObject({ input_tokens: 412, output_tokens: 96 });
  });

  test('a ConverseStream with tool calls becomes Anthropic events, identical when split at every byte offset', async () => {
    const input = fixtureBytes('stream-tools.eventstream');
    const run = async (pieces: Buffer[]): Promise<{ output: string; usage: unknown }> => {
      const translator = make({ stream: true });
      await translator.requestBody();
      const output = Buffer.concat(pieces.map((piece, index) => translator.responseBody(piece, index === pieces.length - 1) ?? Buffer.alloc(0))).toString();
      return { output, usage: translator.usage() };
    };
    const whole = await run([input]);
    const types = new SseDecoder().push(Buffer.from(whole.output)).map((event) => event.event);
    expect(types[0]).toBe('message_start');
    expect(types).toContain('content_block_start');
    expect(types.slice(-2)).toEqual(['message_delta', 'message_stop']);
    expect(whole.output).toContain('"type":"input_json_delta"');
    expect(whole.usage).toMatchObject({ inputTokens: 420, outputTokens: 88 });
    for (let offset = 0; offset <= input.length; offset++) {
      const split = await run([input.subarray(0, offset), input.subarray(offset)]);
      if (split.output !== whole.output) throw new Error(`output differs when split at byte ${offset}`);
    }
  });
});
