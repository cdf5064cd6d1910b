import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { validateConfig } from '../config/load';
import { compileConfig } from '../config/runtime';
import { Secret } from '../config/secret';
import { entraIdTokenSource, tokenRequestForm } from './entra-id-token-source';
import type { EntraIdOptions } from './entra-id-token-source';

const BASE: EntraIdOptions = {
  tenantId: 'contoso.onmicrosoft.com',
  clientId: 'app-1',
  proof: { clientSecret: new Secret('s3cr3t-value') },
  authorityHost: 'https://login.example/',
  scope: 'https://cognitiveservices.azure.com/.default',
  now: () => 1_000_000,
};

function fakeFetch(status: number, body: string): { fetch: typeof fetch; calls: Array<{ url: string; form: string }> } {
  const calls: Array<{ url: string; form: string }> = [];
  const impl = (url: string | URL | Request, init?: RequestInit): Promise<Response> => {
    calls.push({ url: String(url), form: String(init?.body) });
    return Promise.resolve(new Response(body, { status, headers: { 'content-type': 'application/json' } }));
  };
  return { fetch: impl as typeof fetch, calls };
}

describe('Entra ID token source', () => {
  test('client credentials with a secret: URL, form, token and expiry', async () => {
    const { fetch, calls } = fakeFetch(200, '{"token_type":"Bearer","expires_in":3599,"access_token":"tok-1"}');
    const source = entraIdTokenSource({ ...BASE, fetch });
    expect((await source.token()).reveal()).toBe('tok-1');
    expect((await source.token()).reveal()).toBe('tok-1');
    expect(calls).toHaveLength(1);
    expect(calls[0].url).toBe('https://login.example/contoso.onmicrosoft.com/oauth2/v2.0/token');
    expect(Object.fromEntries(new URLSearchParams(calls[0].form))).toEqual({
      grant_type: 'client_credentials',
      client_id: 'app-1',
      scope: 'https://cognitiveservices.azure.com/.default',
      client_secret: 's3cr3t-value',
    });
    expect(source.description).toBe('Entra ID tenant contoso.onmicrosoft.com (client app-1, client secret)');
  });

  test('a federated token file becomes client_assertion, read at each fetch', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'entra-')), 'token');
    writeFileSync(file, 'eyJ.first.jwt\n');
    const options: EntraIdOptions = { ...BASE, proof: { federatedTokenFile: file } };
    expect(Object.fromEntries(tokenRequestForm(options))).toEqual({
      grant_type: 'client_credentials',
      client_id: 'app-1',
      scope: 'https://cognitiveservices.azure.com/.default',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: 'eyJ.first.jwt',
    });
    writeFileSync(file, 'eyJ.rotated.jwt');
    expect(tokenRequestForm(options).get('client_assertion')).toBe('eyJ.rotated.jwt');
  });

  test.each([
    [401, '{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided s3cr3t-value"}', 'token endpoint answered HTTP 401 invalid_client'],
    [500, '<html>oops</html>', 'token endpoint answered HTTP 500'],
    [200, '{"access_token":"x"}', 'token endpoint answered without access_token and expires_in'],
    [200, 'not json', 'token endpoint answered with a body that is not JSON'],
  ])('HTTP %i: the reason names no secret and no response text', async (status, body, reason) => {
    const { fetch } = fakeFetch(status, body);
    const error = await entraIdTokenSource({ ...BASE, fetch }).token().then(() => undefined, (caught: unknown) => caught as Error);
    expect(error?.message).toBe(reason);
  });

  test('an unreachable endpoint and an unreadable file', async () => {
    const failing = (() => Promise.reject(new Error('ECONNREFUSED s3cr3t-value'))) as unknown as typeof fetch;
    await expect(entraIdTokenSource({ ...BASE, fetch: failing }).token()).rejects.toThrow('token endpoint https://login.example/contoso.onmicrosoft.com/oauth2/v2.0/token cannot be reached');
    await expect(entraIdTokenSource({ ...BASE, proof: { federatedTokenFile: '/nonexistent/token' } }).token()).rejects.toThrow('federated token file /nonexistent/token cannot be read');
  });
});

describe('entraId config', () => {
  const backend = (extra: object): object => ({ name: 'az', kind: 'azure-openai', baseUrl: 'https://r.openai.azure.com', ...extra });
  const config = (extra: object): object => ({ backends: [backend(extra)], models: [{ name: 'm', backends: [{ backend: 'az' }] }] });

  test('compiles to a token source with the defaults; the secret never prints', () => {
    const runtime = compileConfig(validateConfig(config({ entraId: { tenantId: 't1', clientId: 'c1', clientSecret: { env: 'AZ_SECRET' } } })), { AZ_SECRET: 'hidden-value' });
    const compiled = runtime.backends.get('az');
    expect(compiled?.tokenSource?.description).toBe('Entra ID tenant t1 (client c1, client secret)');
    expect(compiled?.credential).toBeUndefined();
    expect(inspect(compiled, { depth: 10 })).not.toContain('hidden-value');
    expect(runtime.source.backends[0].entraId).toMatchObject({ authorityHost: 'https://login.microsoftonline.com', scope: 'https://cognitiveservices.azure.com/.default' });
  });

  test('a missing secret is a credential problem naming the source', () => {
    const runtime = compileConfig(validateConfig(config({ entraId: { tenantId: 't1', clientId: 'c1', clientSecret: { env: 'AZ_SECRET' } } })), {});
    expect(runtime.backends.get('az')?.credentialProblem).toBe('entraId.clientSecret: environment variable AZ_SECRET is not set');
  });

  test.each([
    [{ entraId: { tenantId: 't', clientId: 'c' } }, 'backends[0].entraId: set exactly one of clientSecret or federatedTokenFile'],
    [{ entraId: { tenantId: 't', clientId: 'c', clientSecret: { env: 'X' }, federatedTokenFile: '/f' } }, 'backends[0].entraId: set exactly one of clientSecret or federatedTokenFile'],
    [{ entraId: { tenantId: 't', clientId: 'c', clientSecret: { env: 'X' }, tenant: 'typo' } }, 'tenant'],
    [{ entraId: { tenantId: 't', clientId: 'c', clientSecret: { env: 'X' } }, credential: { env: 'K' } }, 'backends[0].entraId: set credential or entraId, not both'],
  ])('invalid: %j', (extra, message) => {
    expect(() => validateConfig(config(extra))).toThrow(message);
  });

  test('only for azure-openai', () => {
    const raw = { backends: [{ name: 'o', kind: 'openai', baseUrl: 'https://x', entraId: { tenantId: 't', clientId: 'c', clientSecret: { env: 'X' } } }], models: [{ name: 'm', backends: [{ backend: 'o' }] }] };
    expect(() => validateConfig(raw)).toThrow('backends[0].entraId: entraId is for azure-openai backends');
  });
});
