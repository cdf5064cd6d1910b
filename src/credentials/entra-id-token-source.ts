import { readFileSync } from 'node:fs';
import type { Secret } from '../config/secret';
import { Secret as SecretValue } from '../config/secret';
import type { AccessToken } from './token-source';
import { CachedTokenSource } from './token-source';

/** How the gateway proves itself to Entra ID: a client secret, or a federated token file (workload identity). */
export type EntraIdClientProof = { readonly clientSecret: Secret } | { readonly federatedTokenFile: string };

export interface EntraIdOptions {
  readonly tenantId: string;
  readonly clientId: string;
  readonly proof: EntraIdClientProof;
  /** e.g. https://login.microsoftonline.com (no trailing slash needed). */
  readonly authorityHost: string;
  readonly scope: string;
  /** Injected in tests; global fetch otherwise. */
  readonly fetch?: typeof fetch;
  readonly now?: () => number;
}

/** JWT bearer assertion type of the client-credentials flow with a federated credential (RFC 7523). */
const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/**
 * The token request body of the OAuth 2.0 client-credentials flow on Microsoft identity
 * platform (https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow):
 * a shared secret, or a federated token as `client_assertion` (the file is read for each fetch,
 * because the kubelet rotates it).
 */
export function tokenRequestForm(options: EntraIdOptions): URLSearchParams {
  const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: options.clientId, scope: options.scope });
  if ('clientSecret' in options.proof) form.set('client_secret', options.proof.clientSecret.reveal());
  else {
    form.set('client_assertion_type', JWT_BEARER);
    form.set('client_assertion', readFileSync(options.proof.federatedTokenFile, 'utf8').trim());
  }
  return form;
}

/** Entra's error code from a failed token response (`{"error":"invalid_client",...}`); never its description. */
function errorCode(text: string): string | undefined {
  try {
    const parsed = JSON.parse(text) as { error?: unknown };
    return typeof parsed.error === 'string' && /^[a-z_]{1,64}$/.test(parsed.error) ? parsed.error : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Fetches one token. Errors say what failed (HTTP status and Entra's error code, an unreachable
 * host, an unreadable file) and never carry the secret, the assertion or the response text.
 */
async function fetchEntraToken(options: EntraIdOptions): Promise<AccessToken> {
  const url = `${options.authorityHost.replace(/\/+$/, '')}/${encodeURIComponent(options.tenantId)}/oauth2/v2.0/token`;
  let form: URLSearchParams;
  try {
    form = tokenRequestForm(options);
  } catch {
    throw new Error(`federated token file ${'federatedTokenFile' in options.proof ? options.proof.federatedTokenFile : ''} cannot be read`);
  }
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form });
  } catch {
    throw new Error(`token endpoint ${url} cannot be reached`);
  }
  const text = await response.text();
  if (!response.ok) {
    const code = errorCode(text);
    throw new Error(`token endpoint answered HTTP ${response.status}${code ? ` ${code}` : ''}`);
  }
  let body: { access_token?: unknown; expires_in?: unknown };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    throw new Error('token endpoint answered with a body that is not JSON');
  }
  // expires_in is seconds, a number (v2.0 endpoint); some proxies send it as a string.
  const expiresIn = Number(body.expires_in);
  if (typeof body.access_token !== 'string' || body.access_token === '' || !Number.isFinite(expiresIn) || expiresIn <= 0) {
    throw new Error('token endpoint answered without access_token and expires_in');
  }
  return { token: new SecretValue(body.access_token), expiresAt: (options.now ?? Date.now)() + expiresIn * 1000 };
}

/** An Entra ID token source for one backend, cached and refreshed before expiry. */
export function entraIdTokenSource(options: EntraIdOptions): CachedTokenSource {
  const how = 'clientSecret' in options.proof ? 'client secret' : 'federated token';
  return new CachedTokenSource(`Entra ID tenant ${options.tenantId} (client ${options.clientId}, ${how})`, () => fetchEntraToken(options), { now: options.now });
}
