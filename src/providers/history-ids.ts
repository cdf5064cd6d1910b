import { createHash } from 'node:crypto';
import type { BedrockMessage } from './bedrock/bedrock-types';
import { IDENTIFIER_RULES, isValidIdentifier, replaceDisallowed } from './identifier-rules';
import type { IdentifierRule } from './identifier-rules';

/**
 * Tool-call ids of a history rewritten for one backend. A history written by one provider
 * (OpenAI's `call_` + 60 characters, `functions.get_weather:1` from OpenAI-compatible
 * servers, Gemini ids carrying thought signatures) can break another's id rule, and the whole
 * request then fails with a 400 after the failover that was meant to save it.
 *
 * The mapping is deterministic (the same id gives the same value, so a call and its result
 * stay paired), keeps valid ids as they are, and keeps distinct ids distinct: a rewritten id
 * is the id's allowed characters plus a short hash of the whole id, and a value already taken
 * gets a counter. `original` maps a rewritten id back. Responses of chat completions and
 * Messages carry only the provider's own new ids (never an id of the request), so the reverse
 * map is there for an API whose response refers to request ids; none does today.
 */
export class ToolIdMap {
  private readonly forward = new Map<string, string>();
  private readonly backward = new Map<string, string>();

  /** Builds the map for every id of one request, valid ones first so none of them is ever taken. */
  constructor(
    private readonly rule: IdentifierRule,
    ids: Iterable<string>,
  ) {
    const all = [...new Set(ids)];
    for (const id of all) if (isValidIdentifier(rule, id)) this.keep(id, id);
    for (const id of all) if (!this.forward.has(id)) this.keep(id, this.freeValue(id));
  }

  /** True when at least one id had to change. */
  get rewritesAny(): boolean {
    for (const [id, value] of this.forward) if (id !== value) return true;
    return false;
  }

  /** The value to send for `id` (ids the map was not built with pass unchanged). */
  providerId(id: string): string {
    return this.forward.get(id) ?? id;
  }

  /** The client's id for a value this map produced, else the value itself. */
  original(value: string): string {
    return this.backward.get(value) ?? value;
  }

  private keep(id: string, value: string): void {
    this.forward.set(id, value);
    this.backward.set(value, id);
  }

  private freeValue(id: string): string {
    const hash = createHash('sha256').update(id).digest('hex').slice(0, 8);
    const max = this.rule.maxLength ?? 64;
    const stem = replaceDisallowed(this.rule, id).slice(0, Math.max(0, max - hash.length - 1));
    let value = stem === '' ? hash : `${stem}_${hash}`;
    for (let counter = 1; this.backward.has(value); counter++) {
      const suffix = `_${hash}${counter}`;
      value = `${stem.slice(0, max - suffix.length)}${suffix}`;
    }
    return value;
  }
}

/** The ids of a Converse history (toolUse and toolResult blocks). */
function bedrockIds(messages: readonly BedrockMessage[]): string[] {
  const ids: string[] = [];
  for (const message of messages) {
    for (const block of message.content) {
      if ('toolUse' in block) ids.push(block.toolUse.toolUseId);
      if ('toolResult' in block) ids.push(block.toolResult.toolUseId);
    }
  }
  return ids;
}

/**
 * A Converse history with every toolUseId valid for Bedrock (1–64 of `[a-zA-Z0-9_-]`);
 * the same array when none had to change.
 */
export function withBedrockToolIds(messages: BedrockMessage[]): BedrockMessage[] {
  const map = new ToolIdMap(IDENTIFIER_RULES.bedrock.toolCallId, bedrockIds(messages));
  if (!map.rewritesAny) return messages;
  return messages.map((message) => ({
    ...message,
    content: message.content.map((block) => {
      if ('toolUse' in block) return { toolUse: { ...block.toolUse, toolUseId: map.providerId(block.toolUse.toolUseId) } };
      if ('toolResult' in block) return { toolResult: { ...block.toolResult, toolUseId: map.providerId(block.toolResult.toolUseId) } };
      return block;
    }),
  }));
}

