/**
 * What each provider accepts in the identifiers a conversation history carries, written down
 * from each provider's API reference so that a history written by one provider can be made
 * valid for another before a (failover) attempt sends it there.
 *
 * Each rule names its source and whether that source is the provider's own reference
 * (`confirmed`) or only the provider's error text, SDK docs or a conservative guess
 * (`unconfirmed`); docs/architecture.md lists the same.
 */

/** The providers a history can be sent to. */
export type IdentifierProvider = 'bedrock' | 'anthropic' | 'openai' | 'gemini';

/** The kinds of identifier a history carries. */
export type IdentifierKind = 'toolCallId' | 'toolName' | 'documentName';

/** One provider's rule for one kind of identifier. */
export interface IdentifierRule {
  /** The characters allowed, as a character class body (`a-zA-Z0-9_-`); anchored by the check. */
  readonly allowed: string;
  readonly minLength: number;
  /** Undefined: no documented maximum. */
  readonly maxLength?: number;
  /** Where the rule was read. */
  readonly source: string;
  /** True when read in the provider's own API reference. */
  readonly confirmed: boolean;
}

const BEDROCK_REFERENCE = 'https://docs.aws.amazon.com/bedrock/latest/APIReference';

/**
 * The rules. Bedrock's reference shows `[a-zA-Z0-9_.:-]+` for toolUseId on some pages
 * (ToolUseBlockStart .md, ToolResultBlockStart) and `[a-zA-Z0-9_-]+` on ToolUseBlock; the
 * narrower one is kept, since a request must pass whichever the service enforces.
 */
export const IDENTIFIER_RULES = {
  bedrock: {
    toolCallId: { allowed: 'a-zA-Z0-9_-', minLength: 1, maxLength: 64, source: `${BEDROCK_REFERENCE}/API_runtime_ToolUseBlock.html (toolUseId)`, confirmed: true },
    toolName: { allowed: 'a-zA-Z0-9_-', minLength: 1, maxLength: 64, source: `${BEDROCK_REFERENCE}/API_runtime_ToolUseBlock.html (name)`, confirmed: true },
    // Single whitespace only (no two in a row): checked apart, see isValidIdentifier.
    documentName: { allowed: 'a-zA-Z0-9 ()\\[\\]-', minLength: 1, maxLength: 200, source: `${BEDROCK_REFERENCE}/API_runtime_DocumentBlock.html (name)`, confirmed: true },
  },
  anthropic: {
    // Anthropic's reference pages do not print the pattern; the API's own 400 does:
    // "messages.N.content.M.tool_use.id: String should match pattern '^[a-zA-Z0-9_-]+$'".
    toolCallId: { allowed: 'a-zA-Z0-9_-', minLength: 1, source: 'Anthropic Messages API 400 error text (not in the reference page)', confirmed: false },
    toolName: { allowed: 'a-zA-Z0-9_-', minLength: 1, maxLength: 64, source: 'https://docs.anthropic.com/en/api/messages (tools.name: ^[a-zA-Z0-9_-]{1,64}$)', confirmed: false },
  },
  openai: {
    // No pattern is documented for tool-call ids (any characters pass). The API has answered
    // "Invalid 'messages[N].tool_calls[0].id': string too long. Expected a string with maximum
    // length 40" (code string_above_max_length, reported 2025); a 2026 live test passed 51
    // characters. Kept at 40: a rewritten id costs the client nothing.
    toolCallId: { allowed: '\\s\\S', minLength: 1, maxLength: 40, source: 'OpenAI chat completions 400 error text (reference: tool_calls[].id is a plain string)', confirmed: false },
    toolName: { allowed: 'a-zA-Z0-9_-', minLength: 1, maxLength: 64, source: 'https://platform.openai.com/docs/api-reference/chat/create (function.name: a-z, A-Z, 0-9, _ and -, at most 64)', confirmed: true },
  },
  gemini: {
    // FunctionCall.id has no documented pattern or length; the gateway writes its own ids.
    toolCallId: { allowed: '\\s\\S', minLength: 1, source: 'Gemini API reference: FunctionCall.id is an optional string, no pattern', confirmed: false },
    toolName: { allowed: 'a-zA-Z0-9_.:-', minLength: 1, maxLength: 64, source: 'https://ai.google.dev/api/caching#FunctionDeclaration (name: a-z, A-Z, 0-9, _, :, . and -, at most 64)', confirmed: true },
  },
} as const satisfies Record<IdentifierProvider, Partial<Record<IdentifierKind, IdentifierRule>>>;

/** Each rule's patterns, compiled once: every tool call of every request is checked. */
const compiled = new WeakMap<IdentifierRule, { whole: RegExp; disallowed: RegExp }>();

function patterns(rule: IdentifierRule): { whole: RegExp; disallowed: RegExp } {
  let found = compiled.get(rule);
  if (!found) {
    found = { whole: new RegExp(`^[${rule.allowed}]*$`), disallowed: new RegExp(`[^${rule.allowed}]`, 'g') };
    compiled.set(rule, found);
  }
  return found;
}

/** True when `value` satisfies `rule`. */
export function isValidIdentifier(rule: IdentifierRule, value: string): boolean {
  if (value.length < rule.minLength) return false;
  if (rule.maxLength !== undefined && value.length > rule.maxLength) return false;
  if (!patterns(rule).whole.test(value)) return false;
  // Bedrock document names: "whitespace characters (no more than one in a row)".
  return !(rule.allowed.includes(' ') && /\s{2}/.test(value));
}

/** `value` with every character the rule does not allow replaced by `_`. */
export function replaceDisallowed(rule: IdentifierRule, value: string): string {
  return value.replace(patterns(rule).disallowed, '_');
}
