/**
 * The OpenAI Responses input rules a stateless client's history can break after a change of
 * backend: encrypted reasoning only the account that made it can read, outputs that answer no
 * call, and output items (ids `rs_…`, `fc_…`) that another account made or whose reasoning item
 * is missing. The fake's items name their account: `rs_<account>_<n>`, `fc_<account>_<n>_<i>`.
 * Wording: OpenAI's 400s as clients report them, except the encrypted-content one, which is
 * this fake's (not confirmed).
 */
import { isFakeEncryptedReasoning } from './signatures';
import { isRecord } from './tokens';

/** A Responses 400: the message and the `param` it names. */
export interface ResponsesViolation {
  readonly message: string;
  readonly param: string | null;
  readonly code: string | null;
}

const OUTPUT_ID = /^(rs|fc)_([A-Za-z0-9-]+)_(\d+)/;

export function responsesInputViolation(json: Record<string, unknown>, account: string): ResponsesViolation | undefined {
  const input = Array.isArray(json.input) ? json.input.filter(isRecord) : [];
  const calls = new Set<string>();
  const reasoningIds = new Set(input.filter((item) => item.type === 'reasoning').map((item) => String(item.id)));
  for (const item of input) {
    const id = typeof item.id === 'string' ? item.id : undefined;
    const made = id === undefined ? null : OUTPUT_ID.exec(id);
    if (made && made[2] !== account) {
      return { message: `Item with id '${id}' not found. Items are not persisted when \`store\` is set to false. Try again with \`store\` set to true, or remove this item from your input.`, param: 'input', code: null };
    }
    if (item.type === 'reasoning' && typeof item.encrypted_content === 'string' && !isFakeEncryptedReasoning(account, item.encrypted_content)) {
      return { message: `The encrypted content for item ${id ?? '(no id)'} could not be verified.`, param: null, code: 'invalid_encrypted_content' };
    }
    if (item.type === 'function_call') {
      calls.add(String(item.call_id));
      const reasoning = made ? `rs_${made[2]}_${made[3]}` : undefined;
      if (reasoning !== undefined && !reasoningIds.has(reasoning)) {
        return { message: `Item '${id}' of type 'function_call' was provided without its required 'reasoning' item: '${reasoning}'.`, param: null, code: null };
      }
    }
    if (item.type === 'function_call_output' && !calls.has(String(item.call_id))) {
      return { message: `No tool call found for function call output with call_id ${String(item.call_id)}.`, param: 'input', code: null };
    }
  }
  return undefined;
}
