import { isRecord } from '../anthropic/json-guards';
import type { AnthropicMessageBody, AnthropicOutputBlock, AnthropicStopReason } from '../openai/anthropic-to-openai-types';
import { toAnthropicUsage } from '../openai/convert-openai-response-to-anthropic';
import type { TokenUsage } from '../usage';
import { readBedrockUsage } from './bedrock-usage';

/** What the message needs besides the Converse body, which names neither id nor model. */
export interface AnthropicMessageContext {
  /** `msg_…` id of the message. */
  readonly id: string;
  /** The model the client asked for. */
  readonly model: string;
}

/** A translated response and the usage it reported (undefined when it had none). */
export interface ConvertedBedrockToAnthropic {
  body: AnthropicMessageBody;
  usage: TokenUsage | undefined;
}

/**
 * A Converse `stopReason` (end_turn | tool_use | max_tokens | stop_sequence |
 * guardrail_intervened | content_filtered | model_context_window_exceeded, Converse
 * reference) as an Anthropic stop_reason: the same words but for the filters, which are
 * Anthropic's `refusal`. Anything new or missing reads as end_turn, or tool_use after tool calls.
 */
export function mapBedrockStopReasonToAnthropic(stopReason: unknown, madeToolCalls: boolean): AnthropicStopReason {
  switch (stopReason) {
    case 'max_tokens':
    case 'stop_sequence':
    case 'tool_use':
    case 'end_turn':
    case 'model_context_window_exceeded':
      return stopReason;
    case 'guardrail_intervened':
    case 'content_filtered':
      return 'refusal';
    default:
      return madeToolCalls ? 'tool_use' : 'end_turn';
  }
}

/** Claude on Converse names the stop sequence that matched in additionalModelResponseFields.stop_sequence. */
export function stopSequenceOf(fields: unknown): string | null {
  return isRecord(fields) && typeof fields.stop_sequence === 'string' ? fields.stop_sequence : null;
}

/** A Converse content block (ContentBlock reference) as Anthropic's; undefined for kinds Anthropic has no block for. */
function blockOf(block: Record<string, unknown>): AnthropicOutputBlock | undefined {
  if (typeof block.text === 'string') return { type: 'text', text: block.text };
  if (isRecord(block.toolUse)) {
    const { toolUseId, name, input } = block.toolUse;
    return { type: 'tool_use', id: typeof toolUseId === 'string' ? toolUseId : '', name: typeof name === 'string' ? name : '', input: isRecord(input) ? input : {} };
  }
  const reasoning = block.reasoningContent;
  if (isRecord(reasoning) && typeof reasoning.redactedContent === 'string') return { type: 'redacted_thinking', data: reasoning.redactedContent };
  if (isRecord(reasoning) && isRecord(reasoning.reasoningText)) {
    const { text, signature } = reasoning.reasoningText;
    return { type: 'thinking', thinking: typeof text === 'string' ? text : '', signature: typeof signature === 'string' ? signature : '' };
  }
  // Images, documents, citations content and guardrail assessments have no Anthropic output block.
  return undefined;
}

/**
 * A Converse response (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html#API_runtime_Converse_ResponseSyntax)
 * as an Anthropic message (Messages API reference): reasoning as thinking blocks with their
 * signatures, text, and tool_use blocks, in Bedrock's order. Usage keeps Anthropic's meaning:
 * input_tokens without the cache reads and writes, which Bedrock also reports apart.
 * Undefined for a body that is not a Converse response (no `output`).
 */
export function convertBedrockResponseToAnthropic(response: unknown, context: AnthropicMessageContext): ConvertedBedrockToAnthropic | undefined {
  if (!isRecord(response) || !isRecord(response.output)) return undefined;
  const message = isRecord(response.output.message) ? response.output.message : {};
  const content = (Array.isArray(message.content) ? message.content : [])
    .filter(isRecord)
    .map(blockOf)
    .filter((block): block is AnthropicOutputBlock => block !== undefined);
  const usage = readBedrockUsage(response.usage);
  const body: AnthropicMessageBody = {
    id: context.id,
    type: 'message',
    role: 'assistant',
    model: context.model,
    content,
    stop_reason: mapBedrockStopReasonToAnthropic(response.stopReason, content.some((block) => block.type === 'tool_use')),
    stop_sequence: stopSequenceOf(response.additionalModelResponseFields),
    usage: toAnthropicUsage(usage),
  };
  return { body, usage };
}
