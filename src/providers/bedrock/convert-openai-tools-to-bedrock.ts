import { invalidRequest } from '../../errors';
import { isRecord, isSet } from '../anthropic/json-guards';
import type { BedrockCachePointBlock, BedrockToolChoice, BedrockToolConfig, BedrockToolSpec } from './bedrock-types';
import { CACHE_POINT, marksCache } from './convert-openai-messages-to-bedrock';

/** A tool, and a checkpoint after it when it (or its function) carries a cache_control breakpoint. */
function convertTool(tool: unknown, index: number): Array<BedrockToolSpec | BedrockCachePointBlock> {
  const param = `tools[${index}]`;
  if (!isRecord(tool) || tool.type !== 'function') throw invalidRequest(`${param}.type: only function tools can be sent to a bedrock backend.`, `${param}.type`);
  const definition = tool.function;
  if (!isRecord(definition) || typeof definition.name !== 'string' || definition.name === '') {
    throw invalidRequest(`${param}.function.name must be a non-empty string.`, `${param}.function.name`);
  }
  // ToolInputSchema requires a schema; a function without parameters takes an empty object.
  const schema = isRecord(definition.parameters) ? definition.parameters : { type: 'object', properties: {} };
  const spec: BedrockToolSpec = {
    toolSpec: {
      name: definition.name,
      ...(typeof definition.description === 'string' ? { description: definition.description } : {}),
      inputSchema: { json: schema },
    },
  };
  return marksCache(tool) || marksCache(definition) ? [spec, CACHE_POINT] : [spec];
}

/** OpenAI tool_choice → Converse ToolChoice; 'none' is handled by the caller. */
function convertToolChoice(choice: unknown): BedrockToolChoice | undefined {
  if (!isSet(choice)) return undefined;
  if (choice === 'auto') return { auto: {} };
  if (choice === 'required') return { any: {} };
  if (isRecord(choice) && choice.type === 'function' && isRecord(choice.function) && typeof choice.function.name === 'string') {
    return { tool: { name: choice.function.name } };
  }
  throw invalidRequest('tool_choice must be "auto", "required", "none" or {"type":"function","function":{"name":...}} for a bedrock backend.', 'tool_choice');
}

/**
 * OpenAI `tools` and `tool_choice` → Converse `toolConfig`
 * (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ToolConfiguration.html).
 * ToolChoice has no "none", so `tool_choice: "none"` leaves the tools out, with a warning: a
 * model without tools cannot call one, which is what the client asked. Converse also rejects
 * a toolConfig without tools, so tool_choice alone is left out.
 */
export function convertOpenAIToolsToBedrock(body: Readonly<Record<string, unknown>>, warnings: string[]): BedrockToolConfig | undefined {
  if (body.parallel_tool_calls === false) warnings.push('dropped parallel_tool_calls: not supported by bedrock');
  if (!isSet(body.tools)) return undefined;
  if (!Array.isArray(body.tools)) throw invalidRequest('tools must be an array.', 'tools');
  if (body.tools.length === 0) return undefined;
  const tools = body.tools.flatMap((tool: unknown, index) => convertTool(tool, index));
  if (body.tool_choice === 'none') {
    warnings.push('dropped tools: tool_choice none has no bedrock equivalent, so the tools were not sent');
    return undefined;
  }
  const toolChoice = convertToolChoice(body.tool_choice);
  return toolChoice ? { tools, toolChoice } : { tools };
}
