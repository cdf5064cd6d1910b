import { GatewayError } from '../../errors';
import { convertAnthropicRequestToBedrock } from './convert-anthropic-request-to-bedrock';
import { convertToBedrockRequest } from './convert-to-bedrock-request';

const NOVA = 'amazon.nova-pro-v1:0';
const SCHEMA = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false };
const CONTEXT = { modelId: NOVA, backendName: 'bedrock' };

function refusal(run: () => unknown): GatewayError {
  try {
    run();
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error('not refused');
}

describe('structured output on Bedrock Converse (outputConfig.textFormat)', () => {
  test('OpenAI response_format json_schema: the schema as a JSON string, with its name and description', () => {
    const converted = convertToBedrockRequest(
      { model: 'm', messages: [{ role: 'user', content: 'Where?' }], response_format: { type: 'json_schema', json_schema: { name: 'place', description: 'A city', strict: true, schema: SCHEMA } } },
      CONTEXT,
    );
    expect(converted.body.outputConfig).toEqual({
      textFormat: { type: 'json_schema', structure: { jsonSchema: { schema: JSON.stringify(SCHEMA), name: 'place', description: 'A city' } } },
    });
    expect(converted.warnings).toEqual([]);
  });

  test('OpenAI response_format text sends nothing; json_object (no schema) is refused, naming the parameter', () => {
    expect(convertToBedrockRequest({ model: 'm', messages: [{ role: 'user', content: 'x' }], response_format: { type: 'text' } }, CONTEXT).body.outputConfig).toBeUndefined();
    const error = refusal(() => convertToBedrockRequest({ model: 'm', messages: [{ role: 'user', content: 'x' }], response_format: { type: 'json_object' } }, CONTEXT));
    expect({ status: error.status, param: error.param, code: error.code, message: error.message }).toEqual({
      status: 400,
      param: 'response_format',
      code: 'unsupported_parameter',
      message: 'response_format json_object cannot be enforced by backend "bedrock" (bedrock): Converse takes a JSON schema (json_schema) only.',
    });
    expect(refusal(() => convertToBedrockRequest({ model: 'm', messages: [{ role: 'user', content: 'x' }], response_format: { type: 'json_schema', json_schema: { name: 'x' } } }, CONTEXT)).param).toBe(
      'response_format.json_schema.schema',
    );
  });

  test('Anthropic output_config.format json_schema: the same, effort dropped with a warning', () => {
    const converted = convertAnthropicRequestToBedrock(
      { model: 'm', max_tokens: 100, messages: [{ role: 'user', content: 'Where?' }], output_config: { format: { type: 'json_schema', schema: SCHEMA }, effort: 'low' } },
      CONTEXT,
    );
    expect(converted.body.outputConfig).toEqual({ textFormat: { type: 'json_schema', structure: { jsonSchema: { schema: JSON.stringify(SCHEMA) } } } });
    expect(converted.warnings).toEqual(['dropped output_config.effort: not supported by bedrock converse']);
  });
});
