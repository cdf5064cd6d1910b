import type { AdminSnapshot } from '../admin/admin-state';
import type { Identity, RuntimeConfig } from '../config/runtime';
import { GatewayError } from '../errors';
import { authenticate } from './api-keys';
import { JwtRejection, looksLikeJwt } from './jwt';
import { findRuntimeKey, keyStatus } from './runtime-keys';

/** The answer to a request that names no key at all (aigw's and Envoy's own refusal say the same). */
export const NO_KEY_MESSAGE = "You didn't provide an API key. Send it in an Authorization header as 'Bearer <key>'.";

function unauthorized(message: string, code = 'invalid_api_key'): GatewayError {
  return new GatewayError(401, 'invalid_request_error', code, message);
}

/**
 * Who is calling, from the presented credential: a config key, a key created through the
 * admin API (refused once revoked or expired), or — when `jwt` is configured and the
 * credential has a JWT's shape — a verified bearer token. Synchronous for keys; a promise
 * only for tokens (signature check, maybe a JWKS fetch). Throws a 401 GatewayError.
 */
export function identify(config: RuntimeConfig, snapshot: AdminSnapshot, key: string | undefined, now = Date.now()): Identity | Promise<Identity> {
  if (key === undefined) throw unauthorized(NO_KEY_MESSAGE);
  const configured = authenticate(config, key);
  if (configured) return configured;
  const record = findRuntimeKey(snapshot.keysByDigest, key);
  if (record) {
    const status = keyStatus(record, now);
    if (status === 'revoked') throw unauthorized('This API key has been revoked.');
    if (status === 'expired') throw unauthorized('This API key has expired.');
    return { caller: record.name, team: record.team, project: record.project, ...(record.user !== undefined ? { user: record.user } : {}) };
  }
  const jwt = config.jwt;
  if (jwt && looksLikeJwt(key)) {
    return jwt.verify(key).catch((error: unknown) => {
      const rejection = error instanceof JwtRejection ? error : new JwtRejection('The bearer token is invalid.');
      if (rejection.status === 503) throw new GatewayError(503, 'server_error', 'jwks_unavailable', rejection.message);
      throw unauthorized(rejection.message, 'invalid_token');
    });
  }
  throw unauthorized('Incorrect API key provided.');
}
