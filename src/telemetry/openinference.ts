/**
 * OpenInference span attributes (https://github.com/Arize-ai/openinference, semantic
 * conventions), set beside the GenAI ones so evaluation tools built on OpenInference (Arize
 * Phoenix) can read aigw's spans: span kind, model, provider, token counts always; with content
 * capture, the input and output messages, the request as `input.value`, its invocation
 * parameters and tool definitions. Texts are the ones the provider was sent and the client got
 * (after guardrails), each capped like the GenAI content attributes.
 */
import type { Attributes } from '@opentelemetry/api';
import type { ClientApi } from '../api/client-request';
import type { BackendConfig } from '../config/schema';
import type { TokenUsage } from '../providers/usage';
import { CONTENT_LIMIT } from './content-capture';

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function capped(text: string): string {
  return text.length > CONTENT_LIMIT ? `${text.slice(0, CONTENT_LIMIT)}…` : text;
}

/** OpenInference `llm.provider` per backend kind (its LLMProvider values). */
const PROVIDERS: Record<BackendConfig['kind'], string> = {
  openai: 'openai',
  'azure-openai': 'azure',
  anthropic: 'anthropic',
  gemini: 'google',
  vertex: 'google',
  bedrock: 'aws',
};

/** The text of a message's content: a string, or its parts' `text` joined. */
function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((part) => (isRecord(part) && typeof part.text === 'string' ? part.text : isRecord(part) && part.type === 'tool_result' ? textOf(part.content) : '')).join('');
}

/** The request's messages as role and text, in order, per client API. */
export function inputMessages(api: ClientApi, body: Json): Array<{ role: string; content: string }> {
  const messages: Array<{ role: string; content: string }> = [];
  const add = (role: unknown, content: unknown): void => {
    messages.push({ role: typeof role === 'string' ? role : 'user', content: textOf(content) });
  };
  switch (api) {
    case 'openai-chat':
      for (const message of Array.isArray(body.messages) ? body.messages : []) if (isRecord(message)) add(message.role, message.content);
      break;
    case 'anthropic-messages':
      if (body.system !== undefined) add('system', body.system);
      for (const message of Array.isArray(body.messages) ? body.messages : []) if (isRecord(message)) add(message.role, message.content);
      break;
    case 'openai-responses':
      if (typeof body.instructions === 'string') add('system', body.instructions);
      if (typeof body.input === 'string') add('user', body.input);
      for (const item of Array.isArray(body.input) ? body.input : []) if (isRecord(item) && (item.type === undefined || item.type === 'message')) add(item.role, item.content);
      break;
    case 'openai-completions':
      for (const prompt of Array.isArray(body.prompt) ? body.prompt : [body.prompt]) if (typeof prompt === 'string') add('user', prompt);
      break;
    case 'openai-embeddings':
      break;
  }
  return messages;
}

/** Request fields that are not invocation parameters (the prompt itself, tools, routing). */
const NOT_PARAMETERS = new Set(['model', 'messages', 'system', 'input', 'instructions', 'prompt', 'tools', 'stream', 'stream_options']);

/** What one span's OpenInference attributes are built from. */
export interface OpenInferenceSource {
  readonly api?: ClientApi;
  readonly body?: Json;
  readonly model?: string;
  readonly responseModel?: string;
  readonly backendKind?: BackendConfig['kind'];
  readonly usage?: TokenUsage;
  /** With content capture on: the completion the client received. */
  readonly completion?: string;
}

/** The OpenInference attributes of one request's span. */
export function openInferenceAttributes(source: OpenInferenceSource): Attributes {
  const attributes: Attributes = { 'openinference.span.kind': source.api === 'openai-embeddings' ? 'EMBEDDING' : 'LLM' };
  const model = source.responseModel ?? source.model;
  if (model) attributes[source.api === 'openai-embeddings' ? 'embedding.model_name' : 'llm.model_name'] = model;
  if (source.backendKind) attributes['llm.provider'] = PROVIDERS[source.backendKind];
  const usage = source.usage;
  if (usage) {
    Object.assign(attributes, {
      'llm.token_count.prompt': usage.inputTokens,
      'llm.token_count.completion': usage.outputTokens,
      'llm.token_count.total': usage.totalTokens,
      'llm.token_count.prompt_details.cache_read': usage.cachedInputTokens,
      'llm.token_count.prompt_details.cache_write': usage.cacheCreationInputTokens,
      'llm.token_count.completion_details.reasoning': usage.reasoningTokens,
    });
  }
  if (source.completion === undefined || !source.api || !source.body) return attributes;
  const body = source.body;
  attributes['input.value'] = capped(JSON.stringify(body));
  attributes['input.mime_type'] = 'application/json';
  inputMessages(source.api, body).forEach((message, index) => {
    attributes[`llm.input_messages.${index}.message.role`] = message.role;
    attributes[`llm.input_messages.${index}.message.content`] = capped(message.content);
  });
  const parameters = Object.fromEntries(Object.entries(body).filter(([key]) => !NOT_PARAMETERS.has(key)));
  attributes['llm.invocation_parameters'] = JSON.stringify(parameters);
  if (Array.isArray(body.tools)) body.tools.forEach((tool, index) => (attributes[`llm.tools.${index}.tool.json_schema`] = capped(JSON.stringify(tool))));
  if (source.api !== 'openai-embeddings') {
    attributes['output.value'] = source.completion;
    attributes['output.mime_type'] = 'text/plain';
    attributes['llm.output_messages.0.message.role'] = 'assistant';
    attributes['llm.output_messages.0.message.content'] = source.completion;
  }
  return attributes;
}
