/**
 * The reasoning rules Claude applies to a history (Anthropic Messages API, and Claude on
 * Bedrock, which answers with the same text inside a ValidationException), so that a history
 * another provider wrote fails a test here as it fails against the real API. Messages are
 * Anthropic's 400 texts as clients have reported them.
 */
import { isFakeThinkingSignature } from './signatures';
import { isRecord } from './tokens';

const CONTINUED_TURN_RULE =
  'When `thinking` is enabled, a final `assistant` message must start with a thinking block (preceeding the lastmost set of `tool_use` and `tool_result` blocks). We recommend you include thinking blocks from previous turns. To avoid this requirement, disable `thinking`. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking';

/** A block of a history, reduced to what the rules read. */
interface Block {
  readonly type: string;
  readonly thinking?: unknown;
  readonly signature?: unknown;
  /** True for tool results (a user turn of only these continues the assistant's turn). */
  readonly toolResult: boolean;
}

interface Turn {
  readonly role: unknown;
  readonly blocks: readonly Block[];
}

/** Claude's rules over turns read from either API's shape. */
function reasoningViolation(turns: readonly Turn[], thinkingOn: boolean): string | undefined {
  for (const [index, turn] of turns.entries()) {
    if (turn.role !== 'assistant') continue;
    const thinkingAt = turn.blocks.findIndex((block) => block.type === 'thinking' || block.type === 'redacted_thinking');
    if (thinkingAt > 0) return `messages.${index}.content.0: If an assistant message contains any thinking blocks, the first block must be thinking or redacted_thinking. Found ${turn.blocks[0].type}.`;
    for (const [blockIndex, block] of turn.blocks.entries()) {
      if (block.type !== 'thinking') continue;
      if (typeof block.signature !== 'string' || block.signature === '') return `messages.${index}.content.${blockIndex}.thinking.signature: Field required`;
      if (!isFakeThinkingSignature(block.thinking, block.signature)) return `messages.${index}.content.${blockIndex}: Invalid \`signature\` in \`thinking\` block`;
    }
  }
  if (!thinkingOn) return undefined;
  // The turn being continued: the last assistant turn, when only tool results follow it.
  const last = turns.map((turn) => turn.role).lastIndexOf('assistant');
  if (last < 0 || !turns.slice(last + 1).every((turn) => turn.blocks.length > 0 && turn.blocks.every((block) => block.toolResult))) return undefined;
  const first = turns[last].blocks[0]?.type ?? 'nothing';
  if (first === 'thinking' || first === 'redacted_thinking') return undefined;
  return `messages.${last}.content.0.type: Expected \`thinking\` or \`redacted_thinking\`, but found \`${first}\`. ${CONTINUED_TURN_RULE}`;
}

function thinkingOn(thinking: unknown): boolean {
  return isRecord(thinking) && (thinking.type === 'enabled' || thinking.type === 'adaptive');
}

/** Claude's reasoning rules on a Messages body (Anthropic, Bedrock InvokeModel, Vertex AI). */
export function anthropicReasoningViolation(json: Record<string, unknown>): string | undefined {
  if (!Array.isArray(json.messages)) return undefined;
  const turns = json.messages.map((message: unknown): Turn => {
    const content = isRecord(message) ? message.content : undefined;
    const blocks = typeof content === 'string' ? [{ type: 'text', toolResult: false }] : Array.isArray(content) ? content.filter(isRecord) : [];
    return {
      role: isRecord(message) ? message.role : undefined,
      blocks: blocks.map((block) => ({ type: String(block.type), thinking: block.thinking, signature: block.signature, toolResult: block.type === 'tool_result' })),
    };
  });
  return reasoningViolation(turns, thinkingOn(json.thinking));
}

/** A Converse content block's type, in Claude's words (what Bedrock passes to the model). */
function converseBlock(block: Record<string, unknown>): Block {
  const reasoning = block.reasoningContent;
  if (isRecord(reasoning)) {
    if (isRecord(reasoning.reasoningText)) return { type: 'thinking', thinking: reasoning.reasoningText.text, signature: reasoning.reasoningText.signature, toolResult: false };
    return { type: 'redacted_thinking', toolResult: false };
  }
  const type = 'toolUse' in block ? 'tool_use' : 'toolResult' in block ? 'tool_result' : 'text' in block ? 'text' : Object.keys(block)[0] ?? 'nothing';
  return { type, toolResult: type === 'tool_result' };
}

/** Claude's reasoning rules on a Converse body, in the text Bedrock relays from the model; undefined for other models. */
export function converseReasoningViolation(json: Record<string, unknown>, modelId: string): string | undefined {
  if (!modelId.includes('anthropic.claude') || !Array.isArray(json.messages)) return undefined;
  const turns = json.messages.map((message: unknown): Turn => ({
    role: isRecord(message) ? message.role : undefined,
    blocks: isRecord(message) && Array.isArray(message.content) ? message.content.filter(isRecord).filter((block) => !('cachePoint' in block)).map(converseBlock) : [],
  }));
  const fields = json.additionalModelRequestFields;
  const broken = reasoningViolation(turns, thinkingOn(isRecord(fields) ? fields.thinking : undefined));
  return broken === undefined ? undefined : `The model returned the following errors: ${broken}`;
}
