import type { Identity } from '../config/runtime';

/** Request headers carrying the caller's identity to Envoy (routes, rate limits); internal prefix. */
export const IDENTITY_HEADERS = { team: 'x-aigw-team', project: 'x-aigw-project', caller: 'x-aigw-caller' } as const;

/**
 * Header-safe form of an identity value: a JWT claim can hold any text, and Envoy refuses
 * header values with control characters, so anything outside printable ASCII (and `%`)
 * is percent-encoded.
 */
export function headerSafe(value: string): string {
  return value.replace(/[^\x20-\x24\x26-\x7e]/gu, (char) => encodeURIComponent(char)).slice(0, 256);
}

/** The identity headers the router-level ext_proc sets on every authenticated request. */
export function identityHeaders(identity: Identity): Record<string, string> {
  return {
    [IDENTITY_HEADERS.team]: headerSafe(identity.team),
    [IDENTITY_HEADERS.project]: headerSafe(identity.project),
    [IDENTITY_HEADERS.caller]: headerSafe(identity.caller),
  };
}
