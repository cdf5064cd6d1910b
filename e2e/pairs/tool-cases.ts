import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Behaviour } from '../../src/fake-provider/fake-provider';
import type { PairCase } from './pair-case';

const PROVIDERS_DIR = join(__dirname, '..', '..', 'src', 'providers');

/** A recorded provider answer from a translator's golden fixtures, replayed by the fake. */
function recorded(file: string, contentType?: string): Behaviour {
  const bytes = readFileSync(join(PROVIDERS_DIR, file));
  if (file.endsWith('.json')) return { kind: 'json', status: 200, body: JSON.parse(bytes.toString('utf8')) };
  return { kind: 'raw-sse', chunks: [bytes], contentType };
}

/** A tool-calling request: two functions, the model may call several at once. */
const TOOLS_CHAT = {
  max_tokens: 256,
  messages: [{ role: 'user', content: 'Weather in Paris and Rome?' }],
  tools: [
    {
      type: 'function',
      function: {
        name: 'get_weather',
        description: 'Current weather for a city',
        parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
      },
    },
    { type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: {} } } },
  ],
  tool_choice: 'auto',
};

const WEATHER_SCHEMA = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };

/**
 * Tool calls through each translated chat pair: the tools in the provider's shape upstream,
 * and the provider's recorded tool-use answer (the golden fixtures) back as OpenAI tool calls.
 */
export const TOOL_CASES: PairCase[] = [
  {
    pair: 'OpenAI chat with tools → Anthropic Messages (recorded answer)',
    client: 'openai-chat',
    provider: 'anthropic',
    backend: 'anthropic',
    upstreamModel: 'claude-sonnet-4-5',
    request: TOOLS_CHAT,
    upstream: (stream) => ({
      path: '/v1/messages',
      headers: { 'x-api-key': 'sk-ant-backend' },
      json: {
        model: 'claude-sonnet-4-5',
        max_tokens: 256,
        messages: [{ role: 'user', content: [{ type: 'text', text: 'Weather in Paris and Rome?' }] }],
        tools: [
          { name: 'get_weather', description: 'Current weather for a city', input_schema: WEATHER_SCHEMA },
          { name: 'get_time', input_schema: { type: 'object', properties: {} } },
        ],
        tool_choice: { type: 'auto' },
        ...(stream ? { stream: true } : {}),
      },
    }),
    answer: (stream) => recorded(stream ? 'anthropic/__fixtures__/stream-tools.anthropic.sse.txt' : 'anthropic/__fixtures__/tool-use.anthropic-response.json'),
    expected: (stream) =>
      stream
        ? {
            text: 'Checking both cities.',
            toolCalls: [
              { name: 'get_weather', arguments: { city: 'Paris' } },
              { name: 'get_weather', arguments: { city: 'Tōkyō' } },
            ],
            finish: 'tool_calls',
            usage: { input: 472, output: 89, total: 561 },
          }
        : {
            text: "I'll check both cities.",
            toolCalls: [
              { name: 'get_weather', arguments: { city: 'Paris' } },
              { name: 'get_weather', arguments: { city: 'Tokyo', unit: 'c' } },
            ],
            finish: 'tool_calls',
            usage: { input: 380, output: 92, total: 472 },
          },
  },
  {
    pair: 'OpenAI chat with tools → Gemini API (recorded answer)',
    client: 'openai-chat',
    provider: 'gemini',
    backend: 'gemini',
    upstreamModel: 'gemini-2.5-flash',
    request: TOOLS_CHAT,
    upstream: (stream) => ({
      path: `/v1beta/models/gemini-2.5-flash:${stream ? 'streamGenerateContent?alt=sse' : 'generateContent'}`,
      headers: { 'x-goog-api-key': 'AIza-backend-key' },
      json: {
        contents: [{ role: 'user', parts: [{ text: 'Weather in Paris and Rome?' }] }],
        generationConfig: { maxOutputTokens: 256 },
        tools: [
          {
            functionDeclarations: [
              { name: 'get_weather', description: 'Current weather for a city', parameters: WEATHER_SCHEMA },
              { name: 'get_time', parameters: { type: 'object', properties: {} } },
            ],
          },
        ],
        toolConfig: { functionCallingConfig: { mode: 'AUTO' } },
      },
    }),
    answer: (stream) => recorded(stream ? 'gemini/__fixtures__/stream-tools.gemini.sse.txt' : 'gemini/__fixtures__/tool-use.gemini-response.json'),
    expected: (stream) => ({
      ...(stream ? { text: 'Checking both cities.' } : {}),
      toolCalls: [
        { name: 'get_weather', arguments: { city: 'Paris' } },
        { name: 'get_weather', arguments: { city: 'Rome' } },
        { name: 'get_time', arguments: {} },
      ],
      finish: 'tool_calls',
      usage: stream ? { input: 472, output: 89, total: 561 } : { input: 380, output: 92, total: 472 },
    }),
  },
  {
    pair: 'OpenAI chat with tools → AWS Bedrock Converse (recorded answer)',
    client: 'openai-chat',
    provider: 'bedrock',
    backend: 'bedrock',
    upstreamModel: 'anthropic.claude-3-5-sonnet-20241022-v2:0',
    request: TOOLS_CHAT,
    upstream: (stream) => ({
      path: `/model/anthropic.claude-3-5-sonnet-20241022-v2%3A0/${stream ? 'converse-stream' : 'converse'}`,
      headers: {},
      json: {
        messages: [{ role: 'user', content: [{ text: 'Weather in Paris and Rome?' }] }],
        inferenceConfig: { maxTokens: 256 },
        toolConfig: {
          tools: [
            { toolSpec: { name: 'get_weather', description: 'Current weather for a city', inputSchema: { json: WEATHER_SCHEMA } } },
            { toolSpec: { name: 'get_time', inputSchema: { json: { type: 'object', properties: {} } } } },
          ],
          toolChoice: { auto: {} },
        },
      },
    }),
    answer: (stream) =>
      recorded(stream ? 'bedrock/__fixtures__/stream-tools.eventstream' : 'bedrock/__fixtures__/tool-use.bedrock-response.json', 'application/vnd.amazon.eventstream'),
    expected: (stream) => ({
      text: stream ? 'Checking both.' : "I'll check both cities.",
      toolCalls: [
        { name: 'get_weather', arguments: { city: 'Paris' } },
        { name: 'get_weather', arguments: { city: 'Rome' } },
      ],
      finish: 'tool_calls',
      usage: stream ? { input: 420, output: 88, total: 508 } : { input: 412, output: 96, total: 508 },
    }),
  },
];
