import type { ClientApi } from '../api/client-request';
import { allDetectors, chatStream, clientView, guarded, namedStream } from '../../test/guardrail-streams';
import type { ClientView } from '../../test/guardrail-streams';

/**
 * Every text field a client-format stream carries, besides plain reply text: each case's
 * stream split at every byte offset, under redact (the exact text the client reads) and
 * block (an error event, nothing raw).
 */

const KEY_BODY = 'MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0';
/** A PEM key as JSON text writes it (newlines as `\n` escapes). */
const PEM_JSON = `-----BEGIN RSA PRIVATE KEY-----\\n${KEY_BODY}\\n-----END RSA PRIVATE KEY-----`;

interface Case {
  name: string;
  api: ClientApi;
  stream: string;
  /** Delta streams as the client puts them together. */
  streams: Record<string, string>;
  /** Whole strings the client must read (citations, closing events). */
  wholes?: string[];
  signatures?: string[];
  /** Raw values that must not reach the client in any form. */
  secrets: string[];
}

const call = (args: string, first = false): Record<string, unknown> => ({
  tool_calls: [{ index: 0, ...(first ? { id: 't1', type: 'function' } : {}), function: { ...(first ? { name: 'save' } : {}), arguments: args } }],
});

const block = (index: number, delta: Record<string, unknown>): Record<string, unknown> => ({ type: 'content_block_delta', index, delta });

