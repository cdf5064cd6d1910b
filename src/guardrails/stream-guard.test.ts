import type { ClientApi } from '../api/client-request';
import { GatewayError } from '../errors';
import { SseDecoder } from '../providers/sse';
import { BUILTIN_DETECTORS } from './builtin-detectors';
import { blockedEvent } from './guardrail-run';
import { RedactionSession, RuleSet, redact } from './scanner';
import type { GuardrailAction } from './scanner';
import { StreamGuard } from './stream-guard';
import { TextChannel } from './text-channel';

/** E-mail addresses are redacted; cards get `cardAction`. */
function rules(cardAction: GuardrailAction): RuleSet {
  return new RuleSet([
    { detector: BUILTIN_DETECTORS.get('email')!, action: 'redact' },
    { detector: BUILTIN_DETECTORS.get('credit_card')!, action: cardAction },
  ]);
}

function guard(api: ClientApi, action: GuardrailAction = 'redact'): { guard: StreamGuard; found: () => number } {
  const set = rules(action);
  const session = new RedactionSession();
  let found = 0;
  const stream = new StreamGuard(api, {
    channel: () =>
      new TextChannel(set, session, (findings) => {
        found += findings.length;
        if (findings.some((f) => f.rule.action === 'block')) throw new GatewayError(400, 'invalid_request_error', 'guardrail_blocked', 'The response was blocked by guardrail policy "p": detector "credit_card" matched.');
      }),
    recheck: (text) => redact(text, set.find(text), session),
    blockedEvent: (error) => blockedEvent(api, api === 'anthropic-messages' ? 'anthropic' : 'openai', error),
  });
  return { guard: stream, found: () => found };
}

const TEXT = 'Reach me at jane.doe@example.com or pay 4111 1111 1111 1111 today.';
const REDACTED = 'Reach me at [EMAIL_1] or pay [CREDIT_CARD_1] today.';
const ARGS = '{"to":"bob@example.org","n":1}';
const ARGS_REDACTED = '{"to":"[EMAIL_2]","n":1}';

