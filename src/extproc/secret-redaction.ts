import type { Secret } from '../config/secret';

/** What a credential value echoed back by a provider becomes before it reaches a client. */
export const REDACTED = '[REDACTED]';

/** Shorter values are not searched for: they would match ordinary text. */
const MIN_SECRET_LENGTH = 8;

/**
 * The body with every configured credential value taken out. A provider, or a misconfigured
 * proxy in front of one, may echo the key it received in an error message; the caller must
 * never get it. Runs on error bodies only (small, rare), so a plain search is enough.
 */
export function redactSecrets(body: Buffer, secrets: readonly Secret[]): Buffer {
  let result = body;
  for (const secret of secrets) {
    const value = secret.reveal();
    if (value.length < MIN_SECRET_LENGTH || result.indexOf(value) === -1) continue;
    result = Buffer.from(result.toString('utf8').split(value).join(REDACTED), 'utf8');
  }
  return result;
}
