/**
 * OpenAI Responses reasoning items carry `encrypted_content` (asked for with
 * `include: ["reasoning.encrypted_content"]`, how stateless clients keep reasoning across
 * turns) that only the organisation that made it can read: sent to another backend (Azure after
 * OpenAI, a second OpenAI account) it is refused and the whole request with it.
 *
 * So aigw marks what each backend made: `aigw1:<12 hex of the backend name's SHA-256>:<content>`
 * in the answers it relays, and, in a later request, gives each backend back its own content
 * unmarked and leaves out reasoning items another backend made (with a warning), removing the
 * ids of the items that came with them (the provider would look for the missing reasoning item
 * by those ids). Unmarked content (a client that talked to the provider directly) passes as sent.
 */
import { createHash } from 'node:crypto';

const PREFIX = 'aigw1:';

/** Each backend's mark, hashed once (backend names come from the config: a bounded set). */
const scopes = new Map<string, string>();

/** The mark of one backend: not its name, which the client need not learn. */
export function reasoningScope(backendName: string): string {
  let scope = scopes.get(backendName);
  if (scope === undefined) {
    scope = createHash('sha256').update(backendName).digest('hex').slice(0, 12);
    scopes.set(backendName, scope);
  }
  return scope;
}

/** True when a Responses request asks for encrypted reasoning. */
export function asksForEncryptedReasoning(include: unknown): boolean {
  return Array.isArray(include) && include.includes('reasoning.encrypted_content');
}

type Item = Record<string, unknown>;

function isItem(value: unknown): value is Item {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The warning for reasoning items left out of a request. */
export function droppedReasoningWarning(count: number): string {
  return `dropped ${count} reasoning item${count === 1 ? '' : 's'}: another backend made ${count === 1 ? 'its' : 'their'} encrypted_content, and only that backend can read it`;
}

/** True for an item the model wrote (it may name the reasoning item it came with). */
function isOutputItem(item: Item): boolean {
  return item.type === 'function_call' || (item.type === 'message' && item.role === 'assistant') || (typeof item.type === 'string' && item.type.endsWith('_call'));
}

/**
 * A Responses `input` for the backend whose scope is `scope`: its own reasoning unmarked,
 * others' reasoning items left out, and the ids of the items that came with a left-out one
 * removed. The same value when nothing changes.
 */
export function scopeReasoningInput(input: unknown, scope: string): { input: unknown; dropped: number } {
  if (!Array.isArray(input) || !input.some((item) => isItem(item) && item.type === 'reasoning' && typeof item.encrypted_content === 'string' && item.encrypted_content.startsWith(PREFIX))) {
    return { input, dropped: 0 };
  }
  const own = `${PREFIX}${scope}:`;
  const out: unknown[] = [];
  let dropped = 0;
  let afterDropped = false;
  for (const item of input) {
    if (!isItem(item)) {
      out.push(item);
      continue;
    }
    if (item.type === 'reasoning') {
      const content = item.encrypted_content;
      afterDropped = typeof content === 'string' && content.startsWith(PREFIX) && !content.startsWith(own);
      if (afterDropped) dropped++;
      else out.push(typeof content === 'string' && content.startsWith(own) ? { ...item, encrypted_content: content.slice(own.length) } : item);
      continue;
    }
    if (afterDropped && isOutputItem(item) && 'id' in item) {
      const copy = { ...item };
      delete copy.id;
      out.push(copy);
      continue;
    }
    if (!isOutputItem(item) && item.type !== 'function_call_output') afterDropped = false;
    out.push(item);
  }
  return { input: out, dropped };
}

/** Marks one output item's encrypted reasoning; true when it changed. */
function markItem(item: unknown, scope: string): boolean {
  if (!isItem(item) || item.type !== 'reasoning' || typeof item.encrypted_content !== 'string' || item.encrypted_content.startsWith(PREFIX)) return false;
  item.encrypted_content = `${PREFIX}${scope}:${item.encrypted_content}`;
  return true;
}

/** Marks the encrypted reasoning of a Responses `response` object in place; true when any changed. */
export function markResponse(response: unknown, scope: string): boolean {
  if (!isItem(response) || !Array.isArray(response.output)) return false;
  let changed = false;
  for (const item of response.output) changed = markItem(item, scope) || changed;
  return changed;
}

/**
 * A Responses stream event's data with its encrypted reasoning marked (output_item.added /
 * .done carry the item; response.completed and the other final events the whole response);
 * undefined when the event carries none.
 */
export function markStreamEvent(data: string, scope: string): string | undefined {
  if (!data.includes('"encrypted_content"')) return undefined;
  let event: unknown;
  try {
    event = JSON.parse(data);
  } catch {
    return undefined;
  }
  if (!isItem(event)) return undefined;
  const changed = markItem(event.item, scope) || markResponse(event.response, scope);
  return changed ? JSON.stringify(event) : undefined;
}
