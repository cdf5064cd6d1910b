import type { OpenAIFinishReason } from '../anthropic/openai-chat-types';

/** Gemini's safety-style stops: the answer was withheld or cut by a filter. */
const FILTERED = new Set(['SAFETY', 'RECITATION', 'BLOCKLIST', 'PROHIBITED_CONTENT', 'SPII', 'IMAGE_SAFETY']);

/**
 * Gemini `finishReason` (https://ai.google.dev/api/generate-content#FinishReason) → OpenAI
 * `finish_reason`. Gemini ends a turn that calls functions with STOP, so a candidate that
 * holds function calls reads as `tool_calls`. Anything unknown or missing is a plain stop.
 */
export function mapGeminiFinishReason(finishReason: unknown, hasToolCalls: boolean): OpenAIFinishReason {
  if (finishReason === 'MAX_TOKENS') return 'length';
  if (typeof finishReason === 'string' && FILTERED.has(finishReason)) return 'content_filter';
  return hasToolCalls ? 'tool_calls' : 'stop';
}
