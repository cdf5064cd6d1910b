import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { parse } from 'yaml';
import { FakeProvider } from '../src/fake-provider/fake-provider';
import { Stack, TEST_KEY, describeE2E, fakeReservedPrompt, makeCertificates, settledCounter } from './harness';

const ROOT = join(__dirname, '..');
const CLI = join(ROOT, 'dist', 'src', 'cli.js');
const FIXTURES = ['e2e/fixtures/eaigw/route.yaml', 'e2e/fixtures/eaigw/backends.yaml'];
const LIMITS = 'e2e/fixtures/eaigw/limits.yaml';

/** The provider keys, as the Secrets would hold them: each fake checks its own. */
const KEYS = {
  OPENAI_PRIMARY_KEY_API_KEY: 'sk-primary-secret',
  OPENAI_SECONDARY_KEY_API_KEY: 'sk-secondary-secret',
  AZURE_KEY_API_KEY: 'azure-secret',
  ANTHROPIC_KEY_API_KEY: 'sk-ant-secret',
};

const MESSAGES = [{ role: 'user' as const, content: 'hello there' }];

type Config = { backends: Array<Record<string, unknown>>; rateLimits?: Record<string, unknown> } & Record<string, unknown>;

/**
 * `aigw import eaigw` on manifests written for the test (route.yaml, backends.yaml), then the
 * imported config through real Envoy: each model goes where the AIGatewayRoute sends it, a
 * failing priority 0 falls over to priority 1, weights split the load, each backend gets the
 * credential its BackendSecurityPolicy names in the header of its kind, and llmRequestCosts
 * are recorded (and can limit) per request.
 */
