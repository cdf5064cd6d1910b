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
