import type { ClientApi } from '../api/client-request';
import { prng } from '../testing/prng';
import { allDetectors, chatStream, clientView, guarded, namedStream } from '../../test/guardrail-streams';

/**
 * Fuzz (deterministic, seeded): streams of every client API with a secret in every text field
 * the stream can carry — reply text, reasoning, refusals, audio transcripts, citations, tool
 * arguments as JSON with escapes of every kind — cut into random deltas and the bytes cut at
 * random offsets, through the stream guard under redact and under block. No raw secret may
 * reach the client: not in the bytes, not in any string of any event, not in any delta stream
 * put together, not in tool arguments once parsed.
 */

const KEY_BODY = 'MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0';

/** Secrets, and the part of each that must never be seen. */
const SECRETS: ReadonlyArray<{ value: string; probe: string }> = [
  { value: 'jane.doe@example.com', probe: 'jane.doe@example.com' },
  { value: 'AKIAIOSFODNN7EXAMPLE', probe: 'AKIAIOSFODNN7EXAMPLE' },
  { value: '4111 1111 1111 1111', probe: '4111 1111 1111 1111' },
  { value: '123-45-6789', probe: '123-45-6789' },
  { value: 'sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z', probe: 'Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z' },
  { value: `-----BEGIN RSA PRIVATE KEY-----\n${KEY_BODY}\n-----END RSA PRIVATE KEY-----`, probe: KEY_BODY.slice(10, 40) },
  { value: `-----BEGIN PRIVATE KEY-----\\n${KEY_BODY}\\n-----END PRIVATE KEY-----`, probe: KEY_BODY.slice(10, 40) },
];
/** Words around a secret (no digits: a number right after a card or SSN makes it another number, not a miss). */
const FILLER = ['hello', 'the', 'plan:', 'café', '✓', '\u{1f600}', '"quoted"', 'back\\slash', 'line\nbreak', 'tab\there', '日本語', 'ok.', '-', '@', 'x.y'];

class Generator {
  private readonly random: () => number;
  /** The probes of the secrets placed so far. */
  readonly probes: string[] = [];

  constructor(seed: number) {
    this.random = prng(seed);
  }

  int(below: number): number {
    return Math.floor(this.random() * below);
  }

  /** Filler words around one secret. */
  text(): string {
    const secret = SECRETS[this.int(SECRETS.length)];
    this.probes.push(secret.probe);
    const words = (): string => Array.from({ length: this.int(4) }, () => FILLER[this.int(FILLER.length)]).join(' ');
    return `${words()} ${secret.value} ${words()}`;
  }

  /** A text cut at 0-4 random places (by UTF-16 unit, so a surrogate pair may be cut too). */
  pieces(text: string): string[] {
    const cuts = Array.from({ length: this.int(5) }, () => this.int(text.length + 1)).sort((a, b) => a - b);
    const out: string[] = [];
    let from = 0;
    for (const cut of [...cuts, text.length]) {
      out.push(text.slice(from, cut));
      from = cut;
    }
    return out;
  }

  /** JSON text of an object holding `text`, with characters escaped at random (`\u0040`, surrogate pairs as two escapes). */
  argumentsJson(text: string): string {
    let escaped = '';
    for (const c of text) {
      const plain = JSON.stringify(c).slice(1, -1);
      if (this.random() < 0.3) escaped += [...Array(c.length).keys()].map((i) => `\\u${c.charCodeAt(i).toString(16).padStart(4, '0')}`).join('');
      else escaped += plain;
    }
    return `{"n":${this.int(100)},"value":"${escaped}","tags":["a",true]}`;
  }
}

function chat(g: Generator): string {
  const deltas: Array<Record<string, unknown>> = [];
  for (const field of ['content', 'reasoning_content', 'reasoning', 'refusal']) for (const piece of g.pieces(g.text())) deltas.push({ [field]: piece });
  for (const piece of g.pieces(g.text())) deltas.push({ audio: { transcript: piece } });
  for (const index of [0, 1]) {
    for (const piece of g.pieces(g.argumentsJson(g.text()))) deltas.push({ tool_calls: [{ index, function: { arguments: piece } }] });
  }
  return chatStream(deltas, 'tool_calls');
}