describeE2E('aigw import eaigw: the imported config serves as the Envoy AI Gateway routes describe', () => {
  let dir: string;
  let imported: Config;
  let stderr: string;
  const fakes: Record<string, FakeProvider> = {};
  let stack: Stack;
  let limited: Stack;
  let openai: OpenAI;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'aigw-eaigw-'));
    const secretDir = join(dir, 'secrets');
    const certificates = makeCertificates(dir, ['api.openai.test']);
    // The BackendTLSPolicy's ConfigMap test-ca, mounted as a pod would: DIR/test-ca/ca.crt.
    mkdirSync(join(secretDir, 'test-ca'), { recursive: true });
    copyFileSync(certificates.caFile, join(secretDir, 'test-ca', 'ca.crt'));
    const importFiles = (files: string[], out: string): { stderr: string; config: Config } => {
      const result = spawnSync(process.execPath, [CLI, 'import', 'eaigw', ...files, '--secret-dir', secretDir, '--out', out], { cwd: ROOT, encoding: 'utf8' });
      expect([result.status, result.stderr]).toEqual([0, expect.any(String)]);
      return { stderr: result.stderr, config: parse(readFileSync(out, 'utf8')) as Config };
    };
    ({ stderr, config: imported } = importFiles(FIXTURES, join(dir, 'aigw.yaml')));
    // The same resources with the BackendTrafficPolicy that limits the route's token costs.
    const withLimits = importFiles([...FIXTURES, LIMITS], join(dir, 'aigw-limits.yaml')).config;

    fakes['openai-primary'] = await FakeProvider.start({ name: 'primary', tls: { key: certificates.key, cert: certificates.cert } });
    fakes['openai-secondary'] = await FakeProvider.start({ name: 'secondary' });
    fakes['azure-fallback'] = await FakeProvider.start({ name: 'azure' });
    fakes.anthropic = await FakeProvider.start({ name: 'anthropic' });
    // The Backends name hosts of a cluster; here each connects to its fake (Host and SNI stay the Backend's).
    const backends = imported.backends.map((backend) => ({ ...backend, address: `127.0.0.1:${fakes[String(backend.name)].port}` }));
    stack = await Stack.start({ env: KEYS, config: { ...imported, backends } });
    limited = await Stack.start({ env: KEYS, config: { ...withLimits, backends } });
    openai = new OpenAI({ apiKey: TEST_KEY, baseURL: `${stack.baseUrl}/v1`, maxRetries: 0 });
  });

  afterAll(async () => {
    await stack?.stop();
    await limited?.stop();
    await Promise.all(Object.values(fakes).map((fake) => fake.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(() => Object.values(fakes).forEach((fake) => fake.reset()));

  test('the command names what it did not carry over on stderr', () => {
    expect(stderr).toContain('warning: AIGatewayRoute ai/llm-route spec.parentRefs: not carried over: aigw serves every model on its one listener (listener.address, listener.port)\n');
    expect(stderr).toMatch(/imported 4 models and 4 backends into .*aigw\.yaml; 4 notes\n$/);
  });

  test('model matching: gpt-4o goes to openai-primary over TLS with its Bearer key; claude-sonnet to Anthropic with x-api-key and modelNameOverride', async () => {
    const chat = await openai.chat.completions.create({ model: 'gpt-4o', messages: MESSAGES });
    expect(chat.choices[0].message.content).toBe('Hello from primary');
    const primary = fakes['openai-primary'].received;
    expect(primary.map((request) => [request.path, request.headers.authorization, request.headers.host, (request.json as { model: string }).model])).toEqual([
      ['/v1/chat/completions', 'Bearer sk-primary-secret', 'api.openai.test', 'gpt-4o'],
    ]);
    const anthropic = new Anthropic({ apiKey: TEST_KEY, baseURL: stack.baseUrl, maxRetries: 0 });
    const message = await anthropic.messages.create({ model: 'claude-sonnet', max_tokens: 16, messages: MESSAGES });
    expect(message.content).toEqual([{ type: 'text', text: 'Hello from anthropic' }]);
    expect(fakes.anthropic.received.map((request) => [request.path, request.headers['x-api-key'], request.headers.authorization, (request.json as { model: string }).model])).toEqual([
      ['/v1/messages', 'sk-ant-secret', undefined, 'claude-sonnet-4-5'],
    ]);
    expect(fakes['azure-fallback'].received).toEqual([]);
    expect(fakes['openai-secondary'].received).toEqual([]);
  });

  test('priorities: openai-primary answers 503, the request falls over to azure-fallback (priority 1) with its api-key and deployment', async () => {
    fakes['openai-primary'].enqueue({ kind: 'json', status: 503, body: { error: { message: 'overloaded', type: 'server_error' } } });
    const chat = await openai.chat.completions.create({ model: 'gpt-4o', messages: MESSAGES });
    expect(chat.choices[0].message.content).toBe('Hello from azure');
    expect(fakes['openai-primary'].received).toHaveLength(1);
    expect(fakes['azure-fallback'].received.map((request) => [request.path, request.headers['api-key'], request.headers.authorization])).toEqual([
      ['/openai/deployments/gpt-4o-deployment/chat/completions?api-version=2024-10-21', 'azure-secret', undefined],
    ]);
  });

  test('a header beside the model: x-tier premium sends gpt-4o to openai-secondary (its prefix, its key), still as gpt-4o', async () => {
    const chat = await openai.chat.completions.create({ model: 'gpt-4o', messages: MESSAGES }, { headers: { 'x-tier': 'premium' } });
    expect(chat.choices[0].message.content).toBe('Hello from secondary');
    expect(fakes['openai-secondary'].received.map((request) => [request.path, request.headers.authorization, (request.json as { model: string }).model])).toEqual([
      ['/compat/v1/chat/completions', 'Bearer sk-secondary-secret', 'gpt-4o'],
    ]);
    expect(fakes['openai-primary'].received).toEqual([]);
  });

  test('weights: gpt-4o-mini splits 3:1 between openai-primary and openai-secondary (30 of 40 expected, within 22-38)', async () => {
    const total = 40;
    for (let index = 0; index < total; index += 1) {
      const chat = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES });
      expect(['Hello from primary', 'Hello from secondary']).toContain(chat.choices[0].message.content);
    }
    const primary = fakes['openai-primary'].received.length;
    const secondary = fakes['openai-secondary'].received.length;
    expect(primary + secondary).toBe(total);
    // An even split would give 20; priority order alone 40.
    expect(primary).toBeGreaterThanOrEqual(22);
    expect(primary).toBeLessThanOrEqual(38);
  });

  test('token costs: each llmRequestCost is recorded for the request (the fake uses 5 input and 4 output tokens)', async () => {
    await openai.chat.completions.create({ model: 'gpt-4o', messages: MESSAGES });
    const entry = await stack.waitForAccessLog((line) => line.model === 'gpt-4o' && line.status === 200 && line.cost_weighted !== undefined);
    expect(entry).toMatchObject({ input_tokens: 5, output_tokens: 4, cost_llm_input_token: 5, cost_llm_output_token: 4, cost_llm_total_token: 9, cost_weighted: 5 + 4 * 4 });
  });

  test("token costs: the BackendTrafficPolicy's limit of 40 weighted tokens an hour on gpt-4o reserves and settles at the formula, then refuses what no longer fits", async () => {
    const client = new OpenAI({ apiKey: TEST_KEY, baseURL: `${limited.baseUrl}/v1`, maxRetries: 0 });
    const body = { model: 'gpt-4o', max_tokens: 5, messages: MESSAGES };
    // What aigw reserves: the prompt estimate (with its margin) + 4 × max_tokens; the request uses 5 + 4 × 4 = 21.
    const reserved = fakeReservedPrompt({ messages: MESSAGES }) + 4 * 5;
    expect(reserved).toBeLessThanOrEqual(40);
    expect(40 - 21).toBeLessThan(reserved);
    await client.chat.completions.create(body);
    expect(await settledCounter(limited, [{ key: 'metric', value: 'weighted' }, { key: 'model', value: 'gpt-4o' }])).toBe(5 + 4 * 4);
    const error = await client.chat.completions.create(body).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect(fakes['openai-primary'].received).toHaveLength(1);
  });
});