/** The client-format stream of TEXT in deltas split at `at` (and ARGS split in two). */
function stream(api: ClientApi, at: number): string {
  const parts = [TEXT.slice(0, at), TEXT.slice(at)];
  const data = (value: unknown): string => `data: ${JSON.stringify(value)}\n\n`;
  const named = (value: { type: string }): string => `event: ${value.type}\ndata: ${JSON.stringify(value)}\n\n`;
  if (api === 'openai-chat') {
    const chunk = (delta: unknown, finish: string | null = null): string => data({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] });
    return (
      chunk({ role: 'assistant', content: '' }) +
      parts.map((p) => chunk({ content: p })).join('') +
      chunk({ tool_calls: [{ index: 0, id: 't1', type: 'function', function: { name: 'send', arguments: ARGS.slice(0, 12) } }] }) +
      chunk({ tool_calls: [{ index: 0, function: { arguments: ARGS.slice(12) } }] }) +
      chunk({}, 'tool_calls') +
      data({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [], usage: { prompt_tokens: 3, completion_tokens: 9, total_tokens: 12 } }) +
      'data: [DONE]\n\n'
    );
  }
  if (api === 'openai-completions') {
    // Two prompts: the text in choice 0, the tool arguments' text as choice 1's plain text.
    const chunk = (index: number, text: string, finish: string | null = null): string => data({ id: 'cmpl-1', object: 'text_completion', created: 1, model: 'm', choices: [{ text, index, logprobs: null, finish_reason: finish }] });
    return (
      parts.map((p) => chunk(0, p)).join('') +
      chunk(0, '', 'stop') +
      [ARGS.slice(0, 12), ARGS.slice(12)].map((p) => chunk(1, p)).join('') +
      chunk(1, '', 'length') +
      data({ id: 'cmpl-1', object: 'text_completion', created: 1, model: 'm', choices: [], usage: { prompt_tokens: 3, completion_tokens: 9, total_tokens: 12 } }) +
      'data: [DONE]\n\n'
    );
  }
  if (api === 'anthropic-messages') {
    return (
      named({ type: 'message_start', message: { id: 'msg_1', type: 'message', role: 'assistant', content: [], model: 'm', usage: { input_tokens: 3, output_tokens: 1 } } } as never) +
      named({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } } as never) +
      parts.map((p) => named({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: p } } as never)).join('') +
      named({ type: 'content_block_stop', index: 0 } as never) +
      named({ type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 't1', name: 'send', input: {} } } as never) +
      [ARGS.slice(0, 12), ARGS.slice(12)].map((p) => named({ type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: p } } as never)).join('') +
      named({ type: 'content_block_stop', index: 1 } as never) +
      named({ type: 'message_delta', delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 9 } } as never) +
      named({ type: 'message_stop' })
    );
  }
  let n = 0;
  const seq = <T extends object>(value: T): T & { sequence_number: number } => ({ ...value, sequence_number: n++ });
  const message = (text: string): unknown => ({ id: 'msg_1', type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text, annotations: [] }] });
  const call = { id: 'fc_1', type: 'function_call', call_id: 'call_1', name: 'send', arguments: ARGS, status: 'completed' };
  return (
    named(seq({ type: 'response.created', response: { id: 'resp_1', status: 'in_progress', output: [] } })) +
    named(seq({ type: 'response.output_item.added', output_index: 0, item: { id: 'msg_1', type: 'message', role: 'assistant', status: 'in_progress', content: [] } })) +
    parts.map((p) => named(seq({ type: 'response.output_text.delta', item_id: 'msg_1', output_index: 0, content_index: 0, delta: p }))).join('') +
    named(seq({ type: 'response.output_text.done', item_id: 'msg_1', output_index: 0, content_index: 0, text: TEXT })) +
    named(seq({ type: 'response.content_part.done', item_id: 'msg_1', output_index: 0, content_index: 0, part: { type: 'output_text', text: TEXT, annotations: [] } })) +
    named(seq({ type: 'response.output_item.done', output_index: 0, item: message(TEXT) })) +
    [ARGS.slice(0, 12), ARGS.slice(12)].map((p) => named(seq({ type: 'response.function_call_arguments.delta', item_id: 'fc_1', output_index: 1, delta: p }))).join('') +
    named(seq({ type: 'response.function_call_arguments.done', item_id: 'fc_1', output_index: 1, arguments: ARGS })) +
    named(seq({ type: 'response.completed', response: { id: 'resp_1', status: 'completed', output: [message(TEXT), call] } }))
  );
}

interface Seen {
  text: string;
  args: string;
  /** Whole texts repeated in closing events. */
  wholes: string[];
  sequence: number[];
  done: boolean;
}

/** What a client reads from the guarded stream. */
function read(api: ClientApi, bytes: Buffer): Seen {
  const seen: Seen = { text: '', args: '', wholes: [], sequence: [], done: false };
  for (const event of new SseDecoder().push(bytes)) {
    if (event.data === '[DONE]') {
      seen.done = true;
      continue;
    }
    const data = JSON.parse(event.data ?? '{}');
    if (typeof data.sequence_number === 'number') seen.sequence.push(data.sequence_number);
    if (api === 'openai-chat') {
      for (const choice of data.choices ?? []) {
        seen.text += choice.delta?.content ?? '';
        for (const call of choice.delta?.tool_calls ?? []) seen.args += call.function?.arguments ?? '';
      }
    } else if (api === 'openai-completions') {
      for (const choice of data.choices ?? []) {
        if (choice.index === 0) seen.text += choice.text;
        else seen.args += choice.text;
      }
    } else if (api === 'anthropic-messages') {
      if (data.type === 'content_block_delta') seen.text += data.delta.text ?? '';
      if (data.type === 'content_block_delta') seen.args += data.delta.partial_json ?? '';
      if (data.type === 'message_stop') seen.done = true;
    } else {
      if (data.type === 'response.output_text.delta') seen.text += data.delta;
      if (data.type === 'response.function_call_arguments.delta') seen.args += data.delta;
      if (data.type === 'response.output_text.done') seen.wholes.push(data.text);
      if (data.type === 'response.content_part.done') seen.wholes.push(data.part.text);
      if (data.type === 'response.output_item.done') seen.wholes.push(data.item.content[0].text);
      if (data.type === 'response.function_call_arguments.done') seen.wholes.push(data.arguments);
      if (data.type === 'response.completed') {
        seen.wholes.push(data.response.output[0].content[0].text, data.response.output[1].arguments);
        seen.done = true;
      }
    }
  }
  return seen;
}

