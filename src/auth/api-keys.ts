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
 * Finds the caller for a key by the SHA-256 digest of the presented key, one map lookup
 * whatever the number of callers. The lookup's timing can only depend on the digest, which
 * says nothing about the key (or how much of one was right); the stored digest is still
 * compared in constant time.
 */
export function authenticate(config: RuntimeConfig, key: string | undefined): Identity | undefined {
  if (key === undefined || key.length > 4096) return undefined;
  const digest = createHash('sha256').update(key, 'utf8').digest('hex');
  const found = config.callersByKeyDigest.get(digest);
  return found && timingSafeEqual(Buffer.from(digest, 'hex'), Buffer.from(found.digest, 'hex')) ? found.identity : undefined;
}
