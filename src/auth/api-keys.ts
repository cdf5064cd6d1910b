import { createHash, timingSafeEqual } from 'node:crypto';
import type { Identity, RuntimeConfig } from '../config/runtime';

/** The form stored in config: `sha256:<hex>`. */
export function hashApiKey(key: string): string {
  return `sha256:${createHash('sha256').update(key, 'utf8').digest('hex')}`;
}

/**
 * Pulls the key out of `Authorization: Bearer <key>` (or `x-api-key`, which Anthropic
 * clients send). Returns undefined when neither carries one.
 */
export function presentedKey(headers: ReadonlyMap<string, string>): string | undefined {
  const authorization = headers.get('authorization');
  if (authorization !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    return match ? match[1] : undefined;
  }
  const apiKey = headers.get('x-api-key')?.trim();
  return apiKey || undefined;
}

/**
 * Finds the caller for a key by comparing the SHA-256 digest of the presented key with
 * every configured digest in constant time, without stopping at a match, so the time
 * taken says nothing about which key (or how much of it) was right.
 */
export function authenticate(config: RuntimeConfig, key: string | undefined): Identity | undefined {
  if (key === undefined || key.length > 4096) return undefined;
  const digest = createHash('sha256').update(key, 'utf8').digest();
  let found: Identity | undefined;
  for (const [stored, identity] of config.callersByKeyDigest) {
    if (timingSafeEqual(stored, digest) && found === undefined) found = identity;
  }
  return found;
}
