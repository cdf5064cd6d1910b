import type { ClientApi } from '../api/client-request';
import { SseDecoder } from '../providers/sse';
import { BUILTIN_DETECTORS } from './builtin-detectors';
import { blockedEvent } from './guardrail-run';
import { RedactionSession, RuleSet, redact } from './scanner';
import type { GuardrailAction } from './scanner';
import { StreamGuard } from './stream-guard';
import { TextChannel } from './text-channel';

/**
 * Disguised values in a client-format stream split at every byte offset (inside multi-byte
 * UTF-8 characters and surrogate pairs): the client reads each redacted whole, and every
 * other character as it was sent.
 */

const RULES = new RuleSet([...BUILTIN_DETECTORS.values()].map((detector) => ({ detector, action: 'redact' as GuardrailAction })));

function guard(api: ClientApi): StreamGuard {
  const session = new RedactionSession();
  return new StreamGuard(api, {
    channel: () => new TextChannel(RULES, session, () => undefined),
    recheck: (text) => redact(text, RULES.find(text), session),
    blockedEvent: (error) => blockedEvent(api, api === 'anthropic-messages' ? 'anthropic' : 'openai', error),
  });
}

const TEXT = '😀 ja\u200Bne@exämple.de, card ４１１１ １１１１ １１１１ １１１１, call +44\u00A020\u00A07946\u00A00958 — 𝟒 ok\u200B';
const REDACTED = '😀 [EMAIL_1], card [CREDIT_CARD_1], call [PHONE_1] — 𝟒 ok\u200B';

/** The stream of TEXT in two deltas split at `at` (a UTF-16 offset, maybe inside a surrogate pair). */
function stream(api: ClientApi, at: number): Buffer {
  const parts = [TEXT.slice(0, at), TEXT.slice(at)];
  if (api === 'openai-chat') {
    const chunk = (delta: unknown, finish: string | null = null): string =>
      `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
    return Buffer.from(chunk({ role: 'assistant', content: '' }) + parts.map((content) => chunk({ content })).join('') + chunk({}, 'stop') + 'data: [DONE]\n\n');
  }
  const named = (value: Record<string, unknown>): string => `event: ${String(value.type)}\ndata: ${JSON.stringify(value)}\n\n`;
  return Buffer.from(
    named({ type: 'message_start', message: { id: 'msg_1', type: 'message', role: 'assistant', content: [], model: 'm', usage: { input_tokens: 3, output_tokens: 1 } } }) +
      named({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }) +
      parts.map((text) => named({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } })).join('') +
      named({ type: 'content_block_stop', index: 0 }) +
      named({ type: 'message_stop' }),
  );
}

/** The text a client reads from a client-format stream. */
function read(api: ClientApi, bytes: Buffer): string {
  const decoder = new SseDecoder();
  let text = '';
  for (const event of [...decoder.push(bytes), decoder.finish()]) {
    if (!event?.data || event.data === '[DONE]') continue;
    const data = JSON.parse(event.data) as { choices?: Array<{ delta?: { content?: string } }>; delta?: { text?: string } };
    text += api === 'openai-chat' ? (data.choices?.[0]?.delta?.content ?? '') : (data.delta?.text ?? '');
  }
  return text;
}

describe.each<ClientApi>(['openai-chat', 'anthropic-messages'])('disguised values in a %s stream', (api) => {
  it('are redacted whole at every split of the text and every byte offset of the stream', () => {
    // Text splits at every UTF-16 offset, each stream cut at a few byte offsets; and one text
    // split with the stream cut at every byte offset.
    for (let at = 0; at <= TEXT.length; at++) {
      const bytes = stream(api, at);
      for (const cut of [0, Math.floor(bytes.length / 3), Math.floor(bytes.length / 2)]) {
        const g = guard(api);
        const out = Buffer.concat([g.push(bytes.subarray(0, cut), false), g.push(bytes.subarray(cut), true)]);
        if (read(api, out) !== REDACTED) throw new Error(`text split at ${at}, bytes at ${cut}: ${JSON.stringify(read(api, out))}`);
      }
    }
    const bytes = stream(api, 20);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const g = guard(api);
      const out = Buffer.concat([g.push(bytes.subarray(0, cut), false), g.push(bytes.subarray(cut), true)]);
      if (read(api, out) !== REDACTED) throw new Error(`bytes split at ${cut}: ${JSON.stringify(read(api, out))}`);
    }
  });
});
