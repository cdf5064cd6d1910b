import type { PairCase } from './pair-case';

/** The one chat request every OpenAI chat row sends: system prompt, user turn, sampling options. */
const CHAT = {
  max_tokens: 64,
  temperature: 0.5,
  messages: [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'hello there' },
  ],
};

/** The one Messages request every Anthropic client row sends. */
const MESSAGES = { max_tokens: 64, system: 'Be brief.', messages: [{ role: 'user', content: 'hello there' }] };

const OPENAI_MESSAGES = [
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: 'hello there' },
];

/** OpenAI chat's streaming additions upstream when the backend speaks OpenAI. */
const openaiStream = (stream: boolean): Record<string, unknown> => (stream ? { stream: true, stream_options: { include_usage: true } } : {});

/** OpenAI Chat Completions and Anthropic Messages clients, each pair streamed and not. */
export const CHAT_CASES: PairCase[] = [
  {
    pair: 'OpenAI chat → OpenAI',
    client: 'openai-chat',
    provider: 'openai',
    backend: 'openai',
    upstreamModel: 'gpt-4.1',
    request: CHAT,
    upstream: (stream) => ({
      path: '/v1/chat/completions',
      headers: { authorization: 'Bearer sk-openai-backend', 'x-api-key': undefined },
      json: { model: 'gpt-4.1', max_tokens: 64, temperature: 0.5, messages: OPENAI_MESSAGES, ...openaiStream(stream) },
    }),
    expected: { text: 'Hello from openai', finish: 'stop', usage: { input: 10, output: 4, total: 14 } },
  },
  {
    pair: 'OpenAI chat → Azure OpenAI (deployment path, api-version)',
    client: 'openai-chat',
    provider: 'azure',
    backend: 'azure',
    upstreamModel: 'gpt4o-prod',
    request: CHAT,
    upstream: (stream) => ({
      path: '/openai/deployments/gpt4o-prod/chat/completions?api-version=2024-10-21',
      headers: { 'api-key': 'azure-backend-key', authorization: undefined },
      json: { model: 'gpt4o-prod', max_tokens: 64, temperature: 0.5, messages: OPENAI_MESSAGES, ...openaiStream(stream) },
    }),
    expected: { text: 'Hello from azure', finish: 'stop', usage: { input: 10, output: 4, total: 14 } },
  },
  {
    pair: 'OpenAI chat → an OpenAI-compatible preset (Groq, over TLS)',
    client: 'openai-chat',
    provider: 'groq',
    backend: 'groq',
    upstreamModel: 'llama-3.3-70b-versatile',
    request: CHAT,
    upstream: (stream) => ({
      path: '/openai/v1/chat/completions',
      headers: { host: 'api.groq.com', authorization: 'Bearer gsk-groq-backend' },
      json: { model: 'llama-3.3-70b-versatile', max_tokens: 64, temperature: 0.5, messages: OPENAI_MESSAGES, ...openaiStream(stream) },
    }),
    expected: { text: 'Hello from groq', finish: 'stop', usage: { input: 10, output: 4, total: 14 } },
  },
  {
    pair: 'OpenAI chat → Anthropic Messages',
    client: 'openai-chat',
    provider: 'anthropic',
    backend: 'anthropic',
    upstreamModel: 'claude-sonnet-4-5',
    request: CHAT,
    upstream: (stream) => ({
      path: '/v1/messages',
      headers: { 'x-api-key': 'sk-ant-backend', 'anthropic-version': '2023-06-01', authorization: undefined },
      json: {
        model: 'claude-sonnet-4-5',
        max_tokens: 64,
        temperature: 0.5,
        system: [{ type: 'text', text: 'Be brief.' }],
        messages: [{ role: 'user', content: [{ type: 'text', text: 'hello there' }] }],
        ...(stream ? { stream: true } : {}),
      },
    }),
    expected: { text: 'Hello from anthropic', finish: 'stop', usage: { input: 7, output: 4, total: 11 } },
  },
  {
    pair: 'OpenAI chat → Gemini API',
    client: 'openai-chat',
    provider: 'gemini',
    backend: 'gemini',
    upstreamModel: 'gemini-2.5-flash',
    request: CHAT,
    upstream: (stream) => ({
      path: `/v1beta/models/gemini-2.5-flash:${stream ? 'streamGenerateContent?alt=sse' : 'generateContent'}`,
      headers: { 'x-goog-api-key': 'AIza-backend-key', authorization: undefined },
      json: {
        contents: [{ role: 'user', parts: [{ text: 'hello there' }] }],
        systemInstruction: { parts: [{ text: 'Be brief.' }] },
        generationConfig: { maxOutputTokens: 64, temperature: 0.5 },
      },
    }),
    expected: { text: 'Hello from gemini', finish: 'stop', usage: { input: 7, output: 4, total: 11 } },
  },
  {
    pair: 'OpenAI chat → AWS Bedrock Converse',
    client: 'openai-chat',
    provider: 'bedrock',
    backend: 'bedrock',
    upstreamModel: 'anthropic.claude-3-5-sonnet-20241022-v2:0',
    request: CHAT,
    upstream: (stream) => ({
      path: `/model/anthropic.claude-3-5-sonnet-20241022-v2%3A0/${stream ? 'converse-stream' : 'converse'}`,
      headers: { 'content-type': 'application/json', 'x-api-key': undefined },
      json: {
        messages: [{ role: 'user', content: [{ text: 'hello there' }] }],
        system: [{ text: 'Be brief.' }],
        inferenceConfig: { maxTokens: 64, temperature: 0.5 },
      },
    }),
    expected: { text: 'Hello from bedrock', finish: 'stop', usage: { input: 7, output: 4, total: 11 } },
  },
  {
    pair: 'OpenAI chat with a JSON schema → AWS Bedrock Converse structured output',
    client: 'openai-chat',
    provider: 'bedrock',
    backend: 'bedrock',
    upstreamModel: 'amazon.nova-pro-v1:0',
    request: { messages: [{ role: 'user', content: 'hello there' }], response_format: { type: 'json_schema', json_schema: { name: 'reply', schema: { type: 'object', properties: { text: { type: 'string' } } } } } },
    upstream: (stream) => ({
      path: `/model/amazon.nova-pro-v1%3A0/${stream ? 'converse-stream' : 'converse'}`,
      headers: { 'content-type': 'application/json' },
      json: {
        messages: [{ role: 'user', content: [{ text: 'hello there' }] }],
        outputConfig: { textFormat: { type: 'json_schema', structure: { jsonSchema: { schema: '{"type":"object","properties":{"text":{"type":"string"}}}', name: 'reply' } } } },
      },
    }),
    expected: { text: 'Hello from bedrock', finish: 'stop', usage: { input: 5, output: 4, total: 9 } },
  },
  {
    pair: 'OpenAI chat → Claude on AWS Bedrock InvokeModel',
    client: 'openai-chat',
    provider: 'bedrock',
    backend: 'bedrock-invoke',
    upstreamModel: 'anthropic.claude-sonnet-4-5-20250929-v1:0',
    request: CHAT,
    upstream: (stream) => ({
      path: `/model/anthropic.claude-sonnet-4-5-20250929-v1%3A0/${stream ? 'invoke-with-response-stream' : 'invoke'}`,
      headers: { accept: stream ? 'application/vnd.amazon.eventstream' : 'application/json', 'anthropic-version': undefined },
      json: {
        anthropic_version: 'bedrock-2023-05-31',
        max_tokens: 64,
        temperature: 0.5,
        system: [{ type: 'text', text: 'Be brief.' }],
        messages: [{ role: 'user', content: [{ type: 'text', text: 'hello there' }] }],
      },
    }),
    expected: { text: 'Hello from bedrock', finish: 'stop', usage: { input: 7, output: 4, total: 11 } },
  },
  {
    pair: 'Anthropic Messages → Claude on AWS Bedrock InvokeModel',
    client: 'anthropic-messages',
    provider: 'bedrock',
    backend: 'bedrock-invoke',
    upstreamModel: 'anthropic.claude-sonnet-4-5-20250929-v1:0',
    request: MESSAGES,
    upstream: (stream) => ({
      path: `/model/anthropic.claude-sonnet-4-5-20250929-v1%3A0/${stream ? 'invoke-with-response-stream' : 'invoke'}`,
      headers: { 'x-api-key': undefined, 'anthropic-version': undefined },
      json: { anthropic_version: 'bedrock-2023-05-31', ...MESSAGES },
    }),
    expected: { text: 'Hello from bedrock', finish: 'end_turn', usage: { input: 7, output: 4 } },
  },
  {
    pair: 'Anthropic Messages → Claude on AWS Bedrock Converse',
    client: 'anthropic-messages',
    provider: 'bedrock',
    backend: 'bedrock',
    upstreamModel: 'anthropic.claude-3-5-sonnet-20241022-v2:0',
    request: { ...MESSAGES, top_k: 5 },
    upstream: (stream) => ({
      path: `/model/anthropic.claude-3-5-sonnet-20241022-v2%3A0/${stream ? 'converse-stream' : 'converse'}`,
      headers: { accept: stream ? 'application/vnd.amazon.eventstream' : 'application/json', 'x-api-key': undefined, 'anthropic-version': undefined },
      json: {
        messages: [{ role: 'user', content: [{ text: 'hello there' }] }],
        system: [{ text: 'Be brief.' }],
        inferenceConfig: { maxTokens: 64 },
        additionalModelRequestFields: { top_k: 5 },
      },
    }),
    expected: { text: 'Hello from bedrock', finish: 'end_turn', usage: { input: 7, output: 4 } },
  },
  {
    pair: 'Anthropic Messages → AWS Bedrock Converse',
    client: 'anthropic-messages',
    provider: 'bedrock',
    backend: 'bedrock',
    upstreamModel: 'amazon.nova-pro-v1:0',
    request: MESSAGES,
    upstream: (stream) => ({
      path: `/model/amazon.nova-pro-v1%3A0/${stream ? 'converse-stream' : 'converse'}`,
      headers: { 'x-api-key': undefined, 'anthropic-version': undefined },
      json: {
        messages: [{ role: 'user', content: [{ text: 'hello there' }] }],
        system: [{ text: 'Be brief.' }],
        inferenceConfig: { maxTokens: 64 },
      },
    }),
    expected: { text: 'Hello from bedrock', finish: 'end_turn', usage: { input: 7, output: 4 } },
  },
  {
    pair: 'OpenAI chat → Gemini on Vertex AI',
    client: 'openai-chat',
    provider: 'vertex',
    backend: 'vertex',
    upstreamModel: 'gemini-2.5-flash',
    request: CHAT,
    upstream: (stream) => ({
      path: `/v1/projects/pair-project/locations/us-east5/publishers/google/models/gemini-2.5-flash:${stream ? 'streamGenerateContent?alt=sse' : 'generateContent'}`,
      headers: { authorization: 'Bearer ya29.pair-token', 'x-goog-api-key': undefined },
      json: {
        contents: [{ role: 'user', parts: [{ text: 'hello there' }] }],
        systemInstruction: { parts: [{ text: 'Be brief.' }] },
        generationConfig: { maxOutputTokens: 64, temperature: 0.5 },
      },
    }),
    expected: { text: 'Hello from vertex', finish: 'stop', usage: { input: 7, output: 4, total: 11 } },
  },
  {
    pair: 'OpenAI chat → Claude on Vertex AI',
    client: 'openai-chat',
    provider: 'vertex',
    backend: 'vertex',
    upstreamModel: 'claude-sonnet-4-5@20250929',
    request: CHAT,
    upstream: (stream) => ({
      path: `/v1/projects/pair-project/locations/us-east5/publishers/anthropic/models/claude-sonnet-4-5@20250929:${stream ? 'streamRawPredict' : 'rawPredict'}`,
      headers: { authorization: 'Bearer ya29.pair-token', 'anthropic-version': undefined, 'x-api-key': undefined },
      json: {
        anthropic_version: 'vertex-2023-10-16',
        max_tokens: 64,
        temperature: 0.5,
        system: [{ type: 'text', text: 'Be brief.' }],
        messages: [{ role: 'user', content: [{ type: 'text', text: 'hello there' }] }],
        ...(stream ? { stream: true } : {}),
      },
    }),
    expected: { text: 'Hello from vertex', finish: 'stop', usage: { input: 7, output: 4, total: 11 } },
  },
  {
    pair: 'Anthropic Messages → Claude on Vertex AI',
    client: 'anthropic-messages',
    provider: 'vertex',
    backend: 'vertex',
    upstreamModel: 'claude-sonnet-4-5@20250929',
    request: MESSAGES,
    upstream: (stream) => ({
      path: `/v1/projects/pair-project/locations/us-east5/publishers/anthropic/models/claude-sonnet-4-5@20250929:${stream ? 'streamRawPredict' : 'rawPredict'}`,
      headers: { authorization: 'Bearer ya29.pair-token', 'anthropic-version': undefined, 'x-api-key': undefined },
      json: { anthropic_version: 'vertex-2023-10-16', ...MESSAGES, ...(stream ? { stream: true } : {}) },
    }),
    expected: { text: 'Hello from vertex', finish: 'end_turn', usage: { input: 7, output: 4 } },
  },
  {
    pair: 'Anthropic Messages → Anthropic (pass-through)',
    client: 'anthropic-messages',
    provider: 'anthropic',
    backend: 'anthropic',
    upstreamModel: 'claude-sonnet-4-5',
    request: MESSAGES,
    upstream: (stream) => ({
      path: '/v1/messages',
      headers: { 'x-api-key': 'sk-ant-backend', 'anthropic-version': '2023-06-01', authorization: undefined },
      json: { model: 'claude-sonnet-4-5', ...MESSAGES, ...(stream ? { stream: true } : {}) },
    }),
    expected: { text: 'Hello from anthropic', finish: 'end_turn', usage: { input: 7, output: 4 } },
  },
  {
    pair: 'Anthropic Messages → OpenAI',
    client: 'anthropic-messages',
    provider: 'openai',
    backend: 'openai',
    upstreamModel: 'gpt-4.1',
    request: MESSAGES,
    upstream: (stream) => ({
      path: '/v1/chat/completions',
      headers: { authorization: 'Bearer sk-openai-backend', 'x-api-key': undefined, 'anthropic-version': undefined },
      json: { model: 'gpt-4.1', max_completion_tokens: 64, messages: OPENAI_MESSAGES, ...openaiStream(stream) },
    }),
    expected: { text: 'Hello from openai', finish: 'end_turn', usage: { input: 10, output: 4 } },
  },
  {
    pair: 'Anthropic Messages → Azure OpenAI (v1 API)',
    client: 'anthropic-messages',
    provider: 'azure',
    backend: 'azure-v1',
    upstreamModel: 'gpt-5-deployment',
    request: MESSAGES,
    upstream: (stream) => ({
      path: '/openai/v1/chat/completions',
      headers: { 'api-key': 'azure-backend-key', authorization: undefined },
      json: { model: 'gpt-5-deployment', max_completion_tokens: 64, messages: OPENAI_MESSAGES, ...openaiStream(stream) },
    }),
    expected: { text: 'Hello from azure', finish: 'end_turn', usage: { input: 10, output: 4 } },
  },
];