const CASES: Case[] = [
  {
    name: 'OpenAI chat: a PEM key in tool arguments with `\\n` escapes',
    api: 'openai-chat',
    stream: chatStream([call('{"path":"id', true), call(`_rsa","key":"${PEM_JSON.slice(0, 40)}`), call(`${PEM_JSON.slice(40)}"}`)], 'tool_calls'),
    streams: { '0/content': '', '0/tool/0': '{"path":"id_rsa","key":"[PRIVATE_KEY_1]"}' },
    secrets: [KEY_BODY.slice(0, 30)],
  },
  {
    name: 'OpenAI chat: an address written with `\\u0040`, and a surrogate pair split between its escapes',
    api: 'openai-chat',
    stream: chatStream([call('{"to":"jane.doe\\u00', true), call('40example.com","mood":"\\ud83d'), call('\\ude00"}')], 'tool_calls'),
    streams: { '0/content': '', '0/tool/0': '{"to":"[EMAIL_1]","mood":"\u{1f600}"}' },
    secrets: ['jane.doe'],
  },
  {
    name: 'OpenAI chat: reasoning_content, reasoning, refusal and audio transcript deltas',
    api: 'openai-chat',
    stream: chatStream([
      { reasoning_content: 'The key is AKIAIOSFO' },
      { reasoning_content: 'DNN7EXAMPLE, fine.' },
      { reasoning: 'Mail jane@exa' },
      { reasoning: 'mple.com' },
      { refusal: 'Not for 4111 1111 ' },
      { refusal: '1111 1111.' },
      { audio: { id: 'a1', transcript: 'Call +44 20 7946 ' } },
      { audio: { transcript: '0958 now' } },
    ]),
    streams: {
      '0/content': '',
      '0/reasoning_content': 'The key is [AWS_ACCESS_KEY_1], fine.',
      '0/reasoning': 'Mail [EMAIL_1]',
      '0/refusal': 'Not for [CREDIT_CARD_1].',
      '0/audio': 'Call [PHONE_1] now',
    },
    secrets: ['AKIAIOSFODNN7EXAMPLE', 'jane@example.com', '4111 1111 1111 1111', '7946 0958'],
  },
  {
    name: 'OpenAI chat: an .env-style key (newlines written as `\\n`) and a key on one line in reply text',
    api: 'openai-chat',
    stream: chatStream([
      { content: `KEY="${PEM_JSON.slice(0, 45)}` },
      { content: `${PEM_JSON.slice(45)}"\nalso -----BEGIN OPENSSH PRIVATE KEY----- ${KEY_BODY.slice(0, 30)}` },
      { content: `${KEY_BODY.slice(30)} -----END OPENSSH PRIVATE KEY----- ok` },
    ]),
    streams: { '0/content': 'KEY="[PRIVATE_KEY_1]"\nalso [PRIVATE_KEY_2] ok' },
    secrets: [KEY_BODY.slice(0, 30), KEY_BODY.slice(30)],
  },
  {
    name: 'Anthropic: text in content_block_start, input_json_delta with an escaped address, tool_use input in its start',
    api: 'anthropic-messages',
    stream: namedStream([
      { type: 'message_start', message: { id: 'msg_1', type: 'message', role: 'assistant', content: [], model: 'm', usage: { input_tokens: 1, output_tokens: 1 } } },
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: 'Mail jane@' } },
      block(0, { type: 'text_delta', text: 'example.com now' }),
      { type: 'content_block_stop', index: 0 },
      { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 't1', name: 'send', input: {} } },
      block(1, { type: 'input_json_delta', partial_json: '{"to":"bob\\u00' }),
      block(1, { type: 'input_json_delta', partial_json: '40example.org"}' }),
      { type: 'content_block_stop', index: 1 },
      { type: 'content_block_start', index: 2, content_block: { type: 'tool_use', id: 't2', name: 'send', input: { to: 'amy@example.net' } } },
      { type: 'content_block_stop', index: 2 },
      { type: 'message_stop' },
    ]),
    streams: { '0/text': 'Mail [EMAIL_1] now', '1/json': '{"to":"[EMAIL_2]"}' },
    wholes: ['[EMAIL_3]'],
    secrets: ['jane@example.com', 'bob@example.org', 'bob\\u0040example.org', 'amy@example.net'],
  },
  {
    name: 'Anthropic: thinking_delta; a signed block a redaction changed loses its signature, one unchanged keeps it; citations',
    api: 'anthropic-messages',
    stream: namedStream([
      { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '' } },
      block(0, { type: 'thinking_delta', thinking: 'She is jane.doe@exa' }),
      block(0, { type: 'thinking_delta', thinking: 'mple.com, so' }),
      block(0, { type: 'signature_delta', signature: 'sig-A' }),
      { type: 'content_block_stop', index: 0 },
      { type: 'content_block_start', index: 1, content_block: { type: 'thinking', thinking: '' } },
      block(1, { type: 'thinking_delta', thinking: 'Nothing here.' }),
      block(1, { type: 'signature_delta', signature: 'sig-B' }),
      { type: 'content_block_stop', index: 1 },
      { type: 'content_block_start', index: 2, content_block: { type: 'text', text: '', citations: [] } },
      block(2, { type: 'citations_delta', citation: { type: 'char_location', cited_text: 'Write to bob@example.org.', document_index: 0, start_char_index: 0, end_char_index: 25 } }),
      block(2, { type: 'text_delta', text: 'As cited.' }),
      { type: 'content_block_stop', index: 2 },
    ]),
    streams: { '0/thinking': 'She is [EMAIL_1], so', '1/thinking': 'Nothing here.', '2/text': 'As cited.' },
    wholes: ['Write to [EMAIL_2].'],
    signatures: ['', 'sig-B'],
    secrets: ['jane.doe@example.com', 'bob@example.org'],
  },
  {
    name: 'Anthropic: content already in message_start, and a signed thinking block whole in its start',
    api: 'anthropic-messages',
    stream: namedStream([
      { type: 'message_start', message: { id: 'msg_1', type: 'message', role: 'assistant', content: [{ type: 'text', text: 'Hi jane@example.com' }], model: 'm' } },
      { type: 'content_block_start', index: 1, content_block: { type: 'thinking', thinking: 'Card 4111 1111 1111 1111 seen.', signature: 'sig-W' } },
      { type: 'content_block_stop', index: 1 },
      { type: 'message_stop' },
    ]),
    streams: { '1/thinking': 'Card [CREDIT_CARD_1] seen.' },
    wholes: ['Hi [EMAIL_1]', ''],
    secrets: ['jane@example.com', '4111 1111 1111 1111', 'sig-W'],
  },
  {
    name: 'Responses: refusal, reasoning summary and function arguments deltas; closing events and response.completed',
    api: 'openai-responses',
    stream: namedStream(
      [
        { type: 'response.created', response: { id: 'r1', status: 'in_progress', output: [] } },
        { type: 'response.reasoning_summary_text.delta', item_id: 'rs_1', output_index: 0, summary_index: 0, delta: 'Mail jane@exa' },
        { type: 'response.reasoning_summary_text.delta', item_id: 'rs_1', output_index: 0, summary_index: 0, delta: 'mple.com' },
        { type: 'response.reasoning_summary_text.done', item_id: 'rs_1', output_index: 0, summary_index: 0, text: 'Mail jane@example.com' },
        { type: 'response.refusal.delta', item_id: 'msg_1', output_index: 1, content_index: 0, delta: 'No: 4111 1111 ' },
        { type: 'response.refusal.delta', item_id: 'msg_1', output_index: 1, content_index: 0, delta: '1111 1111' },
        { type: 'response.refusal.done', item_id: 'msg_1', output_index: 1, content_index: 0, refusal: 'No: 4111 1111 1111 1111' },
        { type: 'response.function_call_arguments.delta', item_id: 'fc_1', output_index: 2, delta: '{"to":"bob\\u00' },
        { type: 'response.function_call_arguments.delta', item_id: 'fc_1', output_index: 2, delta: '40example.org"}' },
        { type: 'response.function_call_arguments.done', item_id: 'fc_1', output_index: 2, arguments: '{"to":"bob\\u0040example.org"}' },
        {
          type: 'response.completed',
          response: {
            id: 'r1',
            status: 'completed',
            output: [
              { id: 'rs_1', type: 'reasoning', summary: [{ type: 'summary_text', text: 'Mail jane@example.com' }] },
              { id: 'msg_1', type: 'message', role: 'assistant', content: [{ type: 'refusal', refusal: 'No: 4111 1111 1111 1111' }] },
              { id: 'fc_1', type: 'function_call', call_id: 'c1', name: 'send', arguments: '{"to":"bob\\u0040example.org"}' },
            ],
          },
        },
      ],
      true,
    ),
    streams: {
      'response.reasoning_summary_text.delta|rs_1|0': 'Mail [EMAIL_1]',
      'response.refusal.delta|msg_1|0': 'No: [CREDIT_CARD_1]',
      'response.function_call_arguments.delta|fc_1|': '{"to":"[EMAIL_2]"}',
    },
    wholes: ['Mail [EMAIL_1]', 'No: [CREDIT_CARD_1]', '{"to":"[EMAIL_2]"}'],
    secrets: ['jane@example.com', '4111 1111 1111 1111', 'bob@example.org', 'bob\\u0040example.org'],
  },
];

