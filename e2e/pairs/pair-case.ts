import type Anthropic from '@anthropic-ai/sdk';
import type OpenAI from 'openai';
import type { Behaviour } from '../../src/fake-provider/fake-provider';

/** The client APIs the table drives, each through its official SDK. */
export type ClientApi = 'openai-chat' | 'openai-completions' | 'openai-embeddings' | 'openai-responses' | 'anthropic-messages';

/** What the client got, reduced to what every pair must agree on (streamed or not). */
export interface Answer {
  text?: string;
  reasoning?: string;
  toolCalls?: Array<{ name: string; arguments: unknown }>;
  /** finish_reason (OpenAI chat), stop_reason (Anthropic), status (Responses). */
  finish?: string | null;
  embeddings?: { count: number; dimensions: number };
  /** Absent when the provider reports no usage (e.g. Gemini and Cohere embeddings). */
  usage?: { input: number; output?: number; total?: number };
}

/** The request the provider must receive. `headers` lists exact values; undefined means "absent". */
export interface UpstreamExpectation {
  path: string;
  headers: Record<string, string | undefined>;
  json: unknown;
}

/** A started fake provider, as the backend entries need it. */
export interface RunningFake {
  /** Base URL, e.g. http://127.0.0.1:1234. */
  url: string;
  port: number;
  /** The test CA that signed the fake's certificate, when it serves TLS. */
  caFile?: string;
}

/** A provider behind the table's one stack: a fake server and the backends that point at it. */
export interface PairProvider {
  /** Backend entries for aigw.yaml, given the running fake (names must be unique across providers). */
  backends(fake: RunningFake): Array<Record<string, unknown>>;
  /** Serve the fake over TLS with a test-CA certificate for these names (the first is its CN). */
  tlsNames?: string[];
  env?: Record<string, string>;
  /** Checks the table cannot express as values (e.g. a SigV4 signature over the received bytes). */
  verify?(received: { headers: Record<string, string>; body: string; path: string; method: string; servername?: string }): void;
}

/** One row: a client request, what the provider must receive, what it answers, what the client must get. */
export interface PairCase {
  /** e.g. "OpenAI chat → Anthropic Messages". */
  pair: string;
  client: ClientApi;
  /** Provider (fake) name from the providers table. */
  provider: string;
  backend: string;
  /** Model name sent upstream (the model entry's `model`). */
  upstreamModel?: string;
  /** Streaming and non-streaming variants are both run unless limited here. */
  modes?: Array<'stream' | 'plain'>;
  /** SDK parameters without model and stream. */
  request: Record<string, unknown>;
  upstream(stream: boolean): UpstreamExpectation;
  /** What the fake answers; default: its built-in answer for the path. */
  answer?(stream: boolean): Behaviour;
  expected: Answer | ((stream: boolean) => Answer);
  /** Access-log token counts; default: expected.usage input and output. */
  accessLog?: { input_tokens: number; output_tokens?: number };
}

/** The SDK clients a case runs with. */
export interface Clients {
  openai: OpenAI;
  anthropic: Anthropic;
}

