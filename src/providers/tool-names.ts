import type { ClientApi } from '../api/client-request';
import type { RuntimeBackend } from '../config/runtime';
import { IDENTIFIER_RULES } from './identifier-rules';
import type { IdentifierRule } from './identifier-rules';
import { isClaudeModel } from './vertex/on-vertex';

/**
 * Tool (function) names in a client's request body, in each client API's places: the tool
 * declarations, a named tool_choice, and the history's tool calls. Names are rewritten at the
 * client's format, before translation: every translator carries a name over unchanged, so a
 * name valid for the backend here is valid in the body the translator builds (and Gemini's
 * functionResponse.name, which the translation takes from the call it answers, follows).
 */

type Rename = (name: string) => string;
type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `record` with its string `key` renamed; the same object when there is nothing to rename. */
function renamed(record: unknown, key: string, rename: Rename): unknown {
  if (!isRecord(record) || typeof record[key] !== 'string') return record;
  const name = rename(record[key]);
  return name === record[key] ? record : { ...record, [key]: name };
}

/** `record` with `record[key]` replaced by `change(record[key])`; the same object when that changed nothing. */
function within(record: unknown, key: string, change: (value: unknown) => unknown): unknown {
  if (!isRecord(record) || !(key in record)) return record;
  const value = change(record[key]);
  return value === record[key] ? record : { ...record, [key]: value };
}

/** An array with each item changed; the same array when no item changed. */
function eachOf(value: unknown, change: (item: unknown) => unknown): unknown {
  if (!Array.isArray(value)) return value;
  const items = value.map(change);
  return items.some((item, index) => item !== value[index]) ? items : value;
}

/** `{ function: { name } }`: a chat tool, named tool_choice, tool call. */
const chatFunction = (rename: Rename) => (item: unknown) => within(item, 'function', (called) => renamed(called, 'name', rename));

function chatMessage(message: unknown, rename: Rename): unknown {
  let changed = within(message, 'tool_calls', (calls) => eachOf(calls, chatFunction(rename)));
  // The deprecated function-calling fields: an assistant's function_call and a `function` message's name.
  changed = within(changed, 'function_call', (call) => renamed(call, 'name', rename));
  return isRecord(changed) && changed.role === 'function' ? renamed(changed, 'name', rename) : changed;
}

function chatBody(body: Json, rename: Rename): Json {
  let changed: unknown = body;
  changed = within(changed, 'tools', (tools) => eachOf(tools, chatFunction(rename)));
  changed = within(changed, 'tool_choice', (choice) => within(chatFunction(rename)(choice), 'allowed_tools', (allowed) => within(allowed, 'tools', (tools) => eachOf(tools, chatFunction(rename)))));
  changed = within(changed, 'functions', (functions) => eachOf(functions, (item) => renamed(item, 'name', rename)));
  changed = within(changed, 'function_call', (call) => renamed(call, 'name', rename));
  changed = within(changed, 'messages', (messages) => eachOf(messages, (message) => chatMessage(message, rename)));
  return changed as Json;
}

function messagesBody(body: Json, rename: Rename): Json {
  let changed: unknown = body;
  changed = within(changed, 'tools', (tools) => eachOf(tools, (tool) => renamed(tool, 'name', rename)));
  changed = within(changed, 'tool_choice', (choice) => (isRecord(choice) && choice.type === 'tool' ? renamed(choice, 'name', rename) : choice));
  const block = (item: unknown): unknown => (isRecord(item) && item.type === 'tool_use' ? renamed(item, 'name', rename) : item);
  changed = within(changed, 'messages', (messages) => eachOf(messages, (message) => within(message, 'content', (content) => eachOf(content, block))));
  return changed as Json;
}

function responsesBody(body: Json, rename: Rename): Json {
  const named = (type: string) => (item: unknown) => (isRecord(item) && item.type === type ? renamed(item, 'name', rename) : item);
  let changed: unknown = body;
  changed = within(changed, 'tools', (tools) => eachOf(tools, named('function')));
  changed = within(changed, 'tool_choice', (choice) => within(named('function')(choice), 'tools', (tools) => eachOf(tools, named('function'))));
  changed = within(changed, 'input', (input) => eachOf(input, named('function_call')));
  return changed as Json;
}

/** The body with every tool name passed through `rename`; the same object when none changed. */
export function renameRequestTools(api: ClientApi, body: Json, rename: Rename): Json {
  switch (api) {
    case 'openai-chat':
      return chatBody(body, rename);
    case 'anthropic-messages':
      return messagesBody(body, rename);
    case 'openai-responses':
      return responsesBody(body, rename);
    case 'openai-completions':
    case 'openai-embeddings':
      return body;
  }
}

/** Every tool name of a request body (declared, chosen or called in its history), in order, repeats included. */
export function requestToolNames(api: ClientApi, body: Json): string[] {
  const names: string[] = [];
  renameRequestTools(api, body, (name) => {
    names.push(name);
    return name;
  });
  return names;
}

/**
 * The tool-name rule of the API an attempt's backend speaks: Claude on Bedrock InvokeModel and
 * on Vertex AI takes the Messages API body, so Anthropic's rule; Gemini on Vertex, Gemini's.
 */
export function toolNameRule(backend: RuntimeBackend, model: string): IdentifierRule {
  switch (backend.kind) {
    case 'openai':
    case 'azure-openai':
      return IDENTIFIER_RULES.openai.toolName;
    case 'anthropic':
      return IDENTIFIER_RULES.anthropic.toolName;
    case 'gemini':
      return IDENTIFIER_RULES.gemini.toolName;
    case 'bedrock':
      return backend.bedrockApi === 'invoke' ? IDENTIFIER_RULES.anthropic.toolName : IDENTIFIER_RULES.bedrock.toolName;
    case 'vertex':
      return isClaudeModel(model) ? IDENTIFIER_RULES.anthropic.toolName : IDENTIFIER_RULES.gemini.toolName;
  }
}
