import type { OpenAIFinishReason } from './openai-chat-types';

/**
 * Anthropic `stop_reason` → OpenAI `finish_reason` (stop reasons: Messages API reference,
 * "Handling stop reasons"). `pause_turn` (a server tool paused a long turn) ends this
 * response like a normal stop; `refusal` is Anthropic's safety stop; a full context window
 * cut the answer short like max_tokens. Anything unknown or missing reads as a plain stop.
 */
export function mapAnthropicFinishReason(stopReason: unknown): OpenAIFinishReason {
  switch (stopReason) {
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'refusal':
      return 'content_filter';
    default:
      // end_turn, stop_sequence, pause_turn, null and future reasons.
      return 'stop';
  }
}
