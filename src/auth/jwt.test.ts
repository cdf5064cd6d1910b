import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT, exportJWK, exportSPKI, generateKeyPair } from 'jose';
import type { CryptoKey, JWK } from 'jose';
import { JwtSchema } from '../config/schema-admin';
import type { JwtConfig } from '../config/schema-admin';
import { claimAt, compileJwt, identityFromClaims, looksLikeJwt } from './jwt';

const NOW = Math.floor(Date.now() / 1000);

async function sign(key: CryptoKey, claims: Record<string, unknown>, options: { alg?: string; kid?: string; iss?: string; aud?: string; exp?: number } = {}): Promise<string> {
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: options.alg ?? 'RS256', ...(options.kid ? { kid: options.kid } : {}) })
    .setIssuedAt(NOW - 10)
    .setExpirationTime(options.exp ?? NOW + 300);
  if (options.iss !== undefined) jwt.setIssuer(options.iss);
  if (options.aud !== undefined) jwt.setAudience(options.aud);
  return jwt.sign(key);
}

function config(overrides: Record<string, unknown>): JwtConfig {
  return JwtSchema.parse({ issuer: 'https://idp.example', audience: 'aigw', ...overrides });
}

const CLAIMS = { sub: 'svc-1', team: 'research', project: 'alpha' };

