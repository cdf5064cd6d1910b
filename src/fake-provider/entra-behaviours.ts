/**
 * A fake Microsoft Entra ID token endpoint (`POST /{tenant}/oauth2/v2.0/token`, client-credentials
 * grant: https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow).
 * It checks the form as Entra does and hands out `fake-entra-token-<n>` valid for an hour.
 */
import type { Behaviour, RecordedRequest } from './behaviours';

/** The token path for any tenant. */
export const ENTRA_TOKEN_PATH = /^\/[^/]+\/oauth2\/v2\.0\/token$/;

function entraError(status: number, error: string, description: string): Behaviour {
  return { kind: 'json', status, body: { error, error_description: description, error_codes: [7000000] } };
}

/** The reply to a token request; `issued` numbers the tokens of this server. */
export function entraTokenBehaviour(request: RecordedRequest, issued: number): Behaviour {
  const form = new URLSearchParams(request.body);
  if (!(request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
    return entraError(400, 'invalid_request', 'AADSTS900144: The request body must be form-encoded.');
  }
  if (form.get('grant_type') !== 'client_credentials') return entraError(400, 'unsupported_grant_type', 'AADSTS70003: grant_type must be client_credentials.');
  if (!form.get('client_id') || !form.get('scope')) return entraError(400, 'invalid_request', 'AADSTS900144: client_id and scope are required.');
  const secret = form.get('client_secret');
  const assertion = form.get('client_assertion');
  const viaAssertion = assertion !== null && form.get('client_assertion_type') === 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
  if ((secret === null || secret === '') && !viaAssertion) return entraError(401, 'invalid_client', 'AADSTS7000216: client_secret or client_assertion is required.');
  return { kind: 'json', status: 200, body: { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: `fake-entra-token-${issued}` } };
}
