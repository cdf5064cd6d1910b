import { invalidRequest } from '../../errors';
import { isRecord, isSet } from '../anthropic/json-guards';
import type { OpenAIFunctionTool, OpenAIToolChoice } from './anthropic-to-openai-types';
import { CACHE_CONTROL_WARNING } from './convert-anthropic-messages-to-openai';
import type { MessageContext } from './convert-anthropic-messages-to-openai';

/** OpenAI's tools, tool_choice and parallel_tool_calls, each absent when not needed. */
export interface ConvertedOpenAITools {
  tools?: OpenAIFunctionTool[];
  tool_choice?: OpenAIToolChoice;
  parallel_tool_calls?: false;
}

/** Tool fields this translation reads; any other field a client set is dropped with a warning. */
const TOOL_FIELDS = new Set(['type', 'name', 'description', 'input_schema', 'strict', 'cache_control']);

/**
 * A client tool as a function tool. Anthropic's client tools have no `type` or `custom`;
 * every other type (web_search_20250305, bash_20250124, code_execution_..., ...) is a
 * server tool that Anthropic runs itself, which an OpenAI backend cannot, so it is refused.
 */
function convertTool(tool: unknown, index: number, context: MessageContext): OpenAIFunctionTool {
  const param = `tools[${index}]`;
  if (!isRecord(tool)) throw invalidRequest(`${param} must be an object.`, param);
  if (isSet(tool.type) && tool.type !== 'custom') {
    throw invalidRequest(
      `${param}.type: ${String(tool.type)} is an Anthropic server tool; backend "${context.backendName}" (openai) runs only client tools.`,
      `${param}.type`,
    );
  }
  if (typeof tool.name !== 'string' || tool.name === '') throw invalidRequest(`${param}.name must be a non-empty string.`, `${param}.name`);
  if (!isRecord(tool.input_schema)) throw invalidRequest(`${param}.input_schema must be a JSON schema object.`, `${param}.input_schema`);
  const converted: OpenAIFunctionTool = {
    type: 'function',
    function: {
      name: tool.name,
      ...(typeof tool.description === 'string' ? { description: tool.description } : {}),
      parameters: tool.input_schema,
      // Both APIs mean the same by strict: arguments are guaranteed to match the schema.
      ...(tool.strict === true ? { strict: true } : {}),
    },
  };
  if (isSet(tool.cache_control)) context.warnings.add(CACHE_CONTROL_WARNING);
  for (const [key, value] of Object.entries(tool)) {
    if (!TOOL_FIELDS.has(key) && isSet(value) && value !== false) context.warnings.add(`dropped tools[].${key}: not supported by openai`);
  }
  return converted;
}

function convertToolChoice(choice: Record<string, unknown>): OpenAIToolChoice {
  if (choice.type === 'auto') return 'auto';
  if (choice.type === 'any') return 'required';
  if (choice.type === 'none') return 'none';
  if (choice.type === 'tool' && typeof choice.name === 'string') return { type: 'function', function: { name: choice.name } };
  throw invalidRequest('tool_choice must be {"type":"auto"|"any"|"none"} or {"type":"tool","name":...}.', 'tool_choice');
}

/**
 * Anthropic `tools` and `tool_choice` → OpenAI `tools`, `tool_choice` and
 * `parallel_tool_calls` (`disable_parallel_tool_use: true` is `parallel_tool_calls: false`).
 * Without tools, OpenAI rejects tool_choice and parallel_tool_calls ("only allowed when
 * tools are specified"), so both are left out then.
 */
export function convertAnthropicTools(body: Readonly<Record<string, unknown>>, context: MessageContext): ConvertedOpenAITools {
  const choice = body.tool_choice;
  if (isSet(choice) && !isRecord(choice)) throw invalidRequest('tool_choice must be an object.', 'tool_choice');
  const toolChoice = isRecord(choice) ? convertToolChoice(choice) : undefined;
  if (!isSet(body.tools)) return {};
  if (!Array.isArray(body.tools)) throw invalidRequest('tools must be an array.', 'tools');
  if (body.tools.length === 0) return {};
  const tools = body.tools.map((tool: unknown, index) => convertTool(tool, index, context));
  return {
    tools,
    ...(toolChoice !== undefined ? { tool_choice: toolChoice } : {}),
    ...(isRecord(choice) && choice.disable_parallel_tool_use === true ? { parallel_tool_calls: false as const } : {}),
  };
}