describe('JWT verification with static keys', () => {
  let rsa: { privateKey: CryptoKey; publicKey: CryptoKey };
  let other: { privateKey: CryptoKey; publicKey: CryptoKey };
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    rsa = await generateKeyPair('RS256', { extractable: true });
    other = await generateKeyPair('RS256', { extractable: true });
    const es = await generateKeyPair('ES256', { extractable: true });
    env = {
      JWT_PEM: await exportSPKI(rsa.publicKey),
      JWT_JWK: JSON.stringify({ ...(await exportJWK(es.publicKey)), kid: 'es-1' }),
    };
    (env as Record<string, unknown>).esPrivate = es.privateKey;
  });

  test('a valid RS256 token from a PEM key gives the identity from its claims', async () => {
    const warnings: string[] = [];
    const verifier = compileJwt(config({ keys: [{ pem: { env: 'JWT_PEM' } }] }), env, warnings);
    const token = await sign(rsa.privateKey, CLAIMS, { iss: 'https://idp.example', aud: 'aigw' });
    expect(await verifier.verify(token)).toEqual({ caller: 'svc-1', team: 'research', project: 'alpha', user: 'svc-1' });
    expect(warnings).toEqual([]);
  });

  test('an ES256 token from a JWK in env, selected by kid', async () => {
    const verifier = compileJwt(config({ keys: [{ pem: { env: 'JWT_PEM' }, kid: 'rsa-1' }, { jwk: { env: 'JWT_JWK' } }] }), env, []);
    const token = await sign((env as Record<string, unknown>).esPrivate as CryptoKey, CLAIMS, { alg: 'ES256', kid: 'es-1', iss: 'https://idp.example', aud: 'aigw' });
    expect(await verifier.verify(token)).toEqual({ caller: 'svc-1', team: 'research', project: 'alpha', user: 'svc-1' });
  });

  test.each([
    ['expired', { exp: NOW - 120, iss: 'https://idp.example', aud: 'aigw' }, 'The bearer token has expired.'],
    ['wrong audience', { iss: 'https://idp.example', aud: 'someone-else' }, 'The bearer token is not meant for this gateway (audience).'],
    ['wrong issuer', { iss: 'https://evil.example', aud: 'aigw' }, 'The bearer token was issued by an issuer this gateway does not accept.'],
  ])('%s → 401 with a clear message', async (_name, options, message) => {
    const verifier = compileJwt(config({ keys: [{ pem: { env: 'JWT_PEM' } }] }), env, []);
    const token = await sign(rsa.privateKey, CLAIMS, options);
    await expect(verifier.verify(token)).rejects.toMatchObject({ message, status: 401 });
  });

  test('an algorithm outside the allowed list is refused', async () => {
    const verifier = compileJwt(config({ keys: [{ pem: { env: 'JWT_PEM' } }], algorithms: ['ES256'] }), env, []);
    const token = await sign(rsa.privateKey, CLAIMS, { iss: 'https://idp.example', aud: 'aigw' });
    await expect(verifier.verify(token)).rejects.toMatchObject({ message: 'The bearer token is signed with an algorithm this gateway does not accept.' });
  });

  test('a token signed by another key is refused; so is one with a broken signature', async () => {
    const verifier = compileJwt(config({ keys: [{ pem: { env: 'JWT_PEM' } }] }), env, []);
    const token = await sign(other.privateKey, CLAIMS, { iss: 'https://idp.example', aud: 'aigw' });
    await expect(verifier.verify(token)).rejects.toMatchObject({ message: 'The bearer token signature is invalid.' });
    const good = await sign(rsa.privateKey, CLAIMS, { iss: 'https://idp.example', aud: 'aigw' });
    const tampered = `${good.slice(0, good.lastIndexOf('.') + 1)}${'A'.repeat(good.length - good.lastIndexOf('.') - 1)}`;
    await expect(verifier.verify(tampered)).rejects.toMatchObject({ message: 'The bearer token signature is invalid.' });
  });

  test('a token without the team claim is refused, naming the claim', async () => {
    const verifier = compileJwt(config({ keys: [{ pem: { env: 'JWT_PEM' } }] }), env, []);
    const token = await sign(rsa.privateKey, { sub: 'svc-1', project: 'alpha' }, { iss: 'https://idp.example', aud: 'aigw' });
    await expect(verifier.verify(token)).rejects.toMatchObject({ message: 'The bearer token has no "team" claim (the team of the request).' });
  });

  test('HS256 with a shared secret given as an oct JWK (from a file)', async () => {
    const secret = Buffer.from('0123456789abcdef0123456789abcdef');
    const dir = mkdtempSync(join(tmpdir(), 'aigw-jwt-'));
    writeFileSync(join(dir, 'secret.jwk'), JSON.stringify({ kty: 'oct', k: secret.toString('base64url'), kid: 'shared' }));
    const verifier = compileJwt(config({ keys: [{ jwk: { file: join(dir, 'secret.jwk') } }], algorithms: ['HS256'] }), {}, []);
    const token = await new SignJWT(CLAIMS).setProtectedHeader({ alg: 'HS256', kid: 'shared' }).setIssuer('https://idp.example').setAudience('aigw').setExpirationTime(NOW + 60).sign(secret);
    expect(await verifier.verify(token)).toEqual({ caller: 'svc-1', team: 'research', project: 'alpha', user: 'svc-1' });
    const forged = await new SignJWT(CLAIMS).setProtectedHeader({ alg: 'HS256', kid: 'shared' }).setIssuer('https://idp.example').setAudience('aigw').setExpirationTime(NOW + 60).sign(Buffer.from('another secret of 32 bytes......'));
    await expect(verifier.verify(forged)).rejects.toMatchObject({ message: 'The bearer token signature is invalid.' });
    rmSync(dir, { recursive: true, force: true });
  });

  test('an unreadable key is a warning, and its tokens are refused', async () => {
    const warnings: string[] = [];
    const verifier = compileJwt(config({ keys: [{ pem: { env: 'NOT_SET' } }] }), {}, warnings);
    expect(warnings).toEqual(['jwt.keys[0]: environment variable NOT_SET is not set; tokens signed with it will get 401']);
    const token = await sign(rsa.privateKey, CLAIMS, { iss: 'https://idp.example', aud: 'aigw' });
    await expect(verifier.verify(token)).rejects.toMatchObject({ message: 'The bearer token is signed with a key this gateway does not know.' });
  });
});

