/**
 * Constants and the word-count "tokenizer" shared by the OpenAI and Anthropic defaults, kept
 * apart from behaviours.ts so that both default modules can import them without an import cycle.
 */

/** The completion token count reported for every chat completion and Anthropic message. */
export const FAKE_COMPLETION_TOKENS = 4;
/** Model echoed when a request names none. */
export const DEFAULT_MODEL = 'fake-model';

/** True for plain JSON objects (not null, not arrays). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Number of whitespace-separated words; the fake's stand-in for a tokenizer. */
export function countWords(text: string): number {
  const trimmed = text.trim();
  return trimmed === '' ? 0 : trimmed.split(/\s+/).length;
}

/**
 * Words in a message content: a string, or the `text` of its `{type:'text'}` parts.
 * Both APIs use this shape (OpenAI content parts, Anthropic content blocks and `system`).
 */
export function contentWords(content: unknown): number {
  if (typeof content === 'string') return countWords(content);
  if (!Array.isArray(content)) return 0;
  let words = 0;
  for (const part of content) {
    if (isRecord(part) && part.type === 'text' && typeof part.text === 'string') words += countWords(part.text);
  }
  return words;
}

/** Prompt tokens = words in string contents and text parts + 3 per message (OpenAI-like overhead). */
export function chatPromptTokens(messages: unknown): number {
  if (!Array.isArray(messages)) return 0;
  let words = 0;
  for (const message of messages) {
    if (isRecord(message)) words += contentWords(message.content);
  }
  return words + 3 * messages.length;
}
