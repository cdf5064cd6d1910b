import type { Secret } from '../config/secret';
import { GatewayError } from '../errors';

/** A bearer token and when it stops being valid. */
export interface AccessToken {
  readonly token: Secret;
  /** Milliseconds since the epoch, like Date.now(). */
  readonly expiresAt: number;
}

/**
 * Where a backend's short-lived bearer token comes from (GCP service accounts for Vertex AI,
 * Entra ID for Azure OpenAI). `token()` is called once per attempt, so implementations cache.
 */
export interface TokenSource {
  /** What the token comes from, for errors and logs (never the secret): e.g. "service account x@y". */
  readonly description: string;
  token(): Promise<Secret>;
}

export interface CachedTokenSourceOptions {
  /** Fetch a new token this long before the cached one expires (default 5 minutes). */
  readonly refreshBeforeMs?: number;
  readonly now?: () => number;
}

/**
 * Caches a fetched token and refreshes it before it expires, one fetch at a time however
 * many requests ask at once. When a refresh fails while the cached token is still valid,
 * the cached one is used; only with no valid token does token() fail.
 */
export class CachedTokenSource implements TokenSource {
  private cached: AccessToken | undefined;
  private inFlight: Promise<AccessToken> | undefined;
  private readonly refreshBeforeMs: number;
  private readonly now: () => number;

  constructor(
    readonly description: string,
    private readonly fetchToken: () => Promise<AccessToken>,
    options: CachedTokenSourceOptions = {},
  ) {
    this.refreshBeforeMs = options.refreshBeforeMs ?? 5 * 60 * 1000;
    this.now = options.now ?? Date.now;
  }

  async token(): Promise<Secret> {
    const now = this.now();
    const cached = this.cached;
    if (cached && now < cached.expiresAt - this.refreshBeforeMs) return cached.token;
    try {
      return (await this.refresh()).token;
    } catch (error) {
      if (cached && this.now() < cached.expiresAt) return cached.token;
      throw error;
    }
  }

  private refresh(): Promise<AccessToken> {
    this.inFlight ??= this.fetchToken()
      .then((fresh) => {
        this.cached = fresh;
        return fresh;
      })
      .finally(() => {
        this.inFlight = undefined;
      });
    return this.inFlight;
  }
}

/**
 * The attempt's error when a backend's token cannot be had: 503 so Envoy may fail over,
 * naming the source and the reason (which must not contain a secret).
 */
export function tokenUnavailable(backendName: string, source: TokenSource, reason: string): GatewayError {
  return new GatewayError(
    503,
    'server_error',
    'backend_credential_unavailable',
    `Backend "${backendName}" could not get an access token from ${source.description}: ${reason}.`,
  );
}