/** A message of a Messages body as the client sent it (blocks unknown). */
type LooseMessage = { readonly content?: unknown };

function blockId(block: unknown): { key: 'id' | 'tool_use_id'; id: string } | undefined {
  if (typeof block !== 'object' || block === null) return undefined;
  const { type, id, tool_use_id: toolUseId } = block as Record<string, unknown>;
  if (type === 'tool_use' && typeof id === 'string') return { key: 'id', id };
  if (type === 'tool_result' && typeof toolUseId === 'string') return { key: 'tool_use_id', id: toolUseId };
  return undefined;
}

/**
 * A Messages history with every tool_use id and tool_result tool_use_id valid for Anthropic
 * (`^[a-zA-Z0-9_-]+$`); the same array when none had to change. Takes the typed messages the
 * OpenAI translator builds as well as a client's raw Messages body.
 */
export function withAnthropicToolIds<T extends LooseMessage>(messages: T[]): T[] {
  const ids: string[] = [];
  for (const message of messages) {
    if (!Array.isArray(message.content)) continue;
    for (const block of message.content) {
      const found = blockId(block);
      if (found) ids.push(found.id);
    }
  }
  const map = new ToolIdMap(IDENTIFIER_RULES.anthropic.toolCallId, ids);
  if (!map.rewritesAny) return messages;
  return messages.map((message) => {
    if (!Array.isArray(message.content)) return message;
    const content: unknown[] = message.content.map((block: unknown) => {
      const found = blockId(block);
      return found ? { ...(block as object), [found.key]: map.providerId(found.id) } : block;
    });
    return { ...message, content };
  });
}

/** withAnthropicToolIds for a client's raw `messages` value; anything but an array is returned as it is. */
export function withAnthropicToolIdsIn(messages: unknown): unknown {
  return Array.isArray(messages) ? withAnthropicToolIds(messages as LooseMessage[]) : messages;
}

/** A chat message as the client sent it: `tool_calls[].id` on assistant turns, `tool_call_id` on tool turns. */
type LooseChatMessage = { readonly tool_calls?: unknown; readonly tool_call_id?: unknown };

function chatIds(message: LooseChatMessage): string[] {
  const ids = typeof message.tool_call_id === 'string' ? [message.tool_call_id] : [];
  if (!Array.isArray(message.tool_calls)) return ids;
  for (const call of message.tool_calls) {
    const id = typeof call === 'object' && call !== null ? (call as { id?: unknown }).id : undefined;
    if (typeof id === 'string') ids.push(id);
  }
  return ids;
}

/**
 * An OpenAI chat history with every tool-call id within OpenAI's limit (40 characters: the
 * API's own 400 "string too long", see identifier-rules.ts); the same array when none had
 * to change. Ids made for other providers (Gemini ids carrying thought signatures) exceed it.
 */
export function withOpenAIToolIds<T extends object>(messages: T[]): T[] {
  const loose = messages as readonly LooseChatMessage[];
  const map = new ToolIdMap(IDENTIFIER_RULES.openai.toolCallId, loose.flatMap((message) => (typeof message === 'object' && message !== null ? chatIds(message) : [])));
  if (!map.rewritesAny) return messages;
  return loose.map((message) => {
    if (typeof message !== 'object' || message === null) return message;
    const copy: Record<string, unknown> = { ...message };
    if (typeof message.tool_call_id === 'string') copy.tool_call_id = map.providerId(message.tool_call_id);
    if (Array.isArray(message.tool_calls)) {
      copy.tool_calls = message.tool_calls.map((call: unknown) => {
        const id = typeof call === 'object' && call !== null ? (call as { id?: unknown }).id : undefined;
        return typeof id === 'string' ? { ...(call as object), id: map.providerId(id) } : call;
      });
    }
    return copy;
  }) as T[];
}

/** withOpenAIToolIds for a client's raw `messages` value; anything but an array is returned as it is. */
export function withOpenAIToolIdsIn(messages: unknown): unknown {
  return Array.isArray(messages) ? withOpenAIToolIds(messages as object[]) : messages;
}
