import type { BedrockMessage } from './bedrock/bedrock-types';
import { IdentifierMap } from './identifier-map';
import { IDENTIFIER_RULES } from './identifier-rules';

/*
 * Tool-call ids of a history rewritten for one backend (IdentifierMap). Responses of chat
 * completions and Messages carry only the provider's own new ids (never an id of the
 * request), so ids need no mapping back.
 */

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
  const map = new IdentifierMap(IDENTIFIER_RULES.bedrock.toolCallId, bedrockIds(messages));
  if (!map.rewritesAny) return messages;
  return messages.map((message) => ({
    ...message,
    content: message.content.map((block) => {
      if ('toolUse' in block) return { toolUse: { ...block.toolUse, toolUseId: map.providerValue(block.toolUse.toolUseId) } };
      if ('toolResult' in block) return { toolResult: { ...block.toolResult, toolUseId: map.providerValue(block.toolResult.toolUseId) } };
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
  const map = new IdentifierMap(IDENTIFIER_RULES.anthropic.toolCallId, ids);
  if (!map.rewritesAny) return messages;
  return messages.map((message) => {
    if (!Array.isArray(message.content)) return message;
    const content: unknown[] = message.content.map((block: unknown) => {
      const found = blockId(block);
      return found ? { ...(block as object), [found.key]: map.providerValue(found.id) } : block;
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
  const map = new IdentifierMap(IDENTIFIER_RULES.openai.toolCallId, loose.flatMap((message) => (typeof message === 'object' && message !== null ? chatIds(message) : [])));
  if (!map.rewritesAny) return messages;
  return loose.map((message) => {
    if (typeof message !== 'object' || message === null) return message;
    const copy: Record<string, unknown> = { ...message };
    if (typeof message.tool_call_id === 'string') copy.tool_call_id = map.providerValue(message.tool_call_id);
    if (Array.isArray(message.tool_calls)) {
      copy.tool_calls = message.tool_calls.map((call: unknown) => {
        const id = typeof call === 'object' && call !== null ? (call as { id?: unknown }).id : undefined;
        return typeof id === 'string' ? { ...(call as object), id: map.providerValue(id) } : call;
      });
    }
    return copy;
  }) as T[];
}

/** withOpenAIToolIds for a client's raw `messages` value; anything but an array is returned as it is. */
export function withOpenAIToolIdsIn(messages: unknown): unknown {
  return Array.isArray(messages) ? withOpenAIToolIds(messages as object[]) : messages;
}
