import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { Secret } from '../config/secret';

/** Credentials to sign one request with. */
export interface AwsIdentity {
  readonly accessKeyId: Secret;
  readonly secretAccessKey: Secret;
  readonly sessionToken?: Secret;
}

/** Where a backend's AWS credentials come from; `credentials()` is called once per attempt. */
export interface AwsCredentialSource {
  /** For errors and logs (never a secret): "static keys", "the AWS default credential chain (profile x)". */
  readonly description: string;
  credentials(): Promise<AwsIdentity>;
}

/** Keys from the config (env or file), read once. */
export function staticAwsCredentials(identity: AwsIdentity, description: string): AwsCredentialSource {
  return { description, credentials: () => Promise.resolve(identity) };
}

/** Refresh temporary credentials this long before they expire. */
const REFRESH_BEFORE_MS = 5 * 60 * 1000;

/**
 * The AWS SDK's default credential chain (@aws-sdk/credential-provider-node): environment,
 * shared config and credentials files (profiles, SSO, credential_process), web identity
 * (EKS), ECS container credentials, EC2 instance metadata. Temporary credentials are cached
 * and refreshed before they expire, one refresh at a time; a failed refresh keeps using
 * credentials that are still valid.
 */
export class ChainAwsCredentials implements AwsCredentialSource {
  readonly description: string;
  private cached: { identity: AwsIdentity; expiresAt: number } | undefined;
  private inFlight: Promise<{ identity: AwsIdentity; expiresAt: number }> | undefined;

  constructor(
    private readonly profile: string | undefined,
    private readonly now: () => number = Date.now,
    private readonly provider: () => Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken?: string; expiration?: Date }> = defaultProvider(profile ? { profile } : {}),
  ) {
    this.description = `the AWS default credential chain${profile ? ` (profile ${profile})` : ''}`;
  }

  async credentials(): Promise<AwsIdentity> {
    const cached = this.cached;
    if (cached && this.now() < cached.expiresAt - REFRESH_BEFORE_MS) return cached.identity;
    try {
      return (await this.refresh()).identity;
    } catch (error) {
      if (cached && this.now() < cached.expiresAt) return cached.identity;
      throw error;
    }
  }

  private refresh(): Promise<{ identity: AwsIdentity; expiresAt: number }> {
    this.inFlight ??= this.provider()
      .then((found) => {
        const identity: AwsIdentity = {
          accessKeyId: new Secret(found.accessKeyId),
          secretAccessKey: new Secret(found.secretAccessKey),
          ...(found.sessionToken ? { sessionToken: new Secret(found.sessionToken) } : {}),
        };
        // Long-term keys carry no expiration: keep them (the chain is asked again only on failure).
        this.cached = { identity, expiresAt: found.expiration ? found.expiration.getTime() : Number.POSITIVE_INFINITY };
        return this.cached;
      })
      .finally(() => {
        this.inFlight = undefined;
      });
    return this.inFlight;
  }
}
