import { invalidRequest } from '../errors';

/**
 * OpenAI's embeddings `input` as texts, for providers that take text only: a string or a
 * non-empty array of non-empty strings. Token-id arrays (which OpenAI accepts) are a 400
 * naming the backend kind, since only OpenAI's own tokenizer gives them meaning.
 */
export function embeddingTexts(input: unknown, backendKind: string): string[] {
  const texts = typeof input === 'string' ? [input] : input;
  if (!Array.isArray(texts) || texts.length === 0) throw invalidRequest('input must be a non-empty string or a non-empty array of strings.', 'input');
  return texts.map((text: unknown, index) => {
    const param = typeof input === 'string' ? 'input' : `input[${index}]`;
    if (typeof text === 'number' || Array.isArray(text)) {
      throw invalidRequest(`input: token arrays cannot be sent to a ${backendKind} backend; send the text instead.`, 'input', 'unsupported_value');
    }
    if (typeof text !== 'string') throw invalidRequest(`${param} must be a string.`, param);
    if (text === '') throw invalidRequest(`${param} must not be empty.`, param);
    return text;
  });
}
