import type { ClientApi } from '../api/client-request';

/**
 * Tool names in an answer, in the client's API: where the provider's name for a tool (rewritten
 * for its rule) is mapped back to the client's. Works on whole bodies and on single stream events
 * alike, since each API's events carry names in the same places as its whole answer:
 * - Chat completions: `choices[].message|delta.tool_calls[].function.name` (and the deprecated
 *   `function_call.name`);
 * - Messages: `content[]` tool_use blocks, a stream's `content_block_start.content_block`;
 * - Responses: `output[]` function_call items, a stream's `item` (output_item.added / .done),
 *   `response.function_call_arguments.done`'s own `name`, and `response.output[]`
 *   (response.completed and the other whole-response events).
 * The parsed value is the caller's own (just parsed), so it is changed in place.
 */

type Json = Record<string, unknown>;
type Original = (name: string) => string;

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function restore(record: unknown, original: Original): void {
  if (isRecord(record) && typeof record.name === 'string') record.name = original(record.name);
}

function each(value: unknown, visit: (item: unknown) => void): void {
  if (Array.isArray(value)) value.forEach(visit);
}

function chatChoice(choice: unknown, original: Original): void {
  if (!isRecord(choice)) return;
  for (const message of [choice.message, choice.delta]) {
    if (!isRecord(message)) continue;
    each(message.tool_calls, (call) => restore(isRecord(call) ? call.function : undefined, original));
    restore(message.function_call, original);
  }
}

function toolUse(block: unknown, original: Original): void {
  if (isRecord(block) && block.type === 'tool_use') restore(block, original);
}

function responsesItem(item: unknown, original: Original): void {
  if (isRecord(item) && item.type === 'function_call') restore(item, original);
}

/** Maps the tool names of one answer or stream event (parsed JSON) back to the client's, in place. */
export function restoreResponseTools(api: ClientApi, value: unknown, original: Original): void {
  if (!isRecord(value)) return;
  switch (api) {
    case 'openai-chat':
      each(value.choices, (choice) => chatChoice(choice, original));
      return;
    case 'anthropic-messages':
      each(value.content, (block) => toolUse(block, original));
      toolUse(value.content_block, original);
      if (isRecord(value.message)) each(value.message.content, (block) => toolUse(block, original));
      return;
    case 'openai-responses':
      each(value.output, (item) => responsesItem(item, original));
      responsesItem(value.item, original);
      // response.function_call_arguments.done names the function at its top level.
      if (value.type === 'response.function_call_arguments.done') restore(value, original);
      if (isRecord(value.response)) each(value.response.output, (item) => responsesItem(item, original));
      return;
    case 'openai-embeddings':
      return;
  }
}
