import { invalidRequest } from '../../errors';
import { withoutUnsignedThinking } from '../anthropic/anthropic-to-anthropic';
import { isRecord, isSet } from '../anthropic/json-guards';
import { THINKING_NEEDS_SIGNED_TURN_WARNING, asksForThinking, thinkingCannotContinue } from '../anthropic/thinking-continuation';
import type { BedrockCachePointBlock, BedrockConverseRequest, BedrockInferenceConfig, BedrockToolChoice, BedrockToolConfig, BedrockToolSpec } from './bedrock-types';
import { withBedrockToolIds } from '../history-ids';
import { convertAnthropicMessagesToBedrock, convertAnthropicSystem } from './convert-anthropic-messages-to-bedrock';
import type { BedrockMessageContext } from './convert-anthropic-messages-to-bedrock';
import { CACHE_POINT, marksCache } from './convert-openai-messages-to-bedrock';

/** Request keys this translation reads; every other key the client set is dropped with a warning. */
const TRANSLATED = new Set([
  'model', 'messages', 'system', 'max_tokens', 'stop_sequences', 'temperature', 'top_p', 'top_k', 'tools', 'tool_choice',
  'thinking', 'stream', 'cache_control', 'output_config',
]);
/** Tool fields this translation reads. */
const TOOL_FIELDS = new Set(['type', 'name', 'description', 'input_schema', 'cache_control']);

/** What the request is translated for. */
export interface AnthropicToBedrockContext {
  /** The Bedrock model id (or inference profile id) the path names. */
  readonly modelId: string;
  /** The backend's name, for error messages. */
  readonly backendName: string;
}

/** The Converse body, and the options dropped on the way. */
export interface ConvertedAnthropicToBedrock {
  body: BedrockConverseRequest;
  warnings: string[];
}

/** Anthropic models on Bedrock, also through a cross-region inference profile (`us.anthropic.…`, `global.anthropic.…`). */
export function isAnthropicModelId(modelId: string): boolean {
  return /^([a-z]{2,6}\.)?anthropic\./.test(modelId);
}

function readNumber(body: Readonly<Record<string, unknown>>, key: string): number | undefined {
  const value = body[key];
  if (!isSet(value)) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalidRequest(`${key} must be a number.`, key);
  return value;
}

function readInferenceConfig(body: Readonly<Record<string, unknown>>): BedrockInferenceConfig {
  const maxTokens = body.max_tokens;
  if (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens) || maxTokens < 1) throw invalidRequest('max_tokens: Field required (a positive integer).', 'max_tokens');
  const config: BedrockInferenceConfig = { maxTokens };
  const temperature = readNumber(body, 'temperature');
  if (temperature !== undefined) config.temperature = temperature;
  const topP = readNumber(body, 'top_p');
  if (topP !== undefined) config.topP = topP;
  const stop = body.stop_sequences;
  if (isSet(stop)) {
    if (!Array.isArray(stop) || !stop.every((item): item is string => typeof item === 'string')) throw invalidRequest('stop_sequences must be an array of strings.', 'stop_sequences');
    if (stop.length > 0) config.stopSequences = stop;
  }
  return config;
}

/** A client tool as a Converse tool spec, and a cache point after it when it carries cache_control. */
function convertTool(tool: unknown, index: number, context: BedrockMessageContext): Array<BedrockToolSpec | BedrockCachePointBlock> {
  const param = `tools[${index}]`;
  if (!isRecord(tool)) throw invalidRequest(`${param} must be an object.`, param);
  // Typed tools (web_search_…, bash_…, text_editor_…, code_execution_…) are server tools Anthropic runs itself.
  if (isSet(tool.type) && tool.type !== 'custom') {
    throw invalidRequest(`${param}.type: ${String(tool.type)} is an Anthropic server tool; backend "${context.backendName}" (bedrock converse) runs only client tools.`, `${param}.type`);
  }
  if (typeof tool.name !== 'string' || tool.name === '') throw invalidRequest(`${param}.name must be a non-empty string.`, `${param}.name`);
  if (!isRecord(tool.input_schema)) throw invalidRequest(`${param}.input_schema must be a JSON schema object.`, `${param}.input_schema`);
  for (const [key, value] of Object.entries(tool)) {
    if (!TOOL_FIELDS.has(key) && isSet(value) && value !== false) context.warnings.add(`dropped tools[].${key}: not supported by bedrock converse`);
  }
  const spec: BedrockToolSpec = {
    toolSpec: { name: tool.name, ...(typeof tool.description === 'string' ? { description: tool.description } : {}), inputSchema: { json: tool.input_schema } },
  };
  return marksCache(tool) ? [spec, CACHE_POINT] : [spec];
}

function convertToolChoice(choice: Record<string, unknown>): BedrockToolChoice | undefined {
  if (choice.type === 'auto') return { auto: {} };
  if (choice.type === 'any') return { any: {} };
  if (choice.type === 'tool' && typeof choice.name === 'string') return { tool: { name: choice.name } };
  throw invalidRequest('tool_choice must be {"type":"auto"|"any"|"none"} or {"type":"tool","name":...}.', 'tool_choice');
}

/**
 * Anthropic `tools` and `tool_choice` → Converse `toolConfig` (ToolConfiguration reference).
 * Converse's ToolChoice has no `none`, so tool_choice none leaves the tools out, with a
 * warning: a model offered no tools calls none, which is what the client asked.
 */
