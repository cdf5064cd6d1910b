import { toOpenAIUsage } from '../anthropic/convert-anthropic-usage';
import { isRecord } from '../anthropic/json-guards';
import type { OpenAIAssistantMessage, OpenAIChatCompletion, OpenAIToolCall } from '../anthropic/openai-chat-types';
import type { TokenUsage } from '../usage';
import { readBedrockUsage } from './bedrock-usage';
import { mapBedrockStopReason } from './map-bedrock-stop-reason';

/** What the response needs besides the Bedrock body. */
export interface BedrockResponseContext {
  readonly id: string;
  readonly created: number;
  /** The model the client asked for: Converse names none in its response. */
  readonly model: string;
}

/** A translated response and the usage it reported (undefined when it had none). */
export interface ConvertedBedrockResponse {
  body: OpenAIChatCompletion;
  usage: TokenUsage | undefined;
}

/** The text of a reasoningContent block (ReasoningContentBlock reference: `reasoningText.text`). */
function reasoningText(block: Record<string, unknown>): string | undefined {
  const content = block.reasoningContent;
  if (!isRecord(content) || !isRecord(content.reasoningText)) return undefined;
  return typeof content.reasoningText.text === 'string' ? content.reasoningText.text : undefined;
}

function readMessage(output: unknown): OpenAIAssistantMessage {
  const message = isRecord(output) && isRecord(output.message) ? output.message : {};
  const blocks = (Array.isArray(message.content) ? message.content : []).filter(isRecord);
  const texts: string[] = [];
  const reasoning: string[] = [];
  const toolCalls: OpenAIToolCall[] = [];
  for (const block of blocks) {
    const thought = reasoningText(block);
    if (typeof block.text === 'string') texts.push(block.text);
    else if (thought !== undefined) reasoning.push(thought);
    else if (isRecord(block.toolUse)) {
      const { toolUseId, name, input } = block.toolUse;
      toolCalls.push({
        id: typeof toolUseId === 'string' ? toolUseId : '',
        type: 'function',
        function: { name: typeof name === 'string' ? name : '', arguments: JSON.stringify(isRecord(input) ? input : {}) },
      });
    }
    // Images, documents and citations have no OpenAI counterpart in an assistant message.
  }
  return {
    role: 'assistant',
    content: texts.length > 0 ? texts.join('') : null,
    ...(reasoning.length > 0 ? { reasoning_content: reasoning.join('') } : {}),
    refusal: null,
    ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
  };
}

/**
 * A Converse response (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html#API_runtime_Converse_ResponseSyntax)
 * as an OpenAI `chat.completion`. Undefined for a body that is not one (no `output`).
 */
export function convertBedrockResponse(response: unknown, context: BedrockResponseContext): ConvertedBedrockResponse | undefined {
  if (!isRecord(response) || !isRecord(response.output)) return undefined;
  const message = readMessage(response.output);
  const usage = readBedrockUsage(response.usage);
  const body: OpenAIChatCompletion = {
    id: context.id,
    object: 'chat.completion',
    created: context.created,
    model: context.model,
    system_fingerprint: null,
    choices: [{ index: 0, message, logprobs: null, finish_reason: mapBedrockStopReason(response.stopReason, message.tool_calls !== undefined) }],
    ...(usage ? { usage: toOpenAIUsage(usage) } : {}),
  };
  return { body, usage };
}
