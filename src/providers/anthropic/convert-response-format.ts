import { invalidRequest } from '../../errors';
import { isRecord, isSet } from './json-guards';
import type { AnthropicOutputConfig } from './anthropic-types';

/**
 * OpenAI `response_format` → Anthropic structured outputs
 * (https://platform.claude.com/docs/en/build-with-claude/structured-outputs): `json_schema`
 * becomes `output_config.format` `{type: "json_schema", schema}`, generally available on the
 * Claude API without a beta header under either anthropic-version (the beta `output_format` with
 * `anthropic-beta: structured-outputs-2025-11-13` is deprecated). OpenAI's `name`, `description`
 * and `strict` have no counterpart: Anthropic always enforces the schema, which `strict: false`
 * allows. `json_object` (any JSON, no schema) has no equivalent and stays a 400, as dropping it
 * would change the answer. A schema feature Anthropic does not support, or a model without
 * structured outputs, is Anthropic's own 400, passed on in OpenAI's shape.
 */
export function convertResponseFormat(format: unknown, backendName: string): AnthropicOutputConfig | undefined {
  if (!isSet(format)) return undefined;
  if (!isRecord(format)) throw invalidRequest('response_format must be an object.', 'response_format');
  if (format.type === 'text') return undefined;
  if (format.type === 'json_schema') {
    const schema = isRecord(format.json_schema) ? format.json_schema.schema : undefined;
    if (!isRecord(schema)) throw invalidRequest('response_format.json_schema.schema must be a JSON Schema object.', 'response_format.json_schema.schema');
    return { format: { type: 'json_schema', schema } };
  }
  throw invalidRequest(
    `response_format ${String(format.type)} cannot be enforced by backend "${backendName}" (anthropic): the Messages API has no equivalent.`,
    'response_format',
    'unsupported_parameter',
  );
}
