/**
 * What the translation benchmark measures: the real translators from the registry, on
 * backends compiled from a config the way the gateway compiles them, fed the ~10 KB request
 * (translate-requests.ts), recorded non-streamed responses and long streams
 * (translate-streams.ts). Every case is run once and checked before it is timed, so a
 * translator that fails fast (an error event, no usage) cannot look cheap.
 */
import { parseClientRequest } from '../src/api/client-request';
import type { ClientApi, ClientRequest } from '../src/api/client-request';
import { validateConfig } from '../src/config/load';
import { compileConfig } from '../src/config/runtime';
import type { RuntimeBackend } from '../src/config/runtime';
import { createTranslator } from '../src/providers/registry';
import type { Translator } from '../src/providers/translator';
import { anthropicMessagesRequest, openAIChatRequest } from './translate-requests';
import { anthropicStream, bedrockStream, geminiStream, openAIStream, providerFixture } from './translate-streams';

/** The Bedrock model id sent upstream (its `:` is path-encoded and signed). */
const BEDROCK_MODEL = 'anthropic.claude-3-5-sonnet-20241022-v2:0';

/** Placeholder secrets (AWS's documentation example keys), never real ones. */
const ENV = { OPENAI_KEY: 'sk-bench', ANTHROPIC_KEY: 'sk-ant-bench', GEMINI_KEY: 'AIza-bench', AK: 'AKIDEXAMPLE', SK: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };

const CONFIG = compileConfig(
  validateConfig(
    {
      backends: [
        { name: 'openai', kind: 'openai', baseUrl: 'https://api.openai.com/v1', credential: { env: 'OPENAI_KEY' } },
        { name: 'anthropic', kind: 'anthropic', baseUrl: 'https://api.anthropic.com', credential: { env: 'ANTHROPIC_KEY' } },
        { name: 'gemini', kind: 'gemini', baseUrl: 'https://generativelanguage.googleapis.com', credential: { env: 'GEMINI_KEY' } },
        { name: 'bedrock', kind: 'bedrock', baseUrl: 'https://bedrock-runtime.us-east-1.amazonaws.com', aws: { accessKeyId: { env: 'AK' }, secretAccessKey: { env: 'SK' } } },
      ],
      models: [{ name: 'bench', backends: [{ backend: 'openai' }] }],
      callers: [],
    },
    'translate bench',
  ),
  ENV,
);

/** Backend names of the benchmark config. */
export type BackendName = 'openai' | 'anthropic' | 'gemini' | 'bedrock';

function backend(name: BackendName): RuntimeBackend {
  const found = CONFIG.backends.get(name);
  if (found === undefined) throw new Error(`no backend ${name}`);
  return found;
}

/** The client model each backend is asked for, and the upstream model the route sets. */
const MODELS: Record<BackendName, { client: string; upstream?: string }> = {
  openai: { client: 'gpt-4.1-mini' },
  anthropic: { client: 'claude-sonnet-4-5' },
  gemini: { client: 'gemini-2.5-flash' },
  bedrock: { client: 'claude-bedrock', upstream: BEDROCK_MODEL },
};

/** The raw client body of the benchmark request for a client API and backend. */
export function clientBody(api: ClientApi, backendName: BackendName, stream: boolean): Buffer {
  const model = MODELS[backendName].client;
  const body = api === 'anthropic-messages' ? anthropicMessagesRequest(model, stream) : openAIChatRequest(model, stream);
  return Buffer.from(JSON.stringify(body));
}

/** One (client API → backend) pair. */
export interface Pair {
  /** e.g. `OpenAI → Anthropic`. */
  name: string;
  api: ClientApi;
  backend: BackendName;
}

/** A fresh translator for one attempt of `request` on the pair's backend, from the registry. */
export function translatorFor(pair: Pair, request: ClientRequest): Translator {
  const name = pair.backend;
  const upstreamModel = MODELS[name].upstream;
  return createTranslator(request, { backend: backend(name), ...(upstreamModel !== undefined ? { upstreamModel } : {}) });
}

/** A parsed request for the pair, as the router parses it. */
export function parsedRequest(pair: Pair, stream: boolean): ClientRequest {
  return parseClientRequest(pair.api, clientBody(pair.api, pair.backend, stream));
}

