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
  /** The characters the first one may be (a character class body), when narrower than `allowed`. */
  readonly first?: string;
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
    // The limit was 64 ("^[a-zA-Z0-9_-]{1,64}$" in 400s reported until 2025); the API now
    // answers "tools.N.custom.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'".
    toolName: { allowed: 'a-zA-Z0-9_-', minLength: 1, maxLength: 128, source: "Anthropic Messages API 400 error text (tools.N.custom.name: '^[a-zA-Z0-9_-]{1,128}$')", confirmed: false },
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
    // The first character: Vertex AI's FunctionDeclaration reference ("Must start with a letter or
    // an underscore") and the Gemini API's own 400 ("Invalid function name. Must start with a
    // letter or an underscore."); the Gemini API reference page leaves it out.
    toolName: {
      allowed: 'a-zA-Z0-9_.:-',
      first: 'a-zA-Z_',
      minLength: 1,
      maxLength: 64,
      source: 'https://ai.google.dev/api/caching#FunctionDeclaration (name: a-z, A-Z, 0-9, _, :, . and -, at most 64); first character: Vertex AI FunctionDeclaration reference',
      confirmed: true,
    },
  },
} as const satisfies Record<IdentifierProvider, Partial<Record<IdentifierKind, IdentifierRule>>>;

interface RulePatterns {
  readonly whole: RegExp;
  readonly disallowed: RegExp;
  /** Matches a value whose first character the rule allows; undefined when any allowed character may start it. */
  readonly start?: RegExp;
}

/** Each rule's patterns, compiled once: every tool call of every request is checked. */
const compiled = new WeakMap<IdentifierRule, RulePatterns>();

function patterns(rule: IdentifierRule): RulePatterns {
  let found = compiled.get(rule);
  if (!found) {
    found = {
      whole: new RegExp(`^[${rule.allowed}]*$`),
      disallowed: new RegExp(`[^${rule.allowed}]`, 'g'),
      start: rule.first === undefined ? undefined : new RegExp(`^[${rule.first}]`),
    };
    compiled.set(rule, found);
  }
  return found;
}

/** True when `value` satisfies `rule`. */
export function isValidIdentifier(rule: IdentifierRule, value: string): boolean {
  if (value.length < rule.minLength) return false;
  if (rule.maxLength !== undefined && value.length > rule.maxLength) return false;
  const { whole, start } = patterns(rule);
  if (!whole.test(value) || (start !== undefined && value !== '' && !start.test(value))) return false;
  // Bedrock document names: "whitespace characters (no more than one in a row)".
  return !(rule.allowed.includes(' ') && /\s{2}/.test(value));
}

/** `value` with every character the rule does not allow replaced by `_`. */
export function replaceDisallowed(rule: IdentifierRule, value: string): string {
  return value.replace(patterns(rule).disallowed, '_');
}

/** True when the rule lets `value` start with its first character (any value, for a rule without `first`). */
export function startsValid(rule: IdentifierRule, value: string): boolean {
  const { start } = patterns(rule);
  return start === undefined || start.test(value);
}
