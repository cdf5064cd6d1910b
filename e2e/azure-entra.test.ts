import OpenAI from 'openai';
import { FakeProvider } from '../src/fake-provider/fake-provider';
import { Stack, TEST_KEY, describeE2E } from './harness';

/** Azure OpenAI authenticated with Entra ID tokens (client credentials) through Envoy + aigw. */
describeE2E('Azure OpenAI with Entra ID', () => {
  let azure: FakeProvider;
  let brokenAuthority: FakeProvider;
  let stack: Stack;
  let client: OpenAI;

  beforeAll(async () => {
    azure = await FakeProvider.start({ name: 'azure' });
    brokenAuthority = await FakeProvider.start({ name: 'entra-down' });
    const entraId = (authorityHost: string): object => ({ tenantId: 'contoso-tenant', clientId: 'aigw-app', clientSecret: { env: 'AZ_CLIENT_SECRET' }, authorityHost });
    stack = await Stack.start({
      env: { AZ_CLIENT_SECRET: 'entra-client-secret-value' },
      config: {
        backends: [
          // The fake provider serves both the deployment and the token endpoint.
          { name: 'azure-entra', kind: 'azure-openai', baseUrl: azure.url, entraId: entraId(azure.url) },
          { name: 'azure-broken', kind: 'azure-openai', baseUrl: azure.url, entraId: entraId(brokenAuthority.url) },
        ],
        models: [
          { name: 'gpt-4o', backends: [{ backend: 'azure-entra' }] },
          { name: 'gpt-4o-broken', backends: [{ backend: 'azure-broken' }] },
        ],
      },
    });
    client = new OpenAI({ apiKey: TEST_KEY, baseURL: `${stack.baseUrl}/v1`, maxRetries: 0 });
  });

  afterAll(async () => {
    await stack?.stop();
    await Promise.all([azure?.close(), brokenAuthority?.close()]);
  });

  test('one token fetch serves two requests; the deployment gets the bearer token, no api-key', async () => {
    azure.reset();
    for (const content of ['first', 'second']) {
      const completion = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content }] });
      expect(completion.choices[0].message.content).toBe('Hello from azure');
    }
    expect(azure.received.map((request) => request.path)).toEqual([
      '/contoso-tenant/oauth2/v2.0/token',
      '/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21',
      '/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21',
    ]);
    const tokenRequest = azure.received[0];
    expect(tokenRequest.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(tokenRequest.body))).toEqual({
      grant_type: 'client_credentials',
      client_id: 'aigw-app',
      scope: 'https://cognitiveservices.azure.com/.default',
      client_secret: 'entra-client-secret-value',
    });
    for (const upstream of azure.received.slice(1)) {
      expect(upstream.headers.authorization).toBe('Bearer fake-entra-token-1');
      expect(upstream.headers['api-key']).toBeUndefined();
    }
    const entry = await stack.waitForAccessLog((line) => line.model === 'gpt-4o' && line.status === 200);
    expect(entry).toMatchObject({ attempts: 1, input_tokens: expect.any(Number) as number });
  });

  test('a failing token endpoint: 503 in OpenAI shape naming the source and the reason, no secret; the deployment is never called', async () => {
    azure.reset();
    brokenAuthority.enqueue({ kind: 'json', status: 401, body: { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.' } });
    const error = await client.chat.completions.create({ model: 'gpt-4o-broken', messages: [{ role: 'user', content: 'x' }] }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect((error as InstanceType<typeof OpenAI.InternalServerError>).status).toBe(503);
    const body = (error as InstanceType<typeof OpenAI.InternalServerError>).error as { message: string; type: string };
    expect(body).toEqual({
      message: 'Backend "azure-broken" could not get an access token from Entra ID tenant contoso-tenant (client aigw-app, client secret): token endpoint answered HTTP 401 invalid_client.',
      type: 'server_error',
      param: null,
      code: 'backend_credential_unavailable',
    });
    expect(body.message).not.toContain('entra-client-secret-value');
    expect(brokenAuthority.received).toHaveLength(1);
    expect(azure.received).toHaveLength(0);
  });
});
