import OpenAI from 'openai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeProvider } from '../src/fake-provider/fake-provider';
import { expectedSignature, parseAuthorization } from '../src/providers/bedrock/__fixtures__/sigv4-verifier';
import { Stack, TEST_KEY, describeE2E } from './harness';

/**
 * Bedrock credentials from the AWS SDK's default chain (here a profile in the shared
 * credentials file, the way ~/.aws/credentials or a mounted secret provides them), and a
 * chain that finds nothing: a 503 in the client's shape naming the source.
 */
describeE2E('Bedrock with the AWS default credential chain', () => {
  const saved = { ...process.env };
  let dir: string;
  let bedrock: FakeProvider;
  let stack: Stack;
  let client: OpenAI;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'aigw-aws-e2e-'));
    writeFileSync(join(dir, 'credentials'), '[aigw-e2e]\naws_access_key_id = AKIDCHAIN\naws_secret_access_key = chain-secret\n');
    writeFileSync(join(dir, 'config'), '');
    // aigw runs in this process, so the chain reads this process's environment.
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    delete process.env.AWS_PROFILE;
    process.env.AWS_SHARED_CREDENTIALS_FILE = join(dir, 'credentials');
    process.env.AWS_CONFIG_FILE = join(dir, 'config');
    process.env.AWS_EC2_METADATA_DISABLED = 'true';
    bedrock = await FakeProvider.start({ name: 'bedrock' });
    stack = await Stack.start({
      env: {},
      config: {
        backends: [
          { name: 'profiled', kind: 'bedrock', baseUrl: bedrock.url, aws: { region: 'eu-central-1', profile: 'aigw-e2e' } },
          { name: 'nothing', kind: 'bedrock', baseUrl: bedrock.url, aws: { region: 'eu-central-1', profile: 'no-such-profile' } },
        ],
        models: [
          { name: 'claude', backends: [{ backend: 'profiled', model: 'anthropic.claude-3-5-haiku-20241022-v1:0' }] },
          { name: 'unsigned', backends: [{ backend: 'nothing', model: 'anthropic.claude-3-5-haiku-20241022-v1:0' }] },
        ],
      },
    });
    client = new OpenAI({ apiKey: TEST_KEY, baseURL: `${stack.baseUrl}/v1`, maxRetries: 0 });
  });

  afterAll(async () => {
    await stack?.stop();
    await bedrock?.close();
    process.env = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  test('a profile from the shared credentials file signs the request', async () => {
    const completion = await client.chat.completions.create({ model: 'claude', messages: [{ role: 'user', content: 'hi' }] });
    expect(completion.choices[0].message.content).toBe('Hello from bedrock');
    const upstream = bedrock.received[0];
    expect(parseAuthorization(upstream.headers.authorization)).toMatchObject({ accessKeyId: 'AKIDCHAIN', region: 'eu-central-1', service: 'bedrock' });
    expect(parseAuthorization(upstream.headers.authorization)?.signature).toBe(expectedSignature(upstream, 'chain-secret'));
  });

  test('a chain that finds no credentials: 503 naming the chain, nothing sent upstream', async () => {
    bedrock.reset();
    const error = await client.chat.completions.create({ model: 'unsigned', messages: [{ role: 'user', content: 'hi' }] }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(OpenAI.APIError);
    const apiError = error as InstanceType<typeof OpenAI.APIError>;
    expect(apiError.status).toBe(503);
    expect(apiError.error).toMatchObject({ type: 'server_error', code: 'backend_credential_unavailable' });
    expect((apiError.error as { message: string }).message).toMatch(/^Backend "nothing" could not get AWS credentials from the AWS default credential chain \(profile no-such-profile\): /);
    expect(bedrock.received).toHaveLength(0);
  });
});
