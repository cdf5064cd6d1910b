/**
 * Claude's rule for a request that continues an assistant turn (a tool loop, or a prefill)
 * with thinking on: "When `thinking` is enabled, a final `assistant` message must start with a
 * thinking block (preceeding the lastmost set of `tool_use` and `tool_result` blocks)"
 * (Anthropic's 400, extended-thinking guide; Claude on Bedrock and Vertex AI answer the same).
 * A history another provider wrote has no signed thinking block to put there, so after a
 * change of provider mid-loop the only request Claude accepts is one without thinking.
 */

/** The warning for a thinking request that had to go without thinking. */
export const THINKING_NEEDS_SIGNED_TURN_WARNING =
  'dropped thinking: the assistant turn this request continues has no signed thinking block (another provider wrote it), and Claude requires one when thinking is on';

type Loose = Record<string, unknown>;

function isRecord(value: unknown): value is Loose {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** True for a user message that only carries tool results (it continues the assistant's turn). */
function onlyToolResults(message: Loose): boolean {
  return Array.isArray(message.content) && message.content.length > 0 && message.content.every((block) => isRecord(block) && block.type === 'tool_result');
}

/**
 * The assistant message a Messages history continues — the last assistant message when no
 * user message of the client's own (one that is not only tool results) follows it — or
 * undefined when the request starts a new turn.
 */
export function continuedAssistantMessage(messages: unknown): Loose | undefined {
  if (!Array.isArray(messages)) return undefined;
  for (let index = messages.length - 1; index >= 0; index--) {
    const message: unknown = messages[index];
    if (!isRecord(message)) return undefined;
    if (message.role === 'assistant') return message;
    if (!onlyToolResults(message)) return undefined;
  }
  return undefined;
}

/** True when the first block of an assistant message is a thinking or redacted_thinking block. */
function startsWithThinking(message: Loose): boolean {
  const first: unknown = Array.isArray(message.content) ? message.content[0] : undefined;
  return isRecord(first) && (first.type === 'thinking' || first.type === 'redacted_thinking');
}

/** True when thinking is asked for (`enabled` or `adaptive`; not `disabled`). */
export function asksForThinking(thinking: unknown): boolean {
  return isRecord(thinking) && thinking.type !== 'disabled';
}

/**
 * True when Claude would refuse this Messages history with thinking on: it continues an
 * assistant turn that does not start with a thinking block. Call it on the messages as they
 * will be sent (unsigned thinking blocks already dropped).
 */
export function thinkingCannotContinue(messages: unknown): boolean {
  const continued = continuedAssistantMessage(messages);
  return continued !== undefined && !startsWithThinking(continued);
}