/** The request translations measured. */
export const REQUEST_PAIRS: readonly Pair[] = [
  { name: 'OpenAI → OpenAI (pass-through)', api: 'openai-chat', backend: 'openai' },
  { name: 'OpenAI → Anthropic', api: 'openai-chat', backend: 'anthropic' },
  { name: 'OpenAI → Bedrock (+ SigV4)', api: 'openai-chat', backend: 'bedrock' },
  { name: 'OpenAI → Gemini', api: 'openai-chat', backend: 'gemini' },
  { name: 'Anthropic → OpenAI', api: 'anthropic-messages', backend: 'openai' },
];

/** A recorded non-streamed response and the pair that reads it. */
export interface ResponseCase {
  /** e.g. `Anthropic message → OpenAI completion`. */
  name: string;
  pair: Pair;
  /** Fixture path under src/providers. */
  fixture: string;
}

const OPENAI_RESPONSE = 'openai/__fixtures__/anthropic-to-openai/text-tools-reasoning.openai-response.json';

/** The non-streamed response translations measured. */
export const RESPONSE_CASES: readonly ResponseCase[] = [
  { name: 'OpenAI completion pass-through (usage read)', pair: REQUEST_PAIRS[0], fixture: OPENAI_RESPONSE },
  { name: 'Anthropic message → OpenAI completion', pair: REQUEST_PAIRS[1], fixture: 'anthropic/__fixtures__/tool-use.anthropic-response.json' },
  { name: 'Bedrock Converse → OpenAI completion', pair: REQUEST_PAIRS[2], fixture: 'bedrock/__fixtures__/tool-use.bedrock-response.json' },
  { name: 'Gemini response → OpenAI completion', pair: REQUEST_PAIRS[3], fixture: 'gemini/__fixtures__/tool-use.gemini-response.json' },
  { name: 'OpenAI completion → Anthropic message', pair: REQUEST_PAIRS[4], fixture: OPENAI_RESPONSE },
];

/** The recorded response body of a case. */
export function responseBody(item: ResponseCase): Buffer {
  return providerFixture(item.fixture);
}

/** A long upstream stream and the pair that translates it. */
export interface StreamCase {
  /** e.g. `Anthropic SSE → OpenAI chunks`. */
  name: string;
  pair: Pair;
  /** One whole upstream event per element, `deltas` text deltas among them. */
  events: (deltas: number) => Buffer[];
  /** What the client's stream must end with once the whole stream went through. */
  clientEnd: string;
}

/** The stream translations measured. */
export const STREAM_CASES: readonly StreamCase[] = [
  { name: 'OpenAI SSE pass-through (usage read)', pair: REQUEST_PAIRS[0], events: (n) => openAIStream(n), clientEnd: 'data: [DONE]\n\n' },
  { name: 'Anthropic SSE → OpenAI chunks', pair: REQUEST_PAIRS[1], events: anthropicStream, clientEnd: 'data: [DONE]\n\n' },
  { name: 'Bedrock eventstream → OpenAI chunks', pair: REQUEST_PAIRS[2], events: bedrockStream, clientEnd: 'data: [DONE]\n\n' },
  { name: 'Gemini SSE → OpenAI chunks', pair: REQUEST_PAIRS[3], events: geminiStream, clientEnd: 'data: [DONE]\n\n' },
  {
    name: 'OpenAI SSE → Anthropic SSE',
    pair: REQUEST_PAIRS[4],
    events: (n) => openAIStream(n, 'openai/__fixtures__/anthropic-to-openai/stream-text.openai.sse.txt'),
    clientEnd: 'event: message_stop\ndata: {"type":"message_stop"}\n\n',
  },
];

/**
 * Runs a whole stream through a fresh translator and returns the problem, if any: the client
 * stream must end as `clientEnd` says, carry no error, hold at least one piece per delta,
 * and the translator must have read usage.
 */
export function checkStream(item: StreamCase, request: ClientRequest, events: readonly Buffer[], deltas: number): string | undefined {
  const translator = translatorFor(item.pair, request);
  const out: Buffer[] = [];
  events.forEach((event, index) => out.push(translator.responseBody(event, index === events.length - 1) ?? event));
  const text = Buffer.concat(out).toString('utf8');
  if (!text.endsWith(item.clientEnd)) return `the client stream ends with ${JSON.stringify(text.slice(-80))}`;
  if (text.includes('"error"')) return `the client stream carries an error: ${text.slice(text.indexOf('"error"'), text.indexOf('"error"') + 200)}`;
  const pieces = text.split(item.clientEnd.startsWith('event:') ? '"text_delta"' : '"content":').length - 1;
  if (pieces < deltas) return `only ${pieces} text pieces reached the client for ${deltas} deltas`;
  if (translator.usage() === undefined) return 'no usage was read';
  return undefined;
}
