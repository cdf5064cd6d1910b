import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/** Every key aigw generates starts with this, so a leaked one is easy to recognise and scan for. */
export const KEY_PREFIX = 'aigw-';

/**
 * A key created through the admin API, as stored: never the key itself, only the hex
 * SHA-256 of it. Times are ISO 8601 strings (JSON in Redis, JSON on the admin API).
 */
export const KeyRecordSchema = z
  .object({
    id: z.string().min(1),
    /** The caller name requests with this key are attributed to (unique among live keys). */
    name: z.string().min(1),
    team: z.string().min(1),
    project: z.string().min(1),
    user: z.string().min(1).optional(),
    /** Hex SHA-256 of the key. */
    hash: z.string().regex(/^[0-9a-f]{64}$/),
    createdAt: z.string(),
    expiresAt: z.string().optional(),
    revokedAt: z.string().optional(),
    rotatedAt: z.string().optional(),
  })
  .strict();

export type KeyRecord = z.output<typeof KeyRecordSchema>;

/** A key record as the admin API shows it: everything but the hash. */
export type KeyView = Omit<KeyRecord, 'hash'> & { status: KeyStatus };

export type KeyStatus = 'active' | 'expired' | 'revoked';

/** A fresh key: `aigw-` and 32 random bytes in base64url (256 bits, no padding). */
export function generateKey(): string {
  return `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/** A short random id for a key record (not secret: it names the key in the admin API). */
export function generateKeyId(): string {
  return `key_${randomBytes(9).toString('base64url')}`;
}

/** The hex SHA-256 of a key: what is stored and looked up. */
export function keyDigestHex(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** Whether a key may be used at `now` (revocation wins over expiry). */
export function keyStatus(record: Pick<KeyRecord, 'expiresAt' | 'revokedAt'>, now: number): KeyStatus {
  if (record.revokedAt !== undefined) return 'revoked';
  if (record.expiresAt !== undefined && Date.parse(record.expiresAt) <= now) return 'expired';
  return 'active';
}

/** The record without its hash, for answers and audit records. */
export function keyView(record: KeyRecord, now: number): KeyView {
  const view: Partial<KeyRecord> & { status: KeyStatus } = { ...record, status: keyStatus(record, now) };
  delete view.hash;
  return view as KeyView;
}

/**
 * The runtime key for a presented key. Records are found by the SHA-256 of the key: the
 * lookup's timing depends only on that digest, which says nothing usable about the key
 * (finding a key with a chosen digest prefix is a preimage search). The final comparison
 * is constant-time all the same.
 */
export function findRuntimeKey(byDigest: ReadonlyMap<string, KeyRecord>, key: string): KeyRecord | undefined {
  if (key.length > 4096) return undefined;
  const digest = keyDigestHex(key);
  const record = byDigest.get(digest);
  if (!record) return undefined;
  return timingSafeEqual(Buffer.from(record.hash, 'hex'), Buffer.from(digest, 'hex')) ? record : undefined;
}