const APIS: ClientApi[] = ['openai-chat', 'openai-completions', 'anthropic-messages', 'openai-responses'];

describe.each(APIS)('StreamGuard on %s', (api) => {
  it('redacts text and tool arguments split across deltas at every text position and the bytes split at every offset', () => {
    const positions = [0, 14, 20, 31, 32, 45, 50, TEXT.length];
    for (let at = 0; at <= TEXT.length; at++) {
      const bytes = Buffer.from(stream(api, at));
      // Every text position with the bytes whole; every byte offset for a spread of positions.
      const offsets = positions.includes(at) ? [...Array(bytes.length + 1).keys()] : [bytes.length];
      for (const offset of offsets) {
        const { guard: g, found } = guard(api);
        const out = Buffer.concat([g.push(bytes.subarray(0, offset), false), g.push(bytes.subarray(offset), true)]);
        const seen = read(api, out);
        const expected: Seen = {
          text: REDACTED,
          args: ARGS_REDACTED,
          wholes: api === 'openai-responses' ? [REDACTED, REDACTED, REDACTED, ARGS_REDACTED, REDACTED, ARGS_REDACTED] : [],
          sequence: api === 'openai-responses' ? [...Array(seen.sequence.length).keys()] : [],
          done: true,
        };
        if (JSON.stringify(seen) !== JSON.stringify(expected) || found() !== 3) {
          throw new Error(`text split at ${at}, bytes at ${offset}: ${JSON.stringify(seen)} (${found()} findings)`);
        }
      }
    }
  });

  it('blocks: sends what was checked, then one error event in the client format, then nothing', () => {
    const { guard: g } = guard(api, 'block');
    const bytes = Buffer.from(stream(api, 30));
    const out = Buffer.concat([g.push(bytes.subarray(0, 200), false), g.push(bytes.subarray(200), false), g.push(Buffer.from('data: {}\n\n'), true)]).toString();
    expect(out).not.toContain('4111');
    expect(out).not.toContain('[DONE]');
    const events = new SseDecoder().push(Buffer.from(out));
    const last = events[events.length - 1];
    const message = 'The response was blocked by guardrail policy "p": detector "credit_card" matched.';
    if (api === 'anthropic-messages') {
      expect(last.event).toBe('error');
      expect(JSON.parse(last.data ?? '')).toEqual({ type: 'error', error: { type: 'invalid_request_error', message } });
    } else if (api === 'openai-responses') {
      expect(JSON.parse(last.data ?? '')).toEqual({ type: 'error', code: 'guardrail_blocked', message, param: null });
    } else {
      expect(JSON.parse(last.data ?? '')).toEqual({ error: { message, type: 'invalid_request_error', param: null, code: 'guardrail_blocked' } });
    }
    // The delta that completed the card is not sent at all (its e-mail with it).
    expect(read(api, Buffer.from(out)).text).toBe('Reach me at ');
  });
});

describe('StreamGuard pass-through', () => {
  it('sends an event it did not change as its original bytes, and rewrites one it did', () => {
    const { guard: g } = guard('openai-chat');
    const untouched = 'data: {"id":"c1", "object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"Hello. "},"finish_reason":null}]}\n\n';
    expect(g.push(Buffer.from(untouched), false).toString()).toBe(untouched);
    const held = 'data: {"id":"c1", "object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"Mail jane"},"finish_reason":null}]}\n\n';
    expect(g.push(Buffer.from(held), false).toString()).toBe('data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"Mail "},"finish_reason":null}]}\n\n');
  });
});
