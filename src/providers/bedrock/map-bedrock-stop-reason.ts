import type { OpenAIFinishReason } from '../anthropic/openai-chat-types';

/**
 * A Converse `stopReason` (Converse reference, response `stopReason`: end_turn | tool_use |
 * max_tokens | stop_sequence | guardrail_intervened | content_filtered) as an OpenAI
 * finish_reason. Anything new or missing reads as `stop`, unless tool calls were made.
 */
export function mapBedrockStopReason(stopReason: unknown, madeToolCalls: boolean): OpenAIFinishReason {
  switch (stopReason) {
    case 'max_tokens':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'guardrail_intervened':
    case 'content_filtered':
      return 'content_filter';
    default:
      return madeToolCalls ? 'tool_calls' : 'stop';
  }
}
