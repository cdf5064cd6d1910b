/**
 * The tool (function) name checks each provider's API makes on a request's tool declarations
 * and history, so that a name another provider allows (`github.create_issue`, `ns:tool`, 65+
 * characters, `2fa_check` for Gemini) fails a test here as it fails against the real API. The
 * rules are the gateway's own table (src/providers/identifier-rules.ts, each with its source);
 * the messages follow each API's wording where it is known: OpenAI "Invalid
 * 'tools[0].function.name': string does not match pattern …", Anthropic "tools.0.custom.name:
 * String should match pattern …", Bedrock's "1 validation error detected …", Gemini "Invalid
 * function name. …". Where only the tool list's wording is known, history names get the same
 * wording at their own path (the fake's, not confirmed).
 */
import { IDENTIFIER_RULES, isValidIdentifier } from '../providers/identifier-rules';
import type { IdentifierRule } from '../providers/identifier-rules';
import { isRecord } from './tokens';

/** One name found in a request, with the path to it in the API's own notation. */
interface FoundName {
  readonly value: string;
  readonly at: string;
}

/** A name at `at` when `holder[key]` is a string. */
function nameAt(holder: unknown, key: string, at: string): FoundName[] {
  return isRecord(holder) && typeof holder[key] === 'string' ? [{ value: holder[key], at }] : [];
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function firstBroken(rule: IdentifierRule, names: readonly FoundName[]): FoundName | undefined {
  return names.find((name) => !isValidIdentifier(rule, name.value));
}

/** Chat completions: tool names and the history's tool-call names. */
function chatNames(json: Record<string, unknown>): FoundName[] {
  const names = list(json.tools).flatMap((tool, index) => nameAt(isRecord(tool) ? tool.function : undefined, 'name', `tools[${index}].function.name`));
  list(json.messages).forEach((message, index) => {
    list(isRecord(message) ? message.tool_calls : undefined).forEach((call, callIndex) => {
      names.push(...nameAt(isRecord(call) ? call.function : undefined, 'name', `messages[${index}].tool_calls[${callIndex}].function.name`));
    });
  });
  return names;
}

/** Responses API: function tools and the input's function_call items. */
function responsesNames(json: Record<string, unknown>): FoundName[] {
  const names = list(json.tools).flatMap((tool, index) => (isRecord(tool) && tool.type === 'function' ? nameAt(tool, 'name', `tools[${index}].name`) : []));
  list(json.input).forEach((item, index) => {
    if (isRecord(item) && item.type === 'function_call') names.push(...nameAt(item, 'name', `input[${index}].name`));
  });
  return names;
}

/**
 * OpenAI's 400 message for the first tool name outside 1–64 of `[a-zA-Z0-9_-]` (chat
 * completions, or the Responses API when `responses`), with the parameter it names;
 * undefined when every name passes.
 */
export function openAIToolNameViolation(json: Record<string, unknown>, responses = false): { message: string; param: string; code: string } | undefined {
  const rule = IDENTIFIER_RULES.openai.toolName;
  const bad = firstBroken(rule, responses ? responsesNames(json) : chatNames(json));
  if (!bad) return undefined;
  if (bad.value.length > rule.maxLength) {
    return {
      message: `Invalid '${bad.at}': string too long. Expected a string with maximum length ${rule.maxLength}, but got a string with length ${bad.value.length} instead.`,
      param: bad.at,
      code: 'string_above_max_length',
    };
  }
  const pattern = `^[${rule.allowed}]+$`;
  return { message: `Invalid '${bad.at}': string does not match pattern. Expected a string that matches the pattern '${pattern}'.`, param: bad.at, code: 'invalid_value' };
}

/** Anthropic's invalid_request_error message for the first tool name outside `^[a-zA-Z0-9_-]{1,128}$` (tools, then tool_use blocks). */
export function anthropicToolNameViolation(json: Record<string, unknown>): string | undefined {
  const rule = IDENTIFIER_RULES.anthropic.toolName;
  // Server tools (`{"type":"web_search_20250305","name":"web_search"}`) have fixed names; custom tools are checked.
  const names = list(json.tools).flatMap((tool, index) => (isRecord(tool) && (tool.type === undefined || tool.type === 'custom') ? nameAt(tool, 'name', `tools.${index}.custom.name`) : []));
  list(json.messages).forEach((message, index) => {
    list(isRecord(message) ? message.content : undefined).forEach((block, blockIndex) => {
      if (isRecord(block) && block.type === 'tool_use') names.push(...nameAt(block, 'name', `messages.${index}.content.${blockIndex}.tool_use.name`));
    });
  });
  const bad = firstBroken(rule, names);
  return bad ? `${bad.at}: String should match pattern '^[${rule.allowed}]{${rule.minLength},${rule.maxLength}}$'` : undefined;
}

/** Bedrock Converse's ValidationException message for the first toolSpec, toolChoice or toolUse name outside 1–64 of `[a-zA-Z0-9_-]`. */
export function bedrockToolNameViolation(json: Record<string, unknown>): string | undefined {
  const rule = IDENTIFIER_RULES.bedrock.toolName;
  const config = isRecord(json.toolConfig) ? json.toolConfig : {};
  const names = list(config.tools).flatMap((tool, index) => nameAt(isRecord(tool) ? tool.toolSpec : undefined, 'name', `toolConfig.tools.${index + 1}.member.toolSpec.name`));
  names.push(...nameAt(isRecord(config.toolChoice) ? config.toolChoice.tool : undefined, 'name', 'toolConfig.toolChoice.tool.name'));
  list(json.messages).forEach((message, index) => {
    list(isRecord(message) ? message.content : undefined).forEach((block, blockIndex) => {
      names.push(...nameAt(isRecord(block) ? block.toolUse : undefined, 'name', `messages.${index + 1}.member.content.${blockIndex + 1}.member.toolUse.name`));
    });
  });
  const bad = firstBroken(rule, names);
  if (!bad) return undefined;
  const constraint =
    bad.value.length > rule.maxLength
      ? `Member must have length less than or equal to ${rule.maxLength}`
      : bad.value.length < rule.minLength
        ? `Member must have length greater than or equal to ${rule.minLength}`
        : `Member must satisfy regular expression pattern: [${rule.allowed}]+`;
  return `1 validation error detected: Value '${bad.value}' at '${bad.at}' failed to satisfy constraint: ${constraint}`;
}

/** Gemini's INVALID_ARGUMENT message for the first function declaration, functionCall or functionResponse name it refuses. */
export function geminiToolNameViolation(json: Record<string, unknown>): string | undefined {
  const names: FoundName[] = [];
  list(json.tools).forEach((tool, index) => {
    list(isRecord(tool) ? tool.functionDeclarations : undefined).forEach((declaration, declarationIndex) => {
      names.push(...nameAt(declaration, 'name', `GenerateContentRequest.tools[${index}].function_declarations[${declarationIndex}].name`));
    });
  });
  list(json.contents).forEach((content, index) => {
    list(isRecord(content) ? content.parts : undefined).forEach((part, partIndex) => {
      if (!isRecord(part)) return;
      names.push(...nameAt(part.functionCall, 'name', `GenerateContentRequest.contents[${index}].parts[${partIndex}].function_call.name`));
      names.push(...nameAt(part.functionResponse, 'name', `GenerateContentRequest.contents[${index}].parts[${partIndex}].function_response.name`));
    });
  });
  const bad = firstBroken(IDENTIFIER_RULES.gemini.toolName, names);
  return bad
    ? `* ${bad.at}: Invalid function name. Must start with a letter or an underscore. Must be alphameric (a-z, A-Z, 0-9), underscores (_), dots (.), colons (:), or dashes (-), with a maximum length of 64.\n`
    : undefined;
}