/** Whether the output gives a secret away: in its bytes, or in any string or delta stream a client reads. */
function leaks(view: ClientView, out: string, secrets: readonly string[]): string | undefined {
  const texts = [out, ...view.strings, ...Object.values(view.streams)];
  return secrets.find((secret) => texts.some((text) => text.includes(secret)));
}

describe.each(CASES)('StreamGuard: $name', ({ api, stream, streams, wholes, signatures, secrets }) => {
  const bytes = Buffer.from(stream);

  it('redacts at every byte offset', () => {
    for (let offset = 0; offset <= bytes.length; offset++) {
      const out = guarded(api, allDetectors('redact'), bytes, [offset]);
      const view = clientView(api, out);
      const seen = {
        offset,
        streams: Object.fromEntries(Object.keys(streams).map((key) => [key, view.streams[key]])),
        wholes: (wholes ?? []).filter((whole) => view.strings.includes(whole)),
        signatures: view.signatures,
        leak: leaks(view, out, secrets),
        errors: view.errors,
        sequence: view.sequence.every((n, i) => n === i),
      };
      expect(seen).toEqual({ offset, streams, wholes: wholes ?? [], signatures: signatures ?? [], leak: undefined, errors: [], sequence: true });
    }
  });

  it('blocks at every byte offset: an error event, and nothing raw before it', () => {
    for (let offset = 0; offset <= bytes.length; offset++) {
      const out = guarded(api, allDetectors('block'), bytes, [offset]);
      const view = clientView(api, out);
      expect({ offset, errors: view.errors.length, leak: leaks(view, out, secrets) }).toEqual({ offset, errors: 1, leak: undefined });
    }
  });
});
