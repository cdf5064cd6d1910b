import type { GeminiContent } from './gemini-types';

/**
 * Gemini thought signatures carried through OpenAI tool-call ids.
 *
 * Gemini 3 puts an opaque `thoughtSignature` on the functionCall parts it returns and rejects
 * (400) a follow-up whose current turn replays those calls without it
 * (https://ai.google.dev/gemini-api/docs/thought-signatures). OpenAI's shape has no field for it,
 * and the one thing every OpenAI client is certain to send back is the tool call's id (the tool
 * result names it), whatever it does with unknown fields. So the signature rides in the id, as
 * LiteLLM does: `call_<prefix>_<n>__ts_<endpoint>_<signature in base64url>`. Only `[A-Za-z0-9_-]`
 * is used, so the id stays valid where Anthropic (`^[a-zA-Z0-9_-]+$`) would be sent it on a failover.
 *
 * A signature is checked by the endpoint that issued it: AI Studio and Vertex AI reject each
 * other's. The `<endpoint>` tag (the backend kind) says who issued it; replaying it elsewhere
 * sends Gemini's documented dummy value instead, which skips validation for history the model
 * did not produce (same page, FAQ on injected or transferred history).
 */

/** The value Gemini accepts in place of a signature it cannot check (thought signatures FAQ). */
export const DUMMY_THOUGHT_SIGNATURE = 'skip_thought_signature_validator';

/** An id this gateway made for a Gemini function call, optionally carrying a tagged signature. */
const SIGNED_ID = /^(call_[A-Za-z0-9]+_\d+)__ts_([a-z]+)_([A-Za-z0-9_-]+)$/;

/** Standard base64 (Gemini's JSON form of `bytes`) → base64url without padding; other text passes unchanged. */
function toBase64Url(signature: string): string {
  return signature.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** base64url back to the standard base64 Gemini sent, padding restored. */
function fromBase64Url(text: string): string {
  const standard = text.replace(/-/g, '+').replace(/_/g, '/');
  return standard + '='.repeat((4 - (standard.length % 4)) % 4);
}

/**
 * Which endpoint family issues (and accepts) a backend's signatures: the backend kind,
 * lowercase letters only (`gemini` is AI Studio; Vertex AI backends get their own kind).
 */
export function signatureEndpoint(kind: string): string {
  return kind.toLowerCase().replace(/[^a-z]/g, '');
}

/** A tool-call id with the signature (if any) encoded in it. */
export function withThoughtSignature(id: string, signature: unknown, endpoint: string): string {
  if (typeof signature !== 'string' || signature === '' || !/^[A-Za-z0-9+/_-]+=*$/.test(signature)) return id;
  return `${id}__ts_${endpoint}_${toBase64Url(signature)}`;
}

/**
 * The `thoughtSignature` to send with a replayed function call whose OpenAI id is `id`:
 * its own signature when this endpoint issued it, the dummy when another endpoint did,
 * undefined when the id carries none (Gemini 2.5 calls, other providers' ids).
 */
export function thoughtSignatureFor(id: string, endpoint: string): string | undefined {
  const match = SIGNED_ID.exec(id);
  if (!match) return undefined;
  return match[2] === endpoint ? fromBase64Url(match[3]) : DUMMY_THOUGHT_SIGNATURE;
}

/**
 * Fills in the dummy signature where Gemini 3 requires one and the history has none: the
 * first functionCall part of each model step of the current turn (everything since the last
 * user content that is not only function responses). Calls another provider wrote carry no
 * signature, and Gemini 3 refuses such a current turn with 400 ("Function call is missing a
 * thought_signature"); earlier turns are not checked (thought signatures guide). Changes the
 * contents in place; returns how many parts got the dummy.
 */
export function signCurrentTurn(contents: readonly GeminiContent[]): number {
  let start = 0;
  for (let index = contents.length - 1; index >= 0; index--) {
    const content = contents[index];
    if (content.role === 'user' && content.parts.some((part) => !('functionResponse' in part))) {
      start = index + 1;
      break;
    }
  }
  let filled = 0;
  for (const content of contents.slice(start)) {
    if (content.role !== 'model') continue;
    const first = content.parts.find((part) => 'functionCall' in part);
    if (first === undefined || !('functionCall' in first) || first.thoughtSignature !== undefined) continue;
    first.thoughtSignature = DUMMY_THOUGHT_SIGNATURE;
    filled++;
  }
  return filled;
}
