import { createHash } from 'node:crypto';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { bedrockTranslator, CLAUDE, ENV, FIXED_NOW } from './__fixtures__/fixture-support';
import { expectedSignature, parseAuthorization } from './__fixtures__/sigv4-verifier';

const CHAT = { model: 'claude-bedrock', messages: [{ role: 'user', content: 'hi' }], max_tokens: 10 };
const BODY = '{"messages":[{"role":"user","content":[{"text":"hi"}]}],"inferenceConfig":{"maxTokens":10}}';
const PATH = '/model/anthropic.claude-3-5-sonnet-20241022-v2%3A0/converse';

describe('SigV4 signing of the final body', () => {
  test('fixed clock and credentials: the exact headers', async () => {
    const upstream = await bedrockTranslator(CHAT).requestBody();
    expect(upstream.path).toBe(PATH);
    expect(upstream.body.toString('utf8')).toBe(BODY);
    const bodyHash = createHash('sha256').update(BODY).digest('hex');
    expect(upstream.headers).toEqual({
      'content-type': 'application/json',
      'x-amz-date': '20260101T000000Z',
      'x-amz-content-sha256': bodyHash,
      authorization:
        'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/bedrock/aws4_request, ' +
        'SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date, ' +
        'Signature=c0221ba617122eaf2540ca813bb3caa66a0e1f0227cebf241b817bc0840a81aa',
    });
  });

  test('the signature checks out independently (node:crypto, from the SigV4 reference)', async () => {
    const upstream = await bedrockTranslator(CHAT).requestBody();
    // What Bedrock receives: the headers sent plus the host Envoy writes from :authority.
    const received = { method: 'POST', path: upstream.path, headers: { ...upstream.headers, host: 'bedrock-runtime.us-east-1.amazonaws.com' }, body: BODY };
    expect(parseAuthorization(upstream.headers.authorization)?.signature).toBe(expectedSignature(received, ENV.SK));
    // A changed body, path or host no longer matches.
    expect(expectedSignature({ ...received, body: BODY.replace('hi', 'ho') }, ENV.SK)).not.toBe(parseAuthorization(upstream.headers.authorization)?.signature);
    expect(expectedSignature({ ...received, path: PATH.replace('%3A', ':') }, ENV.SK)).not.toBe(parseAuthorization(upstream.headers.authorization)?.signature);
    expect(expectedSignature({ ...received, headers: { ...received.headers, host: 'example.com' } }, ENV.SK)).not.toBe(parseAuthorization(upstream.headers.authorization)?.signature);
  });

  test('a second SignatureV4 instance signing the same request agrees', async () => {
    const upstream = await bedrockTranslator(CHAT).requestBody();
    const signer = new SignatureV4({ service: 'bedrock', region: 'us-east-1', credentials: { accessKeyId: ENV.AK, secretAccessKey: ENV.SK }, sha256: Hash.bind(null, 'sha256') });
    const again = await signer.sign(
      { method: 'POST', protocol: 'https:', hostname: 'bedrock-runtime.us-east-1.amazonaws.com', path: PATH, query: {}, headers: { host: 'bedrock-runtime.us-east-1.amazonaws.com', 'content-type': 'application/json' }, body: BODY },
      { signingDate: FIXED_NOW() },
    );
    expect(upstream.headers.authorization).toBe(again.headers.authorization);
  });

  test('streaming signs accept too; a session token is sent and signed; a non-default port is part of host', async () => {
    const upstream = await bedrockTranslator({ ...CHAT, stream: true }, 'proxy').requestBody();
    expect(upstream.path).toBe(`/aws/model/${encodeURIComponent(CLAUDE)}/converse-stream`);
    expect(upstream.headers.accept).toBe('application/vnd.amazon.eventstream');
    expect(upstream.headers['x-amz-security-token']).toBe(ENV.ST);
    const claimed = parseAuthorization(upstream.headers.authorization);
    expect(claimed).toMatchObject({ accessKeyId: 'AKIDEXAMPLE', date: '20260101', region: 'eu-west-1', service: 'bedrock' });
    expect(claimed?.signedHeaders).toEqual(['accept', 'content-type', 'host', 'x-amz-content-sha256', 'x-amz-date', 'x-amz-security-token']);
    const received = { method: 'POST', path: upstream.path, headers: { ...upstream.headers, host: 'llm-proxy:8080' }, body: upstream.body.toString('utf8') };
    expect(claimed?.signature).toBe(expectedSignature(received, ENV.SK));
  });
});
