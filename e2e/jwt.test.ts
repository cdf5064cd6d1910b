import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import type { CryptoKey } from 'jose';
import OpenAI from 'openai';
import { FakeProvider } from '../src/fake-provider/fake-provider';
import { Stack, describeE2E } from './harness';

const MESSAGES = [{ role: 'user' as const, content: 'hello there' }];

/**
 * JWT bearer tokens through real Envoy: the identity provider's keys come from a JWKS URL
 * (a local server), claims name the team (a nested claim), project and caller.
 */
describeE2E('JWT callers through Envoy + aigw', () => {
  let provider: FakeProvider;
  let stack: Stack;
  let jwks: Server;
  let signing: CryptoKey;

  const token = (claims: Record<string, unknown>, expiresAt = Math.floor(Date.now() / 1000) + 300, audience = 'aigw-e2e'): Promise<string> =>
    new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'e2e-1' }).setIssuer('https://idp.e2e').setAudience(audience).setIssuedAt().setExpirationTime(expiresAt).sign(signing);
  const client = (bearer: string): OpenAI => new OpenAI({ apiKey: bearer, baseURL: `${stack.baseUrl}/v1`, maxRetries: 0 });

  beforeAll(async () => {
    const pair = await generateKeyPair('ES256', { extractable: true });
    signing = pair.privateKey;
    const publicJwk = { ...(await exportJWK(pair.publicKey)), kid: 'e2e-1', alg: 'ES256', use: 'sig' };
    jwks = createServer((_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [publicJwk] })));
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    provider = await FakeProvider.start({ name: 'jwt' });
    stack = await Stack.start({
      config: {
        backends: [{ name: 'fake', kind: 'openai', baseUrl: `${provider.url}/v1` }],
        models: [
          { name: 'chat-small', backends: [{ backend: 'fake' }] },
          { name: 'chat-large', backends: [{ backend: 'fake' }] },
        ],
        jwt: {
          jwksUrl: `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`,
          issuer: 'https://idp.e2e',
          audience: 'aigw-e2e',
          algorithms: ['ES256'],
          claims: { caller: 'client_id', team: 'org.team', project: 'project', user: 'sub' },
        },
        accessProfiles: { teams: { platform: { models: ['chat-small'] } } },
      },
    });
  });

  afterAll(async () => {
    await stack?.stop();
    await provider?.close();
    await new Promise((resolve) => jwks?.close(resolve));
  });

  test('a JWT caller is attributed: caller, team and project from its claims in the access log', async () => {
    const bearer = await token({ sub: 'user-42', client_id: 'reporting-app', org: { team: 'platform' }, project: 'dashboards' });
    const completion = await client(bearer).chat.completions.create({ model: 'chat-small', max_tokens: 5, messages: MESSAGES });
    expect(completion.choices[0].message.content).toBe('Hello from jwt');
    const entry = await stack.waitForAccessLog((line) => line.caller === 'reporting-app');
    expect(entry).toMatchObject({ status: 200, model: 'chat-small', team: 'platform', project: 'dashboards' });
    // The team's static profile applies to JWT callers too.
    expect((await client(bearer).models.list()).data.map((model) => model.id)).toEqual(['chat-small']);
    const refused = await client(bearer).chat.completions.create({ model: 'chat-large', messages: MESSAGES }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OpenAI.PermissionDeniedError);
  });

  test.each([
    ['an expired token', async () => token({ client_id: 'a', org: { team: 't' }, project: 'p' }, Math.floor(Date.now() / 1000) - 120), 'The bearer token has expired.'],
    ['a token for another audience', async () => token({ client_id: 'a', org: { team: 't' }, project: 'p' }, undefined, 'other'), 'The bearer token is not meant for this gateway (audience).'],
    ['a token without the team claim', async () => token({ client_id: 'a', project: 'p' }), 'The bearer token has no "org.team" claim (the team of the request).'],
  ])('%s gets 401 with a clear message', async (_name, make, message) => {
    const error = await client(await make()).chat.completions.create({ model: 'chat-small', messages: MESSAGES }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((error as InstanceType<typeof OpenAI.AuthenticationError>).error).toEqual({ message, type: 'invalid_request_error', param: null, code: 'invalid_token' });
  });
});
