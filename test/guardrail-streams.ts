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

/** The value at `path` inside parsed JSON, or undefined. */
function at(value: unknown, ...path: Array<string | number>): unknown {
  let current = value;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

export function clientView(api: ClientApi, out: string): ClientView {
  const view: ClientView = { streams: {}, strings: [], signatures: [], errors: [], sequence: [] };
  const add = (key: string, text: unknown): void => {
    if (typeof text === 'string') view.streams[key] = (view.streams[key] ?? '') + text;
  };
  for (const event of new SseDecoder().push(Buffer.from(out))) {
    if (event.data === undefined || event.data === '[DONE]') continue;
    const data: unknown = JSON.parse(event.data);
    stringsIn(data, view.strings);
    const sequence = at(data, 'sequence_number');
    if (typeof sequence === 'number') view.sequence.push(sequence);
    if (event.event === 'error' || at(data, 'error') !== undefined) view.errors.push(String(at(data, 'error', 'message') ?? at(data, 'message')));
    const type = at(data, 'type');
    const index = String(at(data, 'index'));
    if (api === 'openai-chat') {
      for (const choice of list(at(data, 'choices'))) {
        const key = String(at(choice, 'index'));
        for (const field of ['content', 'refusal', 'reasoning_content', 'reasoning']) add(`${key}/${field}`, at(choice, 'delta', field));
        add(`${key}/audio`, at(choice, 'delta', 'audio', 'transcript'));
        for (const call of list(at(choice, 'delta', 'tool_calls'))) add(`${key}/tool/${String(at(call, 'index'))}`, at(call, 'function', 'arguments'));
      }
    } else if (api === 'anthropic-messages') {
      if (type === 'content_block_start') {
        add(`${index}/text`, at(data, 'content_block', 'text'));
        add(`${index}/thinking`, at(data, 'content_block', 'thinking'));
      }
      if (type === 'content_block_delta') {
        add(`${index}/text`, at(data, 'delta', 'text'));
        add(`${index}/thinking`, at(data, 'delta', 'thinking'));
        add(`${index}/json`, at(data, 'delta', 'partial_json'));
        if (at(data, 'delta', 'type') === 'signature_delta') view.signatures.push(String(at(data, 'delta', 'signature')));
      }
    } else if (typeof at(data, 'delta') === 'string') {
      add(`${String(type)}|${String(at(data, 'item_id'))}|${String(at(data, 'content_index') ?? at(data, 'summary_index') ?? '')}`, at(data, 'delta'));
    }
  }
  return view;
}
