import type { ClientApi } from '../src/api/client-request';
import { GatewayError } from '../src/errors';
import { SseDecoder } from '../src/providers/sse';
import { BUILTIN_DETECTORS } from '../src/guardrails/builtin-detectors';
import { blockedEvent } from '../src/guardrails/guardrail-run';
import { RedactionSession, RuleSet, redact } from '../src/guardrails/scanner';
import type { GuardrailAction } from '../src/guardrails/scanner';
import { StreamGuard } from '../src/guardrails/stream-guard';
import { TextChannel } from '../src/guardrails/text-channel';

/**
 * Stream guard test kit: client-format streams built from events, a guard under a policy of
 * built-in detectors, and what a client reads from the guarded bytes (each delta stream put
 * together, every whole string, the error that ended the stream).
 */

/** Every built-in detector, all with one action. */
export function allDetectors(action: GuardrailAction): RuleSet {
  return new RuleSet([...BUILTIN_DETECTORS.values()].map((detector) => ({ detector, action })));
}

/** A guard as a guardrail run builds it; `findings` counts what its channels found. */
export function guardFor(api: ClientApi, rules: RuleSet): { guard: StreamGuard; findings: () => number } {
  const session = new RedactionSession();
  let found = 0;
  const blocked = (name: string): GatewayError => new GatewayError(400, 'invalid_request_error', 'guardrail_blocked', `The response was blocked by guardrail policy "p": detector "${name}" matched.`);
  const guard = new StreamGuard(api, {
    channel: (observe) =>
      new TextChannel(rules, session, (findings) => {
        observe?.(findings);
        found += findings.length;
        const block = findings.find((f) => f.rule.action === 'block');
        if (block) throw blocked(block.rule.detector.name);
      }),
    recheck: (text) => {
      const findings = rules.find(text);
      const block = findings.find((f) => f.rule.action === 'block');
      if (block) throw blocked(block.rule.detector.name);
      return redact(text, findings, session);
    },
    blockedEvent: (error) => blockedEvent(api, api === 'anthropic-messages' ? 'anthropic' : 'openai', error),
  });
  return { guard, findings: () => found };
}

/** The guarded output of `bytes` given to the guard in pieces cut at `cuts` (ascending). */
export function guarded(api: ClientApi, rules: RuleSet, bytes: Buffer, cuts: readonly number[]): string {
  const { guard } = guardFor(api, rules);
  const out: Buffer[] = [];
  let from = 0;
  for (const cut of cuts) {
    out.push(guard.push(bytes.subarray(from, cut), false));
    from = cut;
  }
  out.push(guard.push(bytes.subarray(from), true));
  return Buffer.concat(out).toString('utf8');
}

/** OpenAI chat chunks with these deltas (one choice), a finish chunk and [DONE]. */
export function chatStream(deltas: ReadonlyArray<Record<string, unknown>>, finish = 'stop'): string {
  const chunk = (delta: unknown, finishReason: string | null = null): string =>
    `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta, finish_reason: finishReason }] })}\n\n`;
  return chunk({ role: 'assistant', content: '' }) + deltas.map((delta) => chunk(delta)).join('') + chunk({}, finish) + 'data: [DONE]\n\n';
}

/** Named events (Anthropic Messages, Responses API; the latter numbered in order). */
export function namedStream(events: ReadonlyArray<Record<string, unknown>>, numbered = false): string {
  return events.map((event, index) => `event: ${String(event.type)}\ndata: ${JSON.stringify(numbered ? { ...event, sequence_number: index } : event)}\n\n`).join('');
}

/** What a client reads from a guarded stream. */
export interface ClientView {
  /** Each delta stream put together, by a key naming where it flows. */
  streams: Record<string, string>;
  /** Every string anywhere in the events' data (deltas too). */
  strings: string[];
  /** Signatures of thinking blocks (`signature_delta`). */
  signatures: string[];
  /** The messages of error events. */
  errors: string[];
  /** Responses API sequence numbers. */
  sequence: number[];
}

function stringsIn(value: unknown, out: string[]): void {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const item of value) stringsIn(item, out);
  else if (typeof value === 'object' && value !== null) for (const item of Object.values(value)) stringsIn(item, out);
}

type Data = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export function clientView(api: ClientApi, out: string): ClientView {
  const view: ClientView = { streams: {}, strings: [], signatures: [], errors: [], sequence: [] };
  const add = (key: string, text: unknown): void => {
    if (typeof text === 'string') view.streams[key] = (view.streams[key] ?? '') + text;
  };
  for (const event of new SseDecoder().push(Buffer.from(out))) {
    if (event.data === undefined || event.data === '[DONE]') continue;
    const data = JSON.parse(event.data) as Data;
    stringsIn(data, view.strings);
    if (typeof data.sequence_number === 'number') view.sequence.push(data.sequence_number);
    if (event.event === 'error' || data.error) view.errors.push(String(data.error?.message ?? data.message));
    if (api === 'openai-chat') {
      for (const choice of data.choices ?? []) {
        const delta = choice.delta ?? {};
        for (const field of ['content', 'refusal', 'reasoning_content', 'reasoning']) add(`${choice.index}/${field}`, delta[field]);
        add(`${choice.index}/audio`, delta.audio?.transcript);
        for (const call of delta.tool_calls ?? []) add(`${choice.index}/tool/${call.index}`, call.function?.arguments);
      }
    } else if (api === 'anthropic-messages') {
      if (data.type === 'content_block_start') {
        add(`${data.index}/text`, data.content_block.text);
        add(`${data.index}/thinking`, data.content_block.thinking);
      }
      if (data.type === 'content_block_delta') {
        add(`${data.index}/text`, data.delta.text);
        add(`${data.index}/thinking`, data.delta.thinking);
        add(`${data.index}/json`, data.delta.partial_json);
        if (data.delta.type === 'signature_delta') view.signatures.push(data.delta.signature);
      }
    } else if (typeof data.delta === 'string') {
      add(`${data.type}|${data.item_id}|${data.content_index ?? data.summary_index ?? ''}`, data.delta);
    }
  }
  return view;
}
