import { parseClientRequest } from '../api/client-request';
import type { ClientApi } from '../api/client-request';
import { GatewayError } from '../errors';
import { runUnder } from './__fixtures__/guardrail-runs';
import { FORMS, SECRETS, instantiate, leaks, pathName, prng, textLeaves, withUnknownFields, written } from './__fixtures__/fuzz';

/**
 * Request fuzz: for each client API, a broad request (every field of the API that carries a
 * string, and fields no API defines yet) gets each secret in each form in each text field, one
 * at a time, and goes through the request policy as the router runs it (parse, then
 * GuardrailRun.checkRequest). Under redact the body sent upstream must not carry the secret,
 * raw or decoded, and structure must arrive byte for byte; under block the request is refused.
 */

const JSON_SCHEMA = { type: '#object', description: 'T', properties: { q: { type: '#string', description: 'T', enum: ['T'], default: 'T', examples: ['T'] } } };

const TEMPLATES: Record<ClientApi, unknown> = {
  'openai-chat': {
    model: '#m',
    messages: [
      { role: '#system', content: 'T', name: 'T' },
      { role: '#developer', content: [{ type: '#text', text: 'T' }] },
      {
        role: '#user',
        name: 'T',
        content: [
          { type: '#text', text: 'T' },
          { type: '#image_url', image_url: { url: 'https://img.test/T', detail: '#auto' } },
          { type: '#image_url', image_url: { url: '#data:image/png;base64,iVBORw0KGgo=' } },
          { type: '#input_audio', input_audio: { data: '#UklGRg==', format: '#wav' } },
          { type: '#file', file: { filename: 'T', file_data: '#data:application/pdf;base64,JVBERi0=' } },
        ],
      },
      {
        role: '#assistant',
        content: 'T',
        refusal: 'T',
        reasoning_content: 'T',
        tool_calls: [{ id: '#call_1', type: '#function', function: { name: '#lookup', arguments: 'T' } }],
        function_call: { name: '#lookup', arguments: 'T' },
      },
      { role: '#tool', tool_call_id: '#call_1', content: 'T' },
      { role: '#tool', tool_call_id: '#call_1', content: [{ type: '#text', text: 'T' }] },
    ],
    tools: [{ type: '#function', function: { name: '#lookup', description: 'T', parameters: JSON_SCHEMA } }],
    tool_choice: { type: '#function', function: { name: '#lookup' } },
    response_format: { type: '#json_schema', json_schema: { name: '#answer', description: 'T', schema: JSON_SCHEMA } },
    prediction: { type: '#content', content: 'T' },
    metadata: { topic: 'T' },
    user: 'T',
    safety_identifier: 'T',
    prompt_cache_key: 'T',
    stop: ['T'],
    web_search_options: { user_location: { type: '#approximate', approximate: { city: 'T', region: 'T' } } },
  },
  'anthropic-messages': {
    model: '#m',
    max_tokens: 10,
    system: [{ type: '#text', text: 'T', cache_control: { type: '#ephemeral' } }],
    metadata: { user_id: 'T' },
    stop_sequences: ['T'],
    tools: [
      { name: '#lookup', description: 'T', input_schema: JSON_SCHEMA },
      { type: '#web_search_20250305', name: '#web_search', allowed_domains: ['T'], user_location: { type: '#approximate', city: 'T' } },
    ],
    tool_choice: { type: '#tool', name: '#lookup' },
    messages: [
      {
        role: '#user',
        content: [
          { type: '#text', text: 'T' },
          { type: '#image', source: { type: '#base64', media_type: '#image/png', data: '#iVBORw0KGgo=' } },
          { type: '#image', source: { type: '#url', url: 'https://img.test/T' } },
          { type: '#document', source: { type: '#text', media_type: '#text/plain', data: 'T' }, title: 'T', context: 'T' },
          { type: '#document', source: { type: '#content', content: [{ type: '#text', text: 'T' }] }, title: 'T' },
          { type: '#document', source: { type: '#base64', media_type: '#application/pdf', data: '#JVBERi0=' }, context: 'T' },
          { type: '#search_result', source: 'https://docs.test/T', title: 'T', content: [{ type: '#text', text: 'T' }] },
        ],
      },
      {
        role: '#assistant',
        content: [
          { type: '#thinking', thinking: 'T', signature: '#EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxt' },
          { type: '#redacted_thinking', data: '#EmwKAhgBEgy3va3pzix' },
          { type: '#text', text: 'T', citations: [{ type: '#char_location', cited_text: 'T', document_index: 0, document_title: 'T', start_char_index: 0, end_char_index: 1 }] },
          { type: '#tool_use', id: '#toolu_1', name: '#lookup', input: { q: 'T', nested: ['T', { deep: 'T' }] } },
        ],
      },
      {
        role: '#user',
        content: [
          { type: '#tool_result', tool_use_id: '#toolu_1', content: 'T' },
          { type: '#tool_result', tool_use_id: '#toolu_1', content: [{ type: '#text', text: 'T' }, { type: '#search_result', source: 'T', title: 'T', content: [{ type: '#text', text: 'T' }] }] },
        ],
      },
    ],
  },
  'openai-responses': {
    model: '#m',
    instructions: 'T',
    previous_response_id: '#resp_1',
    prompt: { id: '#pmpt_1', version: '#3', variables: { customer: 'T', attachment: { type: '#input_text', text: 'T' } } },
    tools: [
      { type: '#function', name: '#lookup', description: 'T', parameters: JSON_SCHEMA },
      { type: '#mcp', server_label: '#docs', server_url: 'https://mcp.test/T', headers: { authorization: 'T' } },
    ],
    text: { format: { type: '#json_schema', name: '#answer', description: 'T', schema: JSON_SCHEMA } },
    metadata: { topic: 'T' },
    user: 'T',
    input: [
      { role: '#user', content: 'T' },
      { type: '#message', role: '#user', content: [{ type: '#input_text', text: 'T' }, { type: '#input_image', image_url: '#data:image/png;base64,iVBORw0KGgo=', detail: '#auto' }, { type: '#input_file', filename: 'T', file_data: '#data:application/pdf;base64,JVBERi0=' }] },
      { type: '#message', role: '#assistant', id: '#msg_1', content: [{ type: '#output_text', text: 'T', annotations: [{ type: '#url_citation', url: 'https://a.test/T', title: 'T', start_index: 0, end_index: 1 }] }, { type: '#refusal', refusal: 'T' }] },
      { type: '#reasoning', id: '#rs_1', encrypted_content: '#gAAAAABo', summary: [{ type: '#summary_text', text: 'T' }] },
      { type: '#function_call', id: '#fc_1', call_id: '#call_1', name: '#lookup', arguments: 'T' },
      { type: '#function_call_output', call_id: '#call_1', output: 'T' },
      { type: '#custom_tool_call', call_id: '#call_2', name: '#grammar', input: 'T' },
      { type: '#custom_tool_call_output', call_id: '#call_2', output: [{ type: '#input_text', text: 'T' }] },
    ],
  },
  'openai-embeddings': { model: '#m', input: ['T', 'T'], user: 'T', encoding_format: '#float' },
  'openai-completions': { model: '#m', prompt: ['T', 'T'], suffix: 'T', stop: ['T', 'T'], user: 'T', max_tokens: 5 },
};

