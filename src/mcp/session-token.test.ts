import { SessionCipher, deriveSessionKey, sessionExpired } from './session-token';
import type { SessionState } from './session-token';

const state: SessionState = {
  id: 'q9Xr2m0bS1yT3uV4wX5yZ6',
  caller: 'agent-7',
  protocolVersion: '2025-11-25',
  upstreams: { github: { sessionId: '5b1c6a52-0d8f-4f1e-9a39-6f1f4a0b2c11', protocolVersion: '2025-11-25' }, docs: { protocolVersion: '2025-06-18' } },
  clientCapabilities: { elicitation: {} },
  createdAt: 1_764_700_000_000,
};

describe('session ids', () => {
  const key = deriveSessionKey('a-session-secret-that-is-32-bytes-long!');

  test('the key is HKDF-SHA256 of the secret: the same on every replica, different per secret', () => {
    expect(key).toHaveLength(32);
    expect(deriveSessionKey('a-session-secret-that-is-32-bytes-long!').equals(key)).toBe(true);
    expect(deriveSessionKey('another-session-secret-of-32-bytes-long').equals(key)).toBe(false);
  });

  test('sealed on one replica, opened on another with the same secret', () => {
    const id = new SessionCipher(key).seal(state);
    expect(id).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(id).not.toContain('agent');
    expect(new SessionCipher(deriveSessionKey('a-session-secret-that-is-32-bytes-long!')).open(id)).toEqual(state);
  });

  test('each seal differs (random IV)', () => {
    const cipher = new SessionCipher(key);
    expect(cipher.seal(state)).not.toBe(cipher.seal(state));
  });

  test('another key, a flipped byte, a truncated id or garbage: not a session', () => {
    const id = new SessionCipher(key).seal(state);
    expect(new SessionCipher(deriveSessionKey('another-session-secret-of-32-bytes-long')).open(id)).toBeUndefined();
    const raw = Buffer.from(id, 'base64url');
    raw[20] ^= 1;
    expect(new SessionCipher(key).open(raw.toString('base64url'))).toBeUndefined();
    expect(new SessionCipher(key).open(id.slice(0, 20))).toBeUndefined();
    expect(new SessionCipher(key).open('not a session id')).toBeUndefined();
    expect(new SessionCipher(key).open('')).toBeUndefined();
  });

  test('sessions expire after their time to live (and one from the future is not trusted)', () => {
    expect(sessionExpired(state, 3600, state.createdAt + 3_600_000)).toBe(false);
    expect(sessionExpired(state, 3600, state.createdAt + 3_600_001)).toBe(true);
    expect(sessionExpired(state, 3600, state.createdAt - 120_000)).toBe(true);
  });

  test('a sealed value of the wrong shape is refused', () => {
    const cipher = new SessionCipher(key);
    const forged = cipher.seal({ caller: 7 } as unknown as SessionState);
    expect(cipher.open(forged)).toBeUndefined();
  });
});
