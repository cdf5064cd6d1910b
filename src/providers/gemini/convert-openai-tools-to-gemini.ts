import { invalidRequest } from '../../errors';
import { isRecord, isSet } from '../anthropic/json-guards';
import type { GeminiFunctionDeclaration, GeminiRequest, GeminiToolConfig } from './gemini-types';

/**
 * JSON Schema keywords Gemini's Schema object does not have and rejects with 400 ("Unknown
 * name ..."): it is an OpenAPI 3.0 subset (Schema reference). OpenAI clients send them all
 * the time (`additionalProperties: false` is required by OpenAI's strict mode), and leaving
 * them out only loosens the schema, so they are removed without a warning.
 */
const REJECTED_KEYWORDS = new Set([
  '$schema', '$id', '$comment', 'additionalProperties', 'unevaluatedProperties', 'patternProperties', 'dependentSchemas', 'examples', 'strict',
]);
/** Keywords whose value is a map of property name → schema. */
const SCHEMA_MAPS = new Set(['properties']);
/** Keywords whose value is a schema or a list of schemas. */
const SCHEMA_VALUES = new Set(['items', 'anyOf', 'oneOf', 'allOf', 'not']);

/** A JSON schema with the keywords Gemini rejects removed, at every depth. */
export function toGeminiSchema(schema: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const converted: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (REJECTED_KEYWORDS.has(key)) continue;
    if (SCHEMA_MAPS.has(key) && isRecord(value)) {
      // Property names are the client's own: a property called "additionalProperties" stays.
      converted[key] = Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, isRecord(sub) ? toGeminiSchema(sub) : sub]));
    } else if (SCHEMA_VALUES.has(key)) {
      converted[key] = Array.isArray(value) ? value.map((sub: unknown) => (isRecord(sub) ? toGeminiSchema(sub) : sub)) : isRecord(value) ? toGeminiSchema(value) : value;
    } else {
      converted[key] = value;
    }
  }
  return converted;
}

function convertTool(tool: unknown, index: number): GeminiFunctionDeclaration {
  const param = `tools[${index}]`;
  if (!isRecord(tool) || tool.type !== 'function') throw invalidRequest(`${param}.type: only function tools can be sent to a gemini backend.`, `${param}.type`);
  const definition = tool.function;
  if (!isRecord(definition) || typeof definition.name !== 'string' || definition.name === '') {
    throw invalidRequest(`${param}.function.name must be a non-empty string.`, `${param}.function.name`);
  }
  return {
    name: definition.name,
    ...(typeof definition.description === 'string' ? { description: definition.description } : {}),
    // A function without parameters leaves `parameters` out (FunctionDeclaration reference).
    ...(isRecord(definition.parameters) ? { parameters: toGeminiSchema(definition.parameters) } : {}),
  };
}

function convertToolChoice(choice: unknown): GeminiToolConfig | undefined {
  if (!isSet(choice)) return undefined;
  if (choice === 'auto') return { functionCallingConfig: { mode: 'AUTO' } };
  if (choice === 'none') return { functionCallingConfig: { mode: 'NONE' } };
  if (choice === 'required') return { functionCallingConfig: { mode: 'ANY' } };
  if (isRecord(choice) && choice.type === 'function' && isRecord(choice.function) && typeof choice.function.name === 'string') {
    // ANY with one allowed name is Gemini's way of forcing a particular function (function calling guide).
    return { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [choice.function.name] } };
  }
  throw invalidRequest('tool_choice must be "auto", "required", "none" or {"type":"function","function":{"name":...}} for a gemini backend.', 'tool_choice');
}

/**
 * OpenAI `tools` and `tool_choice` → Gemini `tools` (one Tool holding every function
 * declaration) and `toolConfig`. Without tools, tool_choice has nothing to act on and is left
 * out. `parallel_tool_calls: false` has no Gemini counterpart and is dropped with a warning.
 */
export function convertOpenAIToolsToGemini(body: Readonly<Record<string, unknown>>, warnings: string[]): Pick<GeminiRequest, 'tools' | 'toolConfig'> {
  const toolConfig = convertToolChoice(body.tool_choice);
  if (body.parallel_tool_calls === false) warnings.push('dropped parallel_tool_calls: not supported by gemini');
  if (!isSet(body.tools)) return {};
  if (!Array.isArray(body.tools)) throw invalidRequest('tools must be an array.', 'tools');
  if (body.tools.length === 0) return {};
  const tools = [{ functionDeclarations: body.tools.map((tool: unknown, index) => convertTool(tool, index)) }];
  return toolConfig ? { tools, toolConfig } : { tools };
}