function convertTools(body: Readonly<Record<string, unknown>>, context: BedrockMessageContext): BedrockToolConfig | undefined {
  const choice = body.tool_choice;
  if (isSet(choice) && !isRecord(choice)) throw invalidRequest('tool_choice must be an object.', 'tool_choice');
  if (isRecord(choice) && choice.disable_parallel_tool_use === true) context.warnings.add('dropped tool_choice.disable_parallel_tool_use: not supported by bedrock converse');
  if (!isSet(body.tools)) return undefined;
  if (!Array.isArray(body.tools)) throw invalidRequest('tools must be an array.', 'tools');
  if (body.tools.length === 0) return undefined;
  const tools = body.tools.flatMap((tool: unknown, index) => convertTool(tool, index, context));
  if (isRecord(choice) && choice.type === 'none') {
    context.warnings.add('dropped tools: tool_choice none has no bedrock equivalent, so the tools were not sent');
    return undefined;
  }
  const toolChoice = isRecord(choice) ? convertToolChoice(choice) : undefined;
  return toolChoice ? { tools, toolChoice } : { tools };
}

/**
 * Claude's own options that Converse has no field for, passed in additionalModelRequestFields
 * as the Bedrock user guide does for extended thinking (`thinking`) and `top_k`. Other model
 * families take neither, so they are dropped there with a warning.
 */
function additionalFields(body: Readonly<Record<string, unknown>>, context: AnthropicToBedrockContext, warnings: Set<string>): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  const anthropic = isAnthropicModelId(context.modelId);
  if (isSet(body.thinking)) {
    if (!isRecord(body.thinking)) throw invalidRequest('thinking must be an object.', 'thinking');
    // Claude refuses thinking for a continued turn that has no signed thinking block to start it.
    if (anthropic && asksForThinking(body.thinking) && thinkingCannotContinue(withoutUnsignedThinking(body.messages))) warnings.add(THINKING_NEEDS_SIGNED_TURN_WARNING);
    else if (anthropic) fields.thinking = body.thinking;
    else if (body.thinking.type !== 'disabled') warnings.add(`dropped thinking: bedrock model ${context.modelId} takes no thinking budget`);
  }
  const topK = readNumber(body, 'top_k');
  if (topK !== undefined) {
    if (anthropic) fields.top_k = topK;
    else warnings.add(`dropped top_k: not supported by bedrock model ${context.modelId}`);
  }
  return fields;
}

/** `output_config`: a JSON schema the answer must match cannot be enforced through Converse, so it is refused; effort is dropped. */
function readOutputConfig(config: unknown, context: AnthropicToBedrockContext, warnings: Set<string>): void {
  if (!isSet(config)) return;
  if (!isRecord(config)) throw invalidRequest('output_config must be an object.', 'output_config');
  if (isSet(config.format)) {
    throw invalidRequest(`output_config.format cannot be enforced by backend "${context.backendName}" (bedrock converse).`, 'output_config.format', 'unsupported_parameter');
  }
  if (isSet(config.effort)) warnings.add('dropped output_config.effort: not supported by bedrock converse');
}

/**
 * An Anthropic Messages body as a Converse request body (Messages API reference → Converse
 * request syntax, https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html).
 * `cache_control` breakpoints become cache points right after the marked block; a top-level
 * `cache_control` (automatic caching: the last cacheable block) puts one after the last
 * message's last block. Throws a 400 GatewayError for what Converse cannot take; drops, with
 * a warning, what it merely cannot honour.
 */
export function convertAnthropicRequestToBedrock(body: Readonly<Record<string, unknown>>, context: AnthropicToBedrockContext): ConvertedAnthropicToBedrock {
  const warnings = new Set<string>();
  const messageContext: BedrockMessageContext = { backendName: context.backendName, warnings, anthropicModel: isAnthropicModelId(context.modelId) };
  if (!Array.isArray(body.messages)) throw invalidRequest('messages: Field required (an array).', 'messages');
  const inferenceConfig = readInferenceConfig(body);
  const system = convertAnthropicSystem(body.system, messageContext);
  // Tool-use ids another provider wrote may break Bedrock's rule (1–64 of [a-zA-Z0-9_-]).
  const messages = withBedrockToolIds(convertAnthropicMessagesToBedrock(body.messages, messageContext));
  if (messages.length === 0) throw invalidRequest(`backend "${context.backendName}" (bedrock converse) needs at least one message with content.`, 'messages');
  if (isRecord(body.cache_control)) {
    const last = messages[messages.length - 1].content;
    if (!('cachePoint' in last[last.length - 1])) last.push(CACHE_POINT);
  }
  const toolConfig = convertTools(body, messageContext);
  const fields = additionalFields(body, context, warnings);
  readOutputConfig(body.output_config, context, warnings);
  // Key order follows the Converse request syntax, which keeps logged bodies easy to read.
  const request: BedrockConverseRequest = {
    messages,
    ...(system.length > 0 ? { system } : {}),
    inferenceConfig,
    ...(toolConfig ? { toolConfig } : {}),
    ...(Object.keys(fields).length > 0 ? { additionalModelRequestFields: fields } : {}),
  };
  for (const [key, value] of Object.entries(body)) {
    if (TRANSLATED.has(key) || !isSet(value) || value === false) continue;
    warnings.add(`dropped ${key}: not supported by bedrock converse`);
  }
  return { body: request, warnings: [...warnings] };
}