function parseArguments(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

async function openaiChat(clients: Clients, model: string, request: Record<string, unknown>, stream: boolean): Promise<Answer> {
  const params = { ...request, model } as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming;
  if (!stream) {
    const completion = await clients.openai.chat.completions.create(params);
    const message = completion.choices[0].message as OpenAI.ChatCompletionMessage & { reasoning_content?: string };
    return clean({
      text: message.content ?? undefined,
      reasoning: message.reasoning_content,
      toolCalls: message.tool_calls?.map((call) => (call.type === 'function' ? { name: call.function.name, arguments: parseArguments(call.function.arguments) } : { name: call.type, arguments: null })),
      finish: completion.choices[0].finish_reason,
      usage: { input: completion.usage?.prompt_tokens ?? -1, output: completion.usage?.completion_tokens ?? -1, total: completion.usage?.total_tokens ?? -1 },
    });
  }
  const chunks = await clients.openai.chat.completions.create({ ...params, stream: true, stream_options: { include_usage: true } });
  let text: string | undefined;
  let reasoning: string | undefined;
  let finish: string | null = null;
  const calls: Array<{ name: string; arguments: string }> = [];
  let usage: Answer['usage'] = { input: -1 };
  for await (const chunk of chunks) {
    const choice = chunk.choices[0];
    const delta = choice?.delta as (OpenAI.ChatCompletionChunk.Choice.Delta & { reasoning_content?: string }) | undefined;
    if (delta?.content) text = (text ?? '') + delta.content;
    if (delta?.reasoning_content) reasoning = (reasoning ?? '') + delta.reasoning_content;
    for (const call of delta?.tool_calls ?? []) {
      calls[call.index] ??= { name: '', arguments: '' };
      calls[call.index].name += call.function?.name ?? '';
      calls[call.index].arguments += call.function?.arguments ?? '';
    }
    if (choice?.finish_reason) finish = choice.finish_reason;
    if (chunk.usage) usage = { input: chunk.usage.prompt_tokens, output: chunk.usage.completion_tokens, total: chunk.usage.total_tokens };
  }
  return clean({
    text,
    reasoning,
    toolCalls: calls.length > 0 ? calls.map((call) => ({ name: call.name, arguments: parseArguments(call.arguments) })) : undefined,
    finish,
    usage,
  });
}

async function anthropicMessages(clients: Clients, model: string, request: Record<string, unknown>, stream: boolean): Promise<Answer> {
  const params = { ...request, model } as unknown as Anthropic.MessageCreateParamsNonStreaming;
  const message = stream ? await clients.anthropic.messages.stream(params).finalMessage() : await clients.anthropic.messages.create(params);
  const texts = message.content.filter((block) => block.type === 'text').map((block) => block.text);
  const thinking = message.content.filter((block) => block.type === 'thinking').map((block) => block.thinking);
  const tools = message.content.filter((block) => block.type === 'tool_use');
  return clean({
    text: texts.length > 0 ? texts.join('') : undefined,
    reasoning: thinking.length > 0 ? thinking.join('') : undefined,
    toolCalls: tools.length > 0 ? tools.map((block) => ({ name: block.name, arguments: block.input })) : undefined,
    finish: message.stop_reason,
    usage: { input: message.usage.input_tokens, output: message.usage.output_tokens },
  });
}

async function openaiEmbeddings(clients: Clients, model: string, request: Record<string, unknown>): Promise<Answer> {
  const result = await clients.openai.embeddings.create({ ...request, model } as unknown as OpenAI.EmbeddingCreateParams);
  const usage = result.usage as OpenAI.CreateEmbeddingResponse.Usage | undefined;
  return {
    embeddings: { count: result.data.length, dimensions: result.data[0]?.embedding.length ?? 0 },
    ...(usage ? { usage: { input: usage.prompt_tokens, total: usage.total_tokens } } : {}),
  };
}

async function openaiResponses(clients: Clients, model: string, request: Record<string, unknown>, stream: boolean): Promise<Answer> {
  const params = { ...request, model } as unknown as OpenAI.Responses.ResponseCreateParamsNonStreaming;
  let response: OpenAI.Responses.Response | undefined;
  let text = '';
  if (stream) {
    for await (const event of await clients.openai.responses.create({ ...params, stream: true })) {
      if (event.type === 'response.output_text.delta') text += event.delta;
      if (event.type === 'response.completed') response = event.response;
    }
  } else {
    response = await clients.openai.responses.create(params);
    text = response.output_text;
  }
  return {
    text,
    finish: response?.status ?? null,
    usage: { input: response?.usage?.input_tokens ?? -1, output: response?.usage?.output_tokens ?? -1, total: response?.usage?.total_tokens ?? -1 },
  };
}

async function openaiCompletions(clients: Clients, model: string, request: Record<string, unknown>, stream: boolean): Promise<Answer> {
  const params = { ...request, model } as unknown as OpenAI.CompletionCreateParamsNonStreaming;
  if (!stream) {
    const completion = await clients.openai.completions.create(params);
    const usage = completion.usage;
    return { text: completion.choices.map((choice) => choice.text).join(''), finish: completion.choices[0].finish_reason, usage: { input: usage?.prompt_tokens ?? -1, output: usage?.completion_tokens ?? -1, total: usage?.total_tokens ?? -1 } };
  }
  let text = '';
  let finish: string | null = null;
  let usage: Answer['usage'] = { input: -1 };
  for await (const chunk of await clients.openai.completions.create({ ...params, stream: true, stream_options: { include_usage: true } })) {
    text += chunk.choices.map((choice) => choice.text).join('');
    finish = chunk.choices[0]?.finish_reason ?? finish;
    if (chunk.usage) usage = { input: chunk.usage.prompt_tokens, output: chunk.usage.completion_tokens, total: chunk.usage.total_tokens };
  }
  return { text, finish, usage };
}

/** Drops undefined fields so expected answers need not list them. */
function clean(answer: Answer): Answer {
  return Object.fromEntries(Object.entries(answer).filter(([, value]) => value !== undefined)) as unknown as Answer;
}

/** Sends the case's request with its client's official SDK and reduces the reply to an Answer. */
export function ask(clients: Clients, client: ClientApi, model: string, request: Record<string, unknown>, stream: boolean): Promise<Answer> {
  switch (client) {
    case 'openai-chat':
      return openaiChat(clients, model, request, stream);
    case 'anthropic-messages':
      return anthropicMessages(clients, model, request, stream);
    case 'openai-completions':
      return openaiCompletions(clients, model, request, stream);
    case 'openai-embeddings':
      return openaiEmbeddings(clients, model, request);
    case 'openai-responses':
      return openaiResponses(clients, model, request, stream);
  }
}
