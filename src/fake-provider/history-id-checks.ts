/**
 * The tool-call id checks Bedrock Converse and the Anthropic Messages API make on a history,
 * so that a history another provider wrote fails a test here as it fails against the real API.
 * The rules are the gateway's own table (src/providers/identifier-rules.ts, each with its
 * source); the messages follow each API's wording.
 */
import { IDENTIFIER_RULES } from '../providers/identifier-rules';
import { isRecord } from './tokens';

/** One id found in a history, with where it was found. */
interface FoundId {
  readonly value: string;
  readonly messageIndex: number;
  readonly blockIndex: number;
  readonly field: string;
}

function idsIn(messages: readonly unknown[], read: (block: Record<string, unknown>) => { value: unknown; field: string } | undefined): FoundId[] {
  const found: FoundId[] = [];
  messages.forEach((message, messageIndex) => {
    if (!isRecord(message) || !Array.isArray(message.content)) return;
    message.content.forEach((block: unknown, blockIndex) => {
      const id = isRecord(block) ? read(block) : undefined;
      if (id && typeof id.value === 'string') found.push({ value: id.value, messageIndex, blockIndex, field: id.field });
    });
  });
  return found;
}

function bedrockId(block: Record<string, unknown>): { value: unknown; field: string } | undefined {
  if (isRecord(block.toolUse)) return { value: block.toolUse.toolUseId, field: 'toolUse.toolUseId' };
  if (isRecord(block.toolResult)) return { value: block.toolResult.toolUseId, field: 'toolResult.toolUseId' };
  return undefined;
}

/**
 * Bedrock's ValidationException message for the first toolUseId that breaks its rule (1–64 of
 * `[a-zA-Z0-9_-]`), in AWS's "1 validation error detected" form with 1-based member paths;
 * undefined when every id passes.
 */
export function bedrockToolIdViolation(messages: readonly unknown[]): string | undefined {
  const rule = IDENTIFIER_RULES.bedrock.toolCallId;
  for (const id of idsIn(messages, bedrockId)) {
    const at = `messages.${id.messageIndex + 1}.member.content.${id.blockIndex + 1}.member.${id.field}`;
    const constraint =
      id.value.length > rule.maxLength
        ? `Member must have length less than or equal to ${rule.maxLength}`
        : id.value.length < rule.minLength
          ? `Member must have length greater than or equal to ${rule.minLength}`
          : !new RegExp(`^[${rule.allowed}]+$`).test(id.value)
            ? `Member must satisfy regular expression pattern: [${rule.allowed}]+`
            : undefined;
    if (constraint) return `1 validation error detected: Value '${id.value}' at '${at}' failed to satisfy constraint: ${constraint}`;
  }
  return undefined;
}

function anthropicId(block: Record<string, unknown>): { value: unknown; field: string } | undefined {
  if (block.type === 'tool_use') return { value: block.id, field: 'tool_use.id' };
  if (block.type === 'tool_result') return { value: block.tool_use_id, field: 'tool_result.tool_use_id' };
  return undefined;
}

/** Anthropic's invalid_request_error message for the first tool id outside `^[a-zA-Z0-9_-]+$`; undefined when all pass. */
export function anthropicToolIdViolation(messages: readonly unknown[]): string | undefined {
  const pattern = new RegExp(`^[${IDENTIFIER_RULES.anthropic.toolCallId.allowed}]+$`);
  const bad = idsIn(messages, anthropicId).find((id) => !pattern.test(id.value));
  return bad ? `messages.${bad.messageIndex}.content.${bad.blockIndex}.${bad.field}: String should match pattern '${pattern.source}'` : undefined;
}

/** The tool-call ids of each message, by the block reader given. */
function idsOf(message: unknown, read: (block: Record<string, unknown>) => { value: unknown; field: string } | undefined, field: string): string[] {
  return idsIn([message], read)
    .filter((id) => id.field === field)
    .map((id) => id.value);
}

/**
 * Anthropic's pairing rule, in its 400 wording: each tool_result answers a tool_use of the
 * message right before it, and each tool_use is answered in the message right after it (an
 * assistant turn that ends the history may wait for its results).
 */
export function anthropicPairingViolation(messages: readonly unknown[]): string | undefined {
  for (let index = 0; index < messages.length; index++) {
    const results = idsIn([messages[index]], anthropicId).filter((id) => id.field === 'tool_result.tool_use_id');
    const calls = index > 0 ? idsOf(messages[index - 1], anthropicId, 'tool_use.id') : [];
    const orphan = results.find((result) => !calls.includes(result.value));
    if (orphan) {
      return `messages.${index}.content.${orphan.blockIndex}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${orphan.value}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`;
    }
    if (index + 1 >= messages.length) continue;
    const answered = idsOf(messages[index + 1], anthropicId, 'tool_result.tool_use_id');
    const unanswered = idsOf(messages[index], anthropicId, 'tool_use.id').filter((id) => !answered.includes(id));
    if (unanswered.length > 0) {
      return `messages.${index}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${unanswered.join(', ')}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`;
    }
  }
  return undefined;
}

/**
 * Bedrock Converse's pairing check, in its ValidationException wording: a turn may carry no
 * more toolResult blocks than the turn before it had toolUse blocks. (Bedrock also refuses
 * results whose ids match no call; its wording for that is not confirmed, so the message
 * below is this fake's.)
 */
export function bedrockPairingViolation(messages: readonly unknown[]): string | undefined {
  for (let index = 0; index < messages.length; index++) {
    const results = idsOf(messages[index], bedrockId, 'toolResult.toolUseId');
    if (results.length === 0) continue;
    const calls = index > 0 ? idsOf(messages[index - 1], bedrockId, 'toolUse.toolUseId') : [];
    if (results.length > calls.length) return `The number of toolResult blocks at messages.${index}.content exceeds the number of toolUse blocks of previous turn.`;
    const orphan = results.find((id) => !calls.includes(id));
    if (orphan) return `messages.${index}.content: toolResult ${orphan} matches no toolUse of the previous turn.`;
  }
  return undefined;
}
