import { GoogleAuth } from 'google-auth-library';
import { Secret } from '../config/secret';
import { CachedTokenSource } from './token-source';
import type { TokenSource } from './token-source';

/** The scope Vertex AI accepts. */
const CLOUD_PLATFORM = 'https://www.googleapis.com/auth/cloud-platform';
/** Where google-auth-library posts service-account assertions. */
const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';
/** Tokens last an hour; assumed when the library reports no expiry. */
const DEFAULT_LIFETIME_MS = 3_600_000;

/**
 * OAuth access tokens for Vertex AI from google-auth-library: a service-account key file, or
 * Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS, workload identity, the
 * metadata server, gcloud). Fetched on first use, cached and refreshed before expiry.
 * `tokenUrl` sends the library's token requests elsewhere (Private Service Connect, tests).
 */
export function gcpTokenSource(backendName: string, gcp: { credentialsFile?: string; tokenUrl?: string }): TokenSource {
  const tokenUrl = gcp.tokenUrl;
  const auth = new GoogleAuth({
    keyFilename: gcp.credentialsFile,
    scopes: [CLOUD_PLATFORM],
    clientOptions: {
      transporterOptions: {
        // Node's own fetch: gaxios would otherwise import node-fetch dynamically, which
        // fails where dynamic import is unavailable (Jest's VM).
        fetchImplementation: fetch,
        ...(tokenUrl ? { adapter: (options, next) => next(String(options.url).startsWith(GOOGLE_TOKEN_URL) ? { ...options, url: new URL(tokenUrl) } : options) } : {}),
      },
    },
  });
  const description = gcp.credentialsFile ? `the service account key ${gcp.credentialsFile}` : 'Application Default Credentials';
  return new CachedTokenSource(`${description} (backend ${backendName})`, async () => {
    const client = await auth.getClient();
    const { token } = await client.getAccessToken();
    if (!token) throw new Error('no access token in the answer');
    const expiry = (client.credentials as { expiry_date?: number | null }).expiry_date;
    return { token: new Secret(token), expiresAt: expiry ?? Date.now() + DEFAULT_LIFETIME_MS };
  });
}
