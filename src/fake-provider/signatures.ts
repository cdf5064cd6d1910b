/**
 * The fakes' reasoning signatures: made and checked the way the real providers' are, as
 * opaque values only their issuer accepts. Claude's thinking signatures are accepted wherever
 * Claude runs (Anthropic, Bedrock, Vertex AI: one family here); Gemini's thought signatures
 * only by the endpoint family that issued them (AI Studio or Vertex AI).
 */
import { createHmac } from 'node:crypto';

const KEY = 'aigw-fake-provider';

/** The signature the fake Claude puts on a thinking block with this text. */
export function fakeThinkingSignature(thinking: string): string {
  return createHmac('sha256', `${KEY}:claude`).update(thinking).digest('base64');
}

/** True when `signature` is the fake Claude's for this thinking text. */
export function isFakeThinkingSignature(thinking: unknown, signature: unknown): boolean {
  return typeof thinking === 'string' && typeof signature === 'string' && signature === fakeThinkingSignature(thinking);
}

/** The Gemini endpoint families whose signatures are not interchangeable. */
export type GeminiEndpoint = 'gemini' | 'vertex';

/** A thought signature as the fake Gemini of `endpoint` issues it (base64, like Gemini's JSON `bytes`). */
export function fakeThoughtSignature(endpoint: GeminiEndpoint, seed: string): string {
  const mac = createHmac('sha256', `${KEY}:${endpoint}`).update(seed).digest('base64').slice(0, 16);
  return Buffer.from(`${endpoint}|${seed}|${mac}`).toString('base64');
}

/** True when `signature` was issued by the fake Gemini of `endpoint`. */
export function isFakeThoughtSignature(endpoint: GeminiEndpoint, signature: unknown): boolean {
  if (typeof signature !== 'string') return false;
  const [issuer, seed, ...rest] = Buffer.from(signature, 'base64').toString('utf8').split('|');
  return issuer === endpoint && seed !== undefined && rest.length === 1 && fakeThoughtSignature(endpoint, seed) === signature;
}

/** Encrypted reasoning as the fake OpenAI account `account` (the fake's name) makes it: a Fernet-like token. */
export function fakeEncryptedReasoning(account: string, seed: string): string {
  const mac = createHmac('sha256', `${KEY}:${account}`).update(seed).digest('base64url').slice(0, 16);
  return `gAAAAA${Buffer.from(`${account}|${seed}|${mac}`).toString('base64url')}`;
}

/** True when `content` was made by the fake OpenAI account `account`. */
export function isFakeEncryptedReasoning(account: string, content: unknown): boolean {
  if (typeof content !== 'string' || !content.startsWith('gAAAAA')) return false;
  const [issuer, seed] = Buffer.from(content.slice(6), 'base64url').toString('utf8').split('|');
  return issuer === account && seed !== undefined && fakeEncryptedReasoning(account, seed) === content;
}
