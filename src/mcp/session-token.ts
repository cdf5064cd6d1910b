import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';

/**
 * The Mcp-Session-Id a client sees: the session's state, encrypted and authenticated with
 * AES-256-GCM. Nothing is stored server-side, so any aigw replica holding the same secret
 * (and a restarted one) continues the session. Layout (base64url): version byte, 12-byte
 * IV, ciphertext, 16-byte tag. The key is derived once at startup (deriveSessionKey): a
 * key derivation per request would cost far more than the AES itself.
 */

/** What a session carries. */
export interface SessionState {
  /** A random id (base64url) keying what this process keeps for the session. */
  readonly id: string;
  /** The caller that initialized the session; a request from anyone else is refused. */
  readonly caller: string;
  /** The protocol version negotiated with the client. */
  readonly protocolVersion: string;
  /** Per upstream server: its session id (if it issued one) and the protocol version it speaks. */
  readonly upstreams: Readonly<Record<string, UpstreamSession>>;
  /** What the client can answer (elicitation, sampling, roots), relayed to the upstream servers. */
  readonly clientCapabilities: ClientCapabilities;
  /** Creation time (ms since the epoch). */
  readonly createdAt: number;
}

/** One upstream server's part of a session. */
export interface UpstreamSession {
  readonly sessionId?: string;
  readonly protocolVersion: string;
}

const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A 32-byte AES key from the configured secret (HKDF-SHA256 with a fixed, purpose-bound salt and info). */
export function deriveSessionKey(secret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), 'aigw-mcp-session', 'aes-256-gcm session id v1', 32));
}

/** Encrypts and decrypts session ids with one key. */
export class SessionCipher {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== 32) throw new Error('session key must be 32 bytes');
    this.#key = key;
  }

  /** The opaque session id for `state` (visible ASCII only, as the spec requires). */
  seal(state: SessionState): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    // The version byte is authenticated too, so it cannot be swapped.
    cipher.setAAD(Buffer.of(VERSION));
    const body = Buffer.concat([cipher.update(JSON.stringify(state), 'utf8'), cipher.final()]);
    return Buffer.concat([Buffer.of(VERSION), iv, body, cipher.getAuthTag()]).toString('base64url');
  }

  /** The state inside a session id; undefined for anything not sealed by this key or malformed. */
  open(sessionId: string): SessionState | undefined {
    if (sessionId.length > 16_384 || !/^[A-Za-z0-9_-]+$/.test(sessionId)) return undefined;
    const raw = Buffer.from(sessionId, 'base64url');
    if (raw.length < 1 + IV_BYTES + TAG_BYTES || raw[0] !== VERSION) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, raw.subarray(1, 1 + IV_BYTES));
      decipher.setAAD(Buffer.of(VERSION));
      decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
      const text = Buffer.concat([decipher.update(raw.subarray(1 + IV_BYTES, raw.length - TAG_BYTES)), decipher.final()]).toString('utf8');
      return parseState(JSON.parse(text));
    } catch {
      return undefined;
    }
  }
}

/** Whether a session is past its time to live (a client then initializes again). */
export function sessionExpired(state: SessionState, ttlSeconds: number, now = Date.now()): boolean {
  return now - state.createdAt > ttlSeconds * 1000 || state.createdAt > now + 60_000;
}

/** Checks the decrypted shape (a sealed state from an older layout must not crash a request). */
function parseState(value: unknown): SessionState | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const state = value as Record<string, unknown>;
  if (typeof state.id !== 'string' || typeof state.caller !== 'string' || typeof state.protocolVersion !== 'string' || typeof state.createdAt !== 'number') return undefined;
  if (typeof state.upstreams !== 'object' || state.upstreams === null) return undefined;
  if (typeof state.clientCapabilities !== 'object' || state.clientCapabilities === null) return undefined;
  return value as SessionState;
}