function anthropic(g: Generator): string {
  const delta = (index: number, value: Record<string, unknown>): Record<string, unknown> => ({ type: 'content_block_delta', index, delta: value });
  const [first, ...rest] = g.pieces(g.text());
  const events: Array<Record<string, unknown>> = [
    { type: 'message_start', message: { id: 'm', type: 'message', role: 'assistant', content: [], model: 'm' } },
    { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '' } },
    ...g.pieces(g.text()).map((thinking) => delta(0, { type: 'thinking_delta', thinking })),
    delta(0, { type: 'signature_delta', signature: 'sig' }),
    { type: 'content_block_stop', index: 0 },
    { type: 'content_block_start', index: 1, content_block: { type: 'text', text: first, citations: [] } },
    ...rest.map((text) => delta(1, { type: 'text_delta', text })),
    delta(1, { type: 'citations_delta', citation: { type: 'char_location', cited_text: g.text(), document_index: 0 } }),
    { type: 'content_block_stop', index: 1 },
    { type: 'content_block_start', index: 2, content_block: { type: 'tool_use', id: 't', name: 'f', input: {} } },
    ...g.pieces(g.argumentsJson(g.text())).map((partial_json) => delta(2, { type: 'input_json_delta', partial_json })),
    { type: 'content_block_stop', index: 2 },
    { type: 'content_block_start', index: 3, content_block: { type: 'tool_use', id: 't2', name: 'f', input: { value: g.text() } } },
    { type: 'content_block_stop', index: 3 },
    { type: 'message_stop' },
  ];
  return namedStream(events);
}

function responses(g: Generator): string {
  const events: Array<Record<string, unknown>> = [];
  const output: unknown[] = [];
  const texts = (type: string, ids: Record<string, unknown>, done: string, field: string, text: string): void => {
    for (const delta of g.pieces(text)) events.push({ type, ...ids, delta });
    events.push({ type: done, ...ids, [field]: text });
  };
  const summary = g.text();
  texts('response.reasoning_summary_text.delta', { item_id: 'rs', output_index: 0, summary_index: 0 }, 'response.reasoning_summary_text.done', 'text', summary);
  output.push({ id: 'rs', type: 'reasoning', summary: [{ type: 'summary_text', text: summary }] });
  const [text, refusal] = [g.text(), g.text()];
  texts('response.output_text.delta', { item_id: 'msg', output_index: 1, content_index: 0 }, 'response.output_text.done', 'text', text);
  texts('response.refusal.delta', { item_id: 'msg', output_index: 1, content_index: 1 }, 'response.refusal.done', 'refusal', refusal);
  const message = { id: 'msg', type: 'message', role: 'assistant', content: [{ type: 'output_text', text, annotations: [] }, { type: 'refusal', refusal }] };
  events.push({ type: 'response.output_item.done', output_index: 1, item: message });
  output.push(message);
  const args = g.argumentsJson(g.text());
  texts('response.function_call_arguments.delta', { item_id: 'fc', output_index: 2 }, 'response.function_call_arguments.done', 'arguments', args);
  output.push({ id: 'fc', type: 'function_call', call_id: 'c', name: 'f', arguments: args });
  events.push({ type: 'response.completed', response: { id: 'r', status: 'completed', output } });
  return namedStream(events, true);
}

const BUILD: Record<string, (g: Generator) => string> = { 'openai-chat': chat, 'anthropic-messages': anthropic, 'openai-responses': responses };

/** Every text a client can read: strings of events, delta streams, and the strings inside any of them that parse as JSON. */
function readable(api: ClientApi, out: string): { texts: string[]; errors: number } {
  const view = clientView(api, out);
  const texts = [out, ...view.strings, ...Object.values(view.streams)];
  for (const text of [...texts]) {
    try {
      const parsed: unknown = JSON.parse(text);
      texts.push(JSON.stringify(parsed, (_key, value: unknown) => value), ...collect(parsed));
    } catch {
      // not JSON: read as it is
    }
  }
  return { texts, errors: view.errors.length };
}

function collect(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (typeof value !== 'object' || value === null) return [];
  return Object.values(value).flatMap(collect);
}

describe.each(Object.keys(BUILD) as ClientApi[])('stream guard fuzz on %s', (api) => {
  it.each(['redact', 'block'] as const)('no raw secret reaches the client under %s (300 seeded streams, random cuts)', (action) => {
    const rules = allDetectors(action);
    for (let seed = 1; seed <= 300; seed++) {
      const g = new Generator(seed * 7919 + api.length);
      const bytes = Buffer.from(BUILD[api](g));
      const cuts = Array.from({ length: 1 + g.int(6) }, () => g.int(bytes.length + 1)).sort((a, b) => a - b);
      const { texts, errors } = readable(api, guarded(api, rules, bytes, cuts));
      const leaked = g.probes.find((probe) => texts.some((text) => text.includes(probe)));
      expect({ seed, leaked, errors }).toEqual({ seed, leaked: undefined, errors: action === 'block' ? 1 : 0 });
    }
  });
});