const APIS = Object.keys(TEMPLATES) as ClientApi[];

describe.each(APIS)('request fuzz: %s', (api) => {
  const random = prng(0x5eed + api.length);
  const template = withUnknownFields(TEMPLATES[api], random);
  const leaves = textLeaves(template);

  test('the template is broad and valid as it is', async () => {
    expect(leaves.length).toBeGreaterThan(api === 'openai-embeddings' || api === 'openai-completions' ? 2 : 25);
    const clean = parseClientRequest(api, Buffer.from(JSON.stringify(instantiate(template))));
    const checked = await runUnder('redact').checkRequest(clean);
    expect(checked.body).toEqual(clean.body);
  });

  test.each(leaves.map((leaf) => [pathName(leaf), leaf] as const))('a secret at %s never reaches the provider', async (_name, leaf) => {
    for (const secret of SECRETS) {
      for (const form of FORMS) {
        const value = written(secret, form, random);
        const body = instantiate(template, leaf, value) as Record<string, unknown>;
        const request = parseClientRequest(api, Buffer.from(JSON.stringify(body)));
        const redacted = await runUnder('redact').checkRequest(request);
        expect({ secret: secret.name, form, leaks: leaks(redacted.rawBody, secret) }).toEqual({ secret: secret.name, form, leaks: false });
        expect({ secret: secret.name, form, structure: structureView(redacted.body, template) }).toEqual({ secret: secret.name, form, structure: structureView(instantiate(template), template) });
        const blocked = await runUnder('block').checkRequest(request).then(
          () => 'sent',
          (error: unknown) => (error instanceof GatewayError ? error.code : String(error)),
        );
        expect({ secret: secret.name, form, blocked }).toEqual({ secret: secret.name, form, blocked: 'guardrail_blocked' });
      }
    }
  });
});

/**
 * The structure of a body as its template marks it (`#` leaves; text leaves are null), read
 * side by side with the template; thinking blocks are left out of both (a redacted one is dropped).
 */
function structureView(value: unknown, template: unknown): unknown {
  if (typeof template === 'string') return template.startsWith('#') ? value : null;
  if (Array.isArray(template)) {
    const items = Array.isArray(value) ? value.filter((item) => !isBlock(item, 'thinking')) : [];
    return template.filter((item) => !isBlock(item, '#thinking')).map((item, index) => structureView(items[index], item));
  }
  if (typeof template !== 'object' || template === null) return value;
  const object = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  return Object.fromEntries(Object.entries(template).map(([key, item]) => [key, structureView(object[key], item)]));
}

function isBlock(value: unknown, type: string): boolean {
  return typeof value === 'object' && value !== null && (value as { type?: unknown }).type === type;
}
