import { invalidRequest } from '../../errors';
import { isRecord, isSet } from '../anthropic/json-guards';
import type { BedrockOutputConfig } from './bedrock-types';

/**
 * A JSON schema the answer must match, as Converse's `outputConfig.textFormat`
 * (API reference: OutputConfig → OutputFormat `{type: "json_schema", structure: {jsonSchema:
 * JsonSchemaDefinition}}`; the schema itself is a JSON string, `name` and `description` optional).
 */
function jsonSchemaOutput(schema: Record<string, unknown>, name: unknown, description: unknown): BedrockOutputConfig {
  const definition: { schema: string; name?: string; description?: string } = { schema: JSON.stringify(schema) };
  if (typeof name === 'string' && name !== '') definition.name = name;
  if (typeof description === 'string' && description !== '') definition.description = description;
  return { textFormat: { type: 'json_schema', structure: { jsonSchema: definition } } };
}

/**
 * OpenAI's `response_format`: `json_schema` → Converse structured output; `text` (or none) →
 * nothing; `json_object` (JSON without a schema) has no Converse equivalent and is refused,
 * since dropping it would change the answer.
 */
export function outputConfigFromResponseFormat(format: unknown, backendName: string): BedrockOutputConfig | undefined {
  if (!isSet(format)) return undefined;
  if (!isRecord(format)) throw invalidRequest('response_format must be an object.', 'response_format');
  if (format.type === 'text') return undefined;
  if (format.type !== 'json_schema') {
    throw invalidRequest(`response_format ${String(format.type)} cannot be enforced by backend "${backendName}" (bedrock): Converse takes a JSON schema (json_schema) only.`, 'response_format', 'unsupported_parameter');
  }
  const spec = format.json_schema;
  if (!isRecord(spec) || !isRecord(spec.schema)) throw invalidRequest('response_format.json_schema.schema must be an object.', 'response_format.json_schema.schema');
  return jsonSchemaOutput(spec.schema, spec.name, spec.description);
}

/** Anthropic's `output_config.format` (`{type: "json_schema", schema}`) → Converse structured output. */
export function outputConfigFromAnthropicFormat(format: unknown): BedrockOutputConfig | undefined {
  if (!isSet(format)) return undefined;
  if (!isRecord(format) || format.type !== 'json_schema' || !isRecord(format.schema)) {
    throw invalidRequest('output_config.format must be {"type": "json_schema", "schema": {...}}.', 'output_config.format');
  }
  return jsonSchemaOutput(format.schema, undefined, undefined);
}
