import { createPublicKey } from 'node:crypto';
import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify } from 'jose';
import type { JWK, JWTPayload, JWTVerifyGetKey } from 'jose';
import type { Identity } from '../config/runtime';
import type { JwtConfig, JwtKeyConfig } from '../config/schema-admin';
import { readSecret } from '../config/secret';

/** Why a token was refused; `status` 401 for the token, 503 when its keys could not be fetched. */
export class JwtRejection extends Error {
  override name = 'JwtRejection';
  constructor(
    message: string,
    readonly status: 401 | 503 = 401,
  ) {
    super(message);
  }
}

/** Verifies bearer tokens and maps their claims to an identity. */
export interface JwtVerifier {
  /** The identity in a valid token; throws JwtRejection (with a message for the client) otherwise. */
  verify(token: string): Promise<Identity>;
}

/** A compact JWS (three base64url parts, the header a JSON object): told apart from API keys by shape. */
export function looksLikeJwt(token: string): boolean {
  return /^eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token);
}

/** A claim by name or dotted path (`realm.team`); numbers become strings, anything else is absent. */
export function claimAt(payload: JWTPayload, path: string): string | undefined {
  let value: unknown = payload;
  for (const part of path.split('.')) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  if (typeof value === 'string' && value.length > 0) return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/** The identity a verified token's claims carry; a missing required claim refuses the token. */
export function identityFromClaims(payload: JWTPayload, claims: JwtConfig['claims']): Identity {
  const required = (field: 'caller' | 'team' | 'project'): string => {
    const value = claimAt(payload, claims[field]);
    if (value === undefined) throw new JwtRejection(`The bearer token has no "${claims[field]}" claim (the ${field} of the request).`);
    return value;
  };
  const user = claimAt(payload, claims.user);
  return { caller: required('caller'), team: required('team'), project: required('project'), ...(user !== undefined ? { user } : {}) };
}

/** One configured key as JWKs (a JWK Set file gives several); PEM keys take kid and alg from config. */
function keyToJwks(spec: JwtKeyConfig, env: NodeJS.ProcessEnv): { jwks: JWK[]; problem?: string } {
  const source = spec.pem ?? spec.jwk;
  const { secret, problem } = readSecret(source ?? {}, env);
  if (!secret) return { jwks: [], problem };
  try {
    if (spec.pem) {
      const jwk = createPublicKey(secret.reveal()).export({ format: 'jwk' }) as JWK;
      return { jwks: [{ ...jwk, ...(spec.kid ? { kid: spec.kid } : {}), ...(spec.alg ? { alg: spec.alg } : {}) }] };
    }
    const parsed = JSON.parse(secret.reveal()) as JWK | { keys: JWK[] };
    const list = 'keys' in parsed && Array.isArray(parsed.keys) ? parsed.keys : [parsed as JWK];
    return { jwks: list.map((jwk) => ({ ...jwk, ...(spec.kid && list.length === 1 ? { kid: spec.kid } : {}), ...(spec.alg && list.length === 1 ? { alg: spec.alg } : {}) })) };
  } catch (error) {
    return { jwks: [], problem: `cannot be read as a ${spec.pem ? 'PEM public key' : 'JWK'} (${(error as Error).name})` };
  }
}

/** The message a client gets for a jose failure; never the token. */
export function rejectionFor(error: unknown): JwtRejection {
  if (error instanceof JwtRejection) return error;
  if (error instanceof errors.JWTExpired) return new JwtRejection('The bearer token has expired.');
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'iss') return new JwtRejection('The bearer token was issued by an issuer this gateway does not accept.');
    if (error.claim === 'aud') return new JwtRejection('The bearer token is not meant for this gateway (audience).');
    if (error.claim === 'nbf') return new JwtRejection('The bearer token is not valid yet.');
    return new JwtRejection(`The bearer token's "${error.claim}" claim is invalid.`);
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return new JwtRejection('The bearer token is signed with an algorithm this gateway does not accept.');
  if (error instanceof errors.JWSSignatureVerificationFailed) return new JwtRejection('The bearer token signature is invalid.');
  if (error instanceof errors.JWKSNoMatchingKey) return new JwtRejection('The bearer token is signed with a key this gateway does not know.');
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid) return new JwtRejection('The keys to verify bearer tokens cannot be fetched right now; retry shortly.', 503);
  if (error instanceof errors.JWTInvalid || error instanceof errors.JWSInvalid || error instanceof errors.JOSENotSupported) return new JwtRejection('The bearer token is malformed.');
  // fetch() failing to connect throws a TypeError (compared by name: Jest runs tests in another realm).
  if ((error as { name?: unknown } | null)?.name === 'TypeError') return new JwtRejection('The keys to verify bearer tokens cannot be fetched right now; retry shortly.', 503);
  return new JwtRejection('The bearer token is invalid.');
}

/**
 * Builds the verifier once per config. Static keys are converted to a local JWK Set (kid and
 * alg select among them); a JWKS URL is fetched by jose on first use, cached for
 * `jwksCacheSeconds` and fetched again when a token names an unknown kid (with jose's cooldown,
 * so a flood of bad kids cannot hammer the identity provider).
 */
export function compileJwt(config: JwtConfig, env: NodeJS.ProcessEnv, warnings: string[]): JwtVerifier {
  const jwks: JWK[] = [];
  config.keys.forEach((spec, index) => {
    const result = keyToJwks(spec, env);
    if (result.problem) warnings.push(`jwt.keys[${index}]: ${result.problem}; tokens signed with it will get 401`);
    jwks.push(...result.jwks);
  });
  // jose's local JWK Sets hold public keys only; shared secrets (kty oct, for HS*) are matched here by kid.
  const secrets = jwks.filter((jwk) => jwk.kty === 'oct' && typeof jwk.k === 'string').map((jwk) => ({ kid: jwk.kid, key: Buffer.from(jwk.k ?? '', 'base64url') }));
  const publicKeys = jwks.filter((jwk) => jwk.kty !== 'oct');
  const local = publicKeys.length > 0 ? createLocalJWKSet({ keys: publicKeys }) : undefined;
  const remote = config.jwksUrl ? createRemoteJWKSet(new URL(config.jwksUrl), { cacheMaxAge: config.jwksCacheSeconds * 1000, timeoutDuration: 5000 }) : undefined;
  const getKey: JWTVerifyGetKey = async (header, token) => {
    if (header.alg?.startsWith('HS')) {
      const secret = secrets.find((candidate) => header.kid === undefined || candidate.kid === undefined || candidate.kid === header.kid);
      if (!secret) throw new errors.JWKSNoMatchingKey();
      return secret.key;
    }
    if (local) {
      try {
        return await local(header, token);
      } catch (error) {
        if (!remote || !(error instanceof errors.JWKSNoMatchingKey)) throw error;
      }
    }
    if (!remote) throw new errors.JWKSNoMatchingKey();
    return remote(header, token);
  };
  const options = {
    issuer: config.issuer,
    audience: config.audience,
    algorithms: [...config.algorithms],
    clockTolerance: config.clockToleranceSeconds,
  };
  return {
    async verify(token: string): Promise<Identity> {
      try {
        const { payload } = await jwtVerify(token, getKey, options);
        return identityFromClaims(payload, config.claims);
      } catch (error) {
        throw rejectionFor(error);
      }
    },
  };
}