describe('JWT verification against a JWKS URL', () => {
  let server: Server;
  let url: string;
  let fetches = 0;
  let keys: JWK[] = [];
  let first: { privateKey: CryptoKey; publicKey: CryptoKey };
  let second: { privateKey: CryptoKey; publicKey: CryptoKey };

  beforeAll(async () => {
    first = await generateKeyPair('RS256', { extractable: true });
    second = await generateKeyPair('RS256', { extractable: true });
    keys = [{ ...(await exportJWK(first.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' }];
    server = createServer((_request, response) => {
      fetches += 1;
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  test('keys are fetched once and cached; a new kid triggers a refetch (key rotation at the IdP)', async () => {
    const verifier = compileJwt(config({ jwksUrl: url }), {}, []);
    const claims = { sub: 'u-7', team: 'ops', project: 'beta', org: { unit: 'platform' } };
    expect(await verifier.verify(await sign(first.privateKey, claims, { kid: 'k1', iss: 'https://idp.example', aud: 'aigw' }))).toEqual({ caller: 'u-7', team: 'ops', project: 'beta', user: 'u-7' });
    expect(await verifier.verify(await sign(first.privateKey, claims, { kid: 'k1', iss: 'https://idp.example', aud: 'aigw' }))).toMatchObject({ team: 'ops' });
    expect(fetches).toBe(1);
    keys = [...keys, { ...(await exportJWK(second.publicKey)), kid: 'k2', alg: 'RS256', use: 'sig' }];
    // jose refetches for an unknown kid only after its 30 s cooldown: a fresh verifier stands in for that wait.
    const later = compileJwt(config({ jwksUrl: url }), {}, []);
    expect(await later.verify(await sign(second.privateKey, claims, { kid: 'k2', iss: 'https://idp.example', aud: 'aigw' }))).toMatchObject({ caller: 'u-7' });
    expect(fetches).toBe(2);
  });

  test('claims by dotted path', async () => {
    const verifier = compileJwt(config({ jwksUrl: url, claims: { team: 'org.unit', project: 'proj', caller: 'client_id', user: 'email' } }), {}, []);
    const token = await sign(first.privateKey, { client_id: 'app-9', org: { unit: 'platform' }, proj: 'gamma', email: 'a@example.com' }, { kid: 'k1', iss: 'https://idp.example', aud: 'aigw' });
    expect(await verifier.verify(token)).toEqual({ caller: 'app-9', team: 'platform', project: 'gamma', user: 'a@example.com' });
  });

  test('an unreachable JWKS URL is a 503, not a 401', async () => {
    const verifier = compileJwt(config({ jwksUrl: 'http://127.0.0.1:1/jwks' }), {}, []);
    const token = await sign(first.privateKey, CLAIMS, { kid: 'k1', iss: 'https://idp.example', aud: 'aigw' });
    await expect(verifier.verify(token)).rejects.toMatchObject({ status: 503, message: 'The keys to verify bearer tokens cannot be fetched right now; retry shortly.' });
  });
});

describe('claim helpers', () => {
  test('claimAt reads names and dotted paths; numbers become strings; objects and empty strings are absent', () => {
    const payload = { sub: 'a', n: 42, nested: { deep: { team: 't' } }, empty: '', list: ['x'] };
    expect([claimAt(payload, 'sub'), claimAt(payload, 'n'), claimAt(payload, 'nested.deep.team'), claimAt(payload, 'nested'), claimAt(payload, 'empty'), claimAt(payload, 'list.0'), claimAt(payload, 'missing.x')]).toEqual([
      'a',
      '42',
      't',
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });

  test('identityFromClaims leaves user out when its claim is absent', () => {
    expect(identityFromClaims({ cid: 'c', team: 't', project: 'p' }, { caller: 'cid', team: 'team', project: 'project', user: 'email' })).toEqual({ caller: 'c', team: 't', project: 'p' });
  });

  test('looksLikeJwt tells tokens from API keys', () => {
    expect([looksLikeJwt('eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln'), looksLikeJwt('aigw-abc.def'), looksLikeJwt('sk-e2e-caller-key'), looksLikeJwt('eyJ.x')]).toEqual([true, false, false, false]);
  });
});
