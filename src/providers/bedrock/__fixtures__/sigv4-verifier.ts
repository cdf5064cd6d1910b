/**
 * An independent SigV4 check for tests (unit and e2e): recomputes a request's signature from
 * what was sent, with node:crypto only, following the SigV4 reference step by step
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html), so a bug in
 * how the gateway drives @smithy/signature-v4 cannot hide behind the same library.
 */
import { createHash, createHmac } from 'node:crypto';

/** A request as received: lowercase header names, the path as sent (already percent-encoded). */
export interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** The parts of an `Authorization: AWS4-HMAC-SHA256 …` header. */
export interface ParsedAuthorization {
  readonly accessKeyId: string;
  readonly date: string;
  readonly region: string;
  readonly service: string;
  readonly signedHeaders: string[];
  readonly signature: string;
}

const AUTHORIZATION = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/;

/** Parses an authorization header; undefined when it is not SigV4. */
export function parseAuthorization(value: string | undefined): ParsedAuthorization | undefined {
  const match = AUTHORIZATION.exec(value ?? '');
  if (!match) return undefined;
  return { accessKeyId: match[1], date: match[2], region: match[3], service: match[4], signedHeaders: match[5].split(';'), signature: match[6] };
}

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');
const hmac = (key: Buffer | string, text: string): Buffer => createHmac('sha256', key).update(text, 'utf8').digest();

/** RFC 3986 encoding of each path segment, applied to the path as sent: every service but S3 double-encodes. */
function canonicalUri(path: string): string {
  const escape = (segment: string): string => encodeURIComponent(segment).replace(/[!'()*]/g, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`);
  return path.split('?')[0].split('/').map(escape).join('/');
}

/** The canonical request SigV4 hashes (task 1 of the reference). */
export function canonicalRequest(request: ReceivedRequest, signedHeaders: readonly string[]): string {
  const headerLines = signedHeaders.map((name) => `${name}:${(request.headers[name] ?? '').trim().replace(/\s+/g, ' ')}\n`).join('');
  return [request.method.toUpperCase(), canonicalUri(request.path), '', headerLines, signedHeaders.join(';'), sha256(request.body)].join('\n');
}

/** The signature the request should carry, given the secret key and what its authorization header claims. */
export function expectedSignature(request: ReceivedRequest, secretAccessKey: string): string {
  const claimed = parseAuthorization(request.headers.authorization);
  if (!claimed) throw new Error(`not a SigV4 authorization header: ${request.headers.authorization ?? '(none)'}`);
  const amzDate = request.headers['x-amz-date'] ?? '';
  const scope = `${claimed.date}/${claimed.region}/${claimed.service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonicalRequest(request, claimed.signedHeaders))].join('\n');
  const key = [claimed.date, claimed.region, claimed.service, 'aws4_request'].reduce<Buffer | string>((previous, part) => hmac(previous, part), `AWS4${secretAccessKey}`);
  return createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex');
}
