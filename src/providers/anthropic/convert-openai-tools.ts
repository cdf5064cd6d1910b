import { invalidRequest } from '../../errors';
import type { AnthropicTool, AnthropicToolChoice } from './anthropic-types';
import { isRecord, isSet } from './json-guards';

/** Anthropic's tools and tool_choice, each absent when the client gave none. */
export interface ConvertedTools {
  tools?: AnthropicTool[];
  tool_choice?: AnthropicToolChoice;
}

/** Anthropic requires an input_schema; a function without parameters takes an empty object. */
const NO_PARAMETERS = { type: 'object', properties: {} };

function convertTool(tool: unknown, index: number, warnings: string[]): AnthropicTool {
  const param = `tools[${index}]`;
  if (!isRecord(tool) || tool.type !== 'function') {
    throw invalidRequest(`${param}.type: only function tools can be sent to an anthropic backend.`, `${param}.type`);
  }
  const definition = tool.function;
  if (!isRecord(definition) || typeof definition.name !== 'string' || definition.name === '') {
    throw invalidRequest(`${param}.function.name must be a non-empty string.`, `${param}.function.name`);
  }
  const converted: AnthropicTool = { name: definition.name, input_schema: isRecord(definition.parameters) ? definition.parameters : NO_PARAMETERS };
  if (typeof definition.description === 'string') converted.description = definition.description;
  const cacheControl = tool.cache_control ?? definition.cache_control;
  if (isRecord(cacheControl)) converted.cache_control = cacheControl;
  if (definition.strict === true) warnings.push(`dropped ${param}.function.strict: not supported by anthropic`);
  return converted;
}

function convertToolChoice(choice: unknown): AnthropicToolChoice | undefined {
  if (!isSet(choice)) return undefined;
  if (choice === 'auto') return { type: 'auto' };
  if (choice === 'required') return { type: 'any' };
  if (choice === 'none') return { type: 'none' };
  if (isRecord(choice) && choice.type === 'function' && isRecord(choice.function) && typeof choice.function.name === 'string') {
    return { type: 'tool', name: choice.function.name };
  }
  throw invalidRequest(
    'tool_choice must be "auto", "required", "none" or {"type":"function","function":{"name":...}} for an anthropic backend.',
    'tool_choice',
  );
}

/**
 * OpenAI `tools`, `tool_choice` and `parallel_tool_calls` → Anthropic `tools` and
 * `tool_choice`. Without tools, tool_choice has nothing to act on and is left out.
 * `parallel_tool_calls: false` becomes `disable_parallel_tool_use` on the tool choice, the
 * only place Anthropic takes it (and not on `none`, which has no such field).
 */
export function convertOpenAITools(body: Readonly<Record<string, unknown>>, warnings: string[]): ConvertedTools {
  const choice = convertToolChoice(body.tool_choice);
  if (!isSet(body.tools)) return {};
  if (!Array.isArray(body.tools)) throw invalidRequest('tools must be an array.', 'tools');
  if (body.tools.length === 0) return {};
  const tools = body.tools.map((tool: unknown, index) => convertTool(tool, index, warnings));
  if (body.parallel_tool_calls !== false) return choice ? { tools, tool_choice: choice } : { tools };
  const base = choice ?? { type: 'auto' };
  return { tools, tool_choice: base.type === 'none' ? base : { ...base, disable_parallel_tool_use: true } };
}
