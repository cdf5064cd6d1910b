import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type { RuntimeBackend } from '../../config/runtime';
import type { AwsIdentity } from '../../credentials/aws-credentials';
import { GatewayError } from '../../errors';

/** The SigV4 service name of Bedrock Runtime (its endpoints' credential scope is `bedrock`). */
export const BEDROCK_SIGNING_SERVICE = 'bedrock';
/** The content type of ConverseStream responses (ConverseStream reference). */
export const EVENTSTREAM_CONTENT_TYPE = 'application/vnd.amazon.eventstream';

/** What is signed: a POST of `body` to `path` on the backend. */
export interface BedrockSigningInput {
  readonly backend: RuntimeBackend;
  /** Path as sent, already percent-encoded (`/model/anthropic.claude-…%3A0/converse`). */
  readonly path: string;
  readonly body: string;
  readonly stream: boolean;
  /** The signing time; tests pass a fixed one. */
  readonly signingDate: Date;
}

/**
 * Signs a Bedrock Runtime request with AWS Signature Version 4
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_aws-signing.html) over the final
 * body, and returns the headers to send (lowercase names). The signed `host` is the backend's
 * authority, which is what the gateway sets as `:authority`, so Bedrock sees the same value.
 * The path is escaped once more in the canonical request, as SigV4 wants for every service
 * but S3 (SignatureV4's default `uriEscapePath`), matching what the AWS SDKs send Bedrock.
 */
export async function signBedrockRequest(input: BedrockSigningInput): Promise<Record<string, string>> {
  const { backend } = input;
  if (!backend.aws) {
    throw new GatewayError(500, 'server_error', 'missing_credentials', `Backend "${backend.name}" (bedrock) has no AWS credentials configured.`);
  }
  const { region, source } = backend.aws;
  let identity: AwsIdentity;
  try {
    identity = await source.credentials();
  } catch (error) {
    // 503: Envoy may fail over; the SDK's messages name the sources it tried, not secrets.
    throw new GatewayError(503, 'server_error', 'backend_credential_unavailable', `Backend "${backend.name}" could not get AWS credentials from ${source.description}: ${((error as Error).message || 'unknown error').slice(0, 200)}.`);
  }
  const { accessKeyId, secretAccessKey, sessionToken } = identity;
  const signer = new SignatureV4({
    service: BEDROCK_SIGNING_SERVICE,
    region,
    credentials: { accessKeyId: accessKeyId.reveal(), secretAccessKey: secretAccessKey.reveal(), ...(sessionToken ? { sessionToken: sessionToken.reveal() } : {}) },
    sha256: Hash.bind(null, 'sha256'),
  });
  const headers: Record<string, string> = { host: backend.authority, 'content-type': 'application/json' };
  if (input.stream) headers.accept = EVENTSTREAM_CONTENT_TYPE;
  const defaultPort = backend.tls ? 443 : 80;
  const signed = await signer.sign(
    {
      method: 'POST',
      protocol: 'https:',
      hostname: backend.host,
      ...(backend.port !== defaultPort ? { port: backend.port } : {}),
      path: input.path,
      query: {},
      headers,
      body: input.body,
    },
    { signingDate: input.signingDate },
  );
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(signed.headers)) {
    // Envoy sets the host itself, from :authority (the same value signed above).
    if (name.toLowerCase() !== 'host') result[name.toLowerCase()] = value;
  }
  return result;
}
