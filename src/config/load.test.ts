import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { format, inspect } from 'node:util';
import { ConfigError, formatPath, formatProblem, loadConfigFile, parseConfigText, validateConfig } from './load';
import type { ConfigProblem } from './load';
import { compileConfig } from './runtime';
import type { RuntimeBackend, RuntimeConfig } from './runtime';
import type { AigwConfig } from './schema';

const FIXTURES = join(__dirname, '..', '..', 'test', 'fixtures', 'config');
const fixturePath = (name: string): string => join(FIXTURES, name);

const ALICE_HASH = 'sha256:099295a3784e1bd368dc348843a7398c1931b6b8ec2504c73e91ed2040bdc46c';
const BATCH_HASH = 'sha256:38fcc73a9dc613f145bed24eb4123f92105c78567a6e563d43dbcb1f29927864';

/** The problems a ConfigError carries; fails the test when nothing (or something else) is thrown. */
function problemsOf(action: () => unknown): ConfigProblem[] {
  try {
    action();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

/** A backend as plain data, with the credential's secret revealed so it can be compared. */
function plainBackend(backend: RuntimeBackend): Record<string, unknown> {
  const { credential, ...rest } = backend;
  return {
    ...rest,
    credential: credential && { header: credential.header, prefix: credential.prefix, secret: credential.secret.reveal() },
  };
}

function backendOf(config: RuntimeConfig, name: string): RuntimeBackend {
  const backend = config.backends.get(name);
  if (!backend) throw new Error(`no backend ${name}`);
  return backend;
}

/** A config with the given backends and one model using all of them, for compileConfig tests. */
function configWith(backends: Array<Record<string, unknown>>, entries?: Array<Record<string, unknown>>, retries?: number): AigwConfig {
  return validateConfig({
    backends,
    models: [
      {
        name: 'model',
        backends: entries ?? backends.map((backend) => ({ backend: backend.name })),
        ...(retries === undefined ? {} : { retries }),
      },
    ],
  });
}

function modelOf(config: RuntimeConfig, name = 'model'): Array<{ backend: string; priority: number; upstreamModel: string | undefined }> {
  const model = config.models.get(name);
  if (!model) throw new Error(`no model ${name}`);
  return model.backends.map((entry) => ({ backend: entry.backend.name, priority: entry.priority, upstreamModel: entry.upstreamModel }));
}

describe('valid config files', () => {
  test('valid-minimal.yaml: defaults are filled in', () => {
    expect(loadConfigFile(fixturePath('valid-minimal.yaml'))).toEqual({
      listener: { address: '127.0.0.1', port: 10000 },
      envoy: { adminAddress: '127.0.0.1', adminPort: 9901, accessLog: '/dev/stdout', caBundle: '/etc/ssl/certs/ca-certificates.crt' },
      server: { grpc: ['unix:/tmp/aigw/extproc.sock'], grpcSocketMode: '0600', admin: '127.0.0.1:9090', drainSeconds: 30 },
      limits: {
        maxRequestBodyBytes: 8388608,
        requestTimeoutSeconds: 600,
        idleTimeoutSeconds: 300,
        requestHeadersTimeoutSeconds: 10,
        requestReceiveTimeoutSeconds: 60,
        maxJsonDepth: 128,
        maxStreamEventBytes: 16777216,
        maxResponseBodyBytes: 67108864,
      },
      backends: [{ name: 'openai', kind: 'openai', baseUrl: 'https://api.openai.com/v1', streamIncludeUsage: true, forwardHeaders: [] }],
      models: [{ name: 'gpt-4o-mini', backends: [{ backend: 'openai' }] }],
      callers: [],
      prices: [],
      routing: [],
    });
  });

  test('valid-minimal.yaml compiles with one warning about callers', () => {
    const config = compileConfig(loadConfigFile(fixturePath('valid-minimal.yaml')), {});
    expect(config.warnings).toEqual(['callers: none configured; every request will get 401']);
    expect(modelOf(config, 'gpt-4o-mini')).toEqual([{ backend: 'openai', priority: 0, upstreamModel: undefined }]);
    expect(config.models.get('gpt-4o-mini')?.retries).toBe(0);
    expect(config.callersByKeyDigest.size).toBe(0);
    expect(Object.isFrozen(config)).toBe(true);
  });

  test('valid-full.yaml: every value as written', () => {
    const config = loadConfigFile(fixturePath('valid-full.yaml'));
    expect(config.listener).toEqual({ address: '127.0.0.1', port: 8080 });
    expect(config.envoy).toEqual({
      adminAddress: '0.0.0.0',
      adminPort: 9902,
      accessLog: '/var/log/envoy/access.log',
      caBundle: '/etc/pki/tls/certs/ca-bundle.crt',
      extprocTarget: 'unix:/run/aigw/extproc.sock',
      extprocTls: { certFile: '/etc/envoy/tls/envoy.pem', keyFile: '/etc/envoy/tls/envoy-key.pem', caFile: '/etc/envoy/tls/aigw-ca.pem' },
    });
    expect(config.server).toEqual({
      grpc: ['unix:/run/aigw/extproc.sock', '127.0.0.1:50051'],
      grpcSocketMode: '0660',
      grpcTls: { certFile: '/etc/aigw/tls/aigw.pem', keyFile: '/etc/aigw/tls/aigw-key.pem', caFile: '/etc/aigw/tls/envoy-ca.pem' },
      admin: '[::1]:9090',
      drainSeconds: 5,
    });
    expect(config.limits).toEqual({
      maxRequestBodyBytes: 1048576,
      requestTimeoutSeconds: 120,
      idleTimeoutSeconds: 120,
      requestHeadersTimeoutSeconds: 5,
      requestReceiveTimeoutSeconds: 30,
      maxJsonDepth: 64,
      maxStreamEventBytes: 4194304,
      maxResponseBodyBytes: 33554432,
    });
    expect(config.backends[1]).toEqual({
      name: 'azure',
      kind: 'openai',
      baseUrl: 'https://example.openai.azure.com:8443/openai/v1/',
      address: '10.0.0.7',
      credential: { env: 'AZURE_KEY', header: 'api-key', prefix: '' },
      model: 'gpt-4o-mini-azure',
      streamIncludeUsage: true,
      forwardHeaders: ['x-ms-client-request-id'],
      tls: { caFile: '/etc/aigw/azure-ca.pem', serverName: 'azure.internal' },
    });
    expect(config.callers).toEqual([
      { name: 'alice', keyHash: ALICE_HASH, team: 'research', project: 'chatbot', user: 'alice@example.com' },
      { name: 'batch-job', keyHash: BATCH_HASH, team: 'platform', project: 'nightly' },
    ]);
  });

  test('valid-full.yaml compiles: backends, dense priorities, overrides, callers', () => {
    const config = compileConfig(loadConfigFile(fixturePath('valid-full.yaml')), {
      OPENAI_API_KEY: 'sk-openai-secret',
      AZURE_KEY: 'azure-secret-value',
    });
    expect(config.warnings).toEqual([]);
    expect([...config.backends.keys()]).toEqual(['openai', 'azure', 'vllm']);
    expect(plainBackend(backendOf(config, 'openai'))).toEqual({
      name: 'openai',
      kind: 'openai',
      tls: true,
      host: 'api.openai.com',
      port: 443,
      authority: 'api.openai.com',
      pathPrefix: '/v1',
      address: 'api.openai.com',
      connectPort: 443,
      serverName: 'api.openai.com',
      caFile: undefined,
      credential: { header: 'authorization', prefix: 'Bearer ', secret: 'sk-openai-secret' },
      credentialProblem: undefined,
      model: undefined,
      streamIncludeUsage: true,
      forwardHeaders: [],
      anthropicVersion: '2023-06-01',
      apiVersion: '2024-10-21',
      bedrockApi: 'converse',
    });
    expect(plainBackend(backendOf(config, 'azure'))).toEqual({
      name: 'azure',
      kind: 'openai',
      tls: true,
      host: 'example.openai.azure.com',
      port: 8443,
      authority: 'example.openai.azure.com:8443',
      pathPrefix: '/openai/v1',
      address: '10.0.0.7',
      connectPort: 8443,
      serverName: 'azure.internal',
      caFile: '/etc/aigw/azure-ca.pem',
      credential: { header: 'api-key', prefix: '', secret: 'azure-secret-value' },
      credentialProblem: undefined,
      model: 'gpt-4o-mini-azure',
      streamIncludeUsage: true,
      forwardHeaders: ['x-ms-client-request-id'],
      anthropicVersion: '2023-06-01',
      apiVersion: '2024-10-21',
      bedrockApi: 'converse',
    });
    expect(plainBackend(backendOf(config, 'vllm'))).toEqual({
      name: 'vllm',
      kind: 'openai',
      tls: false,
      host: 'vllm.internal',
      port: 8000,
      authority: 'vllm.internal:8000',
      pathPrefix: '',
      address: 'vllm.internal',
      connectPort: 8000,
      serverName: 'vllm.internal',
      caFile: undefined,
      credential: undefined,
      credentialProblem: undefined,
      model: undefined,
      streamIncludeUsage: false,
      forwardHeaders: [],
      anthropicVersion: '2023-06-01',
      apiVersion: '2024-10-21',
      bedrockApi: 'converse',
    });
    expect(modelOf(config, 'gpt-4o-mini')).toEqual([
      { backend: 'openai', priority: 0, upstreamModel: undefined },
      { backend: 'azure', priority: 1, upstreamModel: 'gpt-4o-mini-azure' },
      { backend: 'vllm', priority: 2, upstreamModel: 'Qwen/Qwen2.5-7B-Instruct' },
    ]);
    expect(config.models.get('gpt-4o-mini')?.retries).toBe(1);
    // Written 3, 3, 1: openai alone at level 0, vllm and azure share level 1 (list order kept).
    expect(modelOf(config, 'shared')).toEqual([
      { backend: 'openai', priority: 0, upstreamModel: undefined },
      { backend: 'vllm', priority: 1, upstreamModel: undefined },
      { backend: 'azure', priority: 1, upstreamModel: 'gpt-4o' },
    ]);
    expect(config.models.get('shared')?.retries).toBe(2);
    expect([...config.callersByKeyDigest].map(([digest, caller]) => [digest, caller.identity])).toEqual([
      [ALICE_HASH.slice(7), { caller: 'alice', team: 'research', project: 'chatbot', user: 'alice@example.com' }],
      [BATCH_HASH.slice(7), { caller: 'batch-job', team: 'platform', project: 'nightly', user: undefined }],
    ]);
    expect(config.limits).toMatchObject({ maxRequestBodyBytes: 1048576, requestTimeoutSeconds: 120, idleTimeoutSeconds: 120, requestHeadersTimeoutSeconds: 5, requestReceiveTimeoutSeconds: 30 });
  });
});

describe('invalid config files', () => {
  test.each<[string, ConfigProblem[]]>([
    [
      'invalid-unknown-keys.yaml',
      [
        { path: '', message: 'unknown key(s): limit' },
        { path: 'backends[0]', message: 'unknown key(s): streamIncludeUsge' },
        { path: 'models[0].backends[0]', message: 'unknown key(s): priorty' },
      ],
    ],
    [
      'invalid-types.yaml',
      [
        { path: 'backends[0].kind', message: 'Invalid option: expected one of "openai"|"azure-openai"|"anthropic"|"gemini"|"bedrock"|"vertex"' },
        { path: 'backends[1].baseUrl', message: 'Invalid URL' },
        { path: 'backends[1].baseUrl', message: 'must start with http:// or https://' },
        { path: 'backends[2].baseUrl', message: 'must start with http:// or https://' },
        { path: 'backends[3].baseUrl', message: 'must not have a query or fragment' },
        { path: 'listener.port', message: 'Invalid input: expected number, received string' },
        { path: 'models[0].backends[0].priority', message: 'Too big: expected number to be <=100' },
        { path: 'models[0].retries', message: 'Invalid input: expected int, received number' },
      ],
    ],
    [
      'invalid-references.yaml',
      [
        { path: 'backends[1].name', message: 'duplicate backend name "openai"' },
        { path: 'callers[1].keyHash', message: 'the same key is given to two callers' },
        { path: 'callers[2].name', message: 'duplicate caller name "alice"' },
        { path: 'models[0].backends[1].backend', message: 'unknown backend "opanai"' },
        { path: 'models[0].backends[2].backend', message: 'backend "openai" is listed twice' },
        { path: 'models[1].name', message: 'duplicate model name "gpt-4o-mini"' },
      ],
    ],
    [
      'invalid-credentials.yaml',
      [
        { path: 'backends[0].credential', message: 'set exactly one of env or file' },
        { path: 'backends[1].credential', message: 'set exactly one of env or file' },
        { path: 'backends[1].credential.header', message: 'must be a lowercase header name' },
        { path: 'backends[2].credential.env', message: 'must be an environment variable name' },
        { path: 'callers[0].keyHash', message: 'must be sha256:<64 lowercase hex digits>' },
      ],
    ],
    [
      'invalid-three-mistakes.yaml',
      [
        { path: 'backends[0]', message: 'unknown key(s): credentials' },
        { path: 'listener.port', message: 'Too big: expected number to be <=65535' },
        { path: 'models[0].name', message: 'must not contain whitespace' },
      ],
    ],
    ['invalid-yaml-syntax.yaml', [{ path: 'line 5', message: 'Tabs are not allowed as indentation at line 5, column 1:' }]],
    ['invalid-yaml-duplicate-key.yaml', [{ path: 'line 8', message: 'Map keys must be unique at line 8, column 1:' }]],
  ])('%s: every problem, with its path', (name, expected) => {
    expect(problemsOf(() => loadConfigFile(fixturePath(name)))).toEqual(expected);
  });

  test('the error names the file and lists every problem in its message', () => {
    const path = fixturePath('invalid-three-mistakes.yaml');
    let thrown: unknown;
    try {
      loadConfigFile(path);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    const error = thrown as ConfigError;
    expect(error.name).toBe('ConfigError');
    expect(error.source).toBe(path);
    expect(error.message).toBe(
      `${path}: 3 problem(s)\n` +
        '  backends[0]: unknown key(s): credentials\n' +
        '  listener.port: Too big: expected number to be <=65535\n' +
        '  models[0].name: must not contain whitespace',
    );
  });

  test('cross-reference problems are reported together with shape problems', () => {
    const problems = problemsOf(() =>
      validateConfig({
        listener: { port: '10000' },
        backends: [
          { name: 'a', kind: 'openai', baseUrl: 'http://a', baseUrll: 'typo' },
          { name: 'a', kind: 'openai', baseUrl: 'http://a2' },
        ],
        models: [{ name: 'm', retries: 'two', backends: [{ backend: 'nope' }] }],
        callers: [
          { name: 'x', keyHash: `sha256:${'a'.repeat(64)}`, team: 't', project: 'p' },
          { name: 'y', keyHash: `sha256:${'a'.repeat(64)}`, team: 't' },
        ],
      }),
    );
    expect(problems).toEqual([
      { path: 'backends[0]', message: 'unknown key(s): baseUrll' },
      { path: 'backends[1].name', message: 'duplicate backend name "a"' },
      { path: 'callers[1].keyHash', message: 'the same key is given to two callers' },
      { path: 'callers[1].project', message: 'Invalid input: expected string, received undefined' },
      { path: 'listener.port', message: 'Invalid input: expected number, received string' },
      { path: 'models[0].backends[0].backend', message: 'unknown backend "nope"' },
      { path: 'models[0].retries', message: 'Invalid input: expected number, received string' },
    ]);
  });

  test('rateLimits.inputMargins names backends of the config, each margin at least 1', () => {
    const problems = problemsOf(() =>
      validateConfig({
        backends: [{ name: 'a', kind: 'openai', baseUrl: 'http://a' }],
        models: [{ name: 'm', backends: [{ backend: 'a' }] }],
        rateLimits: { inputMargins: { a: 0.8, nope: 1.2 } },
      }),
    );
    expect(problems).toEqual([
      { path: 'rateLimits.inputMargins.a', message: 'Too small: expected number to be >=1' },
      { path: 'rateLimits.inputMargins.nope', message: 'unknown backend "nope"' },
    ]);
  });

  test('a file that cannot be read', () => {
    const path = fixturePath('does-not-exist.yaml');
    expect(problemsOf(() => loadConfigFile(path))).toEqual([
      { path: '', message: `cannot read file: ENOENT: no such file or directory, open '${path}'` },
    ]);
  });

  test('an empty document or no value: backends and models are required', () => {
    const expected = [
      { path: 'backends', message: 'Invalid input: expected array, received undefined' },
      { path: 'models', message: 'Invalid input: expected array, received undefined' },
    ];
    expect(problemsOf(() => parseConfigText(''))).toEqual(expected);
    expect(problemsOf(() => validateConfig(null))).toEqual(expected);
    expect(problemsOf(() => validateConfig(undefined))).toEqual(expected);
  });

  test('limits: each out-of-range or mistyped value is reported with its path', () => {
    const base = { backends: [{ name: 'a', kind: 'openai', baseUrl: 'http://a' }], models: [{ name: 'm', backends: [{ backend: 'a' }] }] };
    expect(problemsOf(() => validateConfig({ ...base, limits: { maxJsonDepth: 15, maxStreamEventBytes: 1024, maxResponseBodyBytes: 1.5 } }))).toEqual([
      { path: 'limits.maxJsonDepth', message: 'Too small: expected number to be >=16' },
      { path: 'limits.maxResponseBodyBytes', message: 'Invalid input: expected int, received number' },
      { path: 'limits.maxStreamEventBytes', message: 'Too small: expected number to be >=65536' },
    ]);
    expect(problemsOf(() => validateConfig({ ...base, limits: { maxJsonDepth: 1001, maxStreamEventBytes: 256 * 1024 * 1024 + 1, maxResponseBodyBytes: '64MiB' } }))).toEqual([
      { path: 'limits.maxJsonDepth', message: 'Too big: expected number to be <=1000' },
      { path: 'limits.maxResponseBodyBytes', message: 'Invalid input: expected number, received string' },
      { path: 'limits.maxStreamEventBytes', message: 'Too big: expected number to be <=268435456' },
    ]);
    expect(validateConfig({ ...base, limits: { maxJsonDepth: 1000, maxStreamEventBytes: 65536, maxResponseBodyBytes: 1048576 } }).limits).toMatchObject({ maxJsonDepth: 1000, maxStreamEventBytes: 65536, maxResponseBodyBytes: 1048576 });
  });

  test('listen addresses must be host:port or unix:/absolute/path', () => {
    const problems = problemsOf(() =>
      validateConfig({
        envoy: { extprocTarget: 'unix:relative' },
        server: { grpc: [], admin: 'localhost' },
        backends: [{ name: 'a', kind: 'openai', baseUrl: 'http://a' }],
        models: [{ name: 'm', backends: [{ backend: 'a' }] }],
      }),
    );
    expect(problems).toEqual([
      { path: 'envoy.extprocTarget', message: 'must be host:port or unix:/absolute/path' },
      { path: 'server.admin', message: 'must be host:port or unix:/absolute/path' },
      { path: 'server.grpc', message: 'Too small: expected array to have >=1 items' },
    ]);
  });
});

describe('formatting', () => {
  test('formatPath writes paths the way users do', () => {
    expect(formatPath(['models', 0, 'backends', 1, 'backend'])).toBe('models[0].backends[1].backend');
    expect(formatPath(['listener', 'port'])).toBe('listener.port');
    expect(formatPath([])).toBe('');
  });

  test('formatProblem names the root when the path is empty', () => {
    expect(formatProblem({ path: '', message: 'unknown key(s): limit' })).toBe('  (root): unknown key(s): limit');
    expect(formatProblem({ path: 'backends[1].baseUrl', message: 'Invalid URL' })).toBe('  backends[1].baseUrl: Invalid URL');
  });
});

describe('compileConfig', () => {
  test('priorities written 0, 5, 10 become dense levels 0, 1, 2', () => {
    const config = compileConfig(
      configWith(
        [
          { name: 'a', kind: 'openai', baseUrl: 'http://a' },
          { name: 'b', kind: 'openai', baseUrl: 'http://b' },
          { name: 'c', kind: 'openai', baseUrl: 'http://c' },
        ],
        [
          { backend: 'c', priority: 10 },
          { backend: 'a', priority: 0 },
          { backend: 'b', priority: 5 },
        ],
      ),
      {},
    );
    expect(modelOf(config)).toEqual([
      { backend: 'a', priority: 0, upstreamModel: undefined },
      { backend: 'b', priority: 1, upstreamModel: undefined },
      { backend: 'c', priority: 2, upstreamModel: undefined },
    ]);
  });

  test('equal priorities share a level; without priorities list order is used', () => {
    const backends = [
      { name: 'a', kind: 'openai', baseUrl: 'http://a' },
      { name: 'b', kind: 'openai', baseUrl: 'http://b' },
      { name: 'c', kind: 'openai', baseUrl: 'http://c' },
    ];
    const shared = compileConfig(
      configWith(backends, [
        { backend: 'a', priority: 7 },
        { backend: 'b', priority: 7 },
        { backend: 'c', priority: 2 },
      ]),
      {},
    );
    expect(modelOf(shared)).toEqual([
      { backend: 'c', priority: 0, upstreamModel: undefined },
      { backend: 'a', priority: 1, upstreamModel: undefined },
      { backend: 'b', priority: 1, upstreamModel: undefined },
    ]);
    expect(modelOf(compileConfig(configWith(backends), {}))).toEqual([
      { backend: 'a', priority: 0, upstreamModel: undefined },
      { backend: 'b', priority: 1, upstreamModel: undefined },
      { backend: 'c', priority: 2, upstreamModel: undefined },
    ]);
  });

  test('retries default to one per extra backend; a written value is kept, 0 included', () => {
    const backends = [
      { name: 'a', kind: 'openai', baseUrl: 'http://a' },
      { name: 'b', kind: 'openai', baseUrl: 'http://b' },
      { name: 'c', kind: 'openai', baseUrl: 'http://c' },
    ];
    expect(compileConfig(configWith(backends), {}).models.get('model')?.retries).toBe(2);
    expect(compileConfig(configWith(backends, undefined, 0), {}).models.get('model')?.retries).toBe(0);
    expect(compileConfig(configWith(backends, undefined, 5), {}).models.get('model')?.retries).toBe(5);
    expect(compileConfig(configWith(backends.slice(0, 1)), {}).models.get('model')?.retries).toBe(0);
  });

  test('upstream model: the entry model wins over the backend model, which wins over none', () => {
    const config = compileConfig(
      configWith(
        [
          { name: 'a', kind: 'openai', baseUrl: 'http://a', model: 'backend-a' },
          { name: 'b', kind: 'openai', baseUrl: 'http://b', model: 'backend-b' },
          { name: 'c', kind: 'openai', baseUrl: 'http://c' },
        ],
        [{ backend: 'a', model: 'entry-a' }, { backend: 'b' }, { backend: 'c' }],
      ),
      {},
    );
    expect(modelOf(config)).toEqual([
      { backend: 'a', priority: 0, upstreamModel: 'entry-a' },
      { backend: 'b', priority: 1, upstreamModel: 'backend-b' },
      { backend: 'c', priority: 2, upstreamModel: undefined },
    ]);
    expect(backendOf(config, 'a').model).toBe('backend-a');
  });

  test.each<[string, { tls: boolean; host: string; port: number; authority: string; pathPrefix: string }]>([
    ['https://api.openai.com/v1', { tls: true, host: 'api.openai.com', port: 443, authority: 'api.openai.com', pathPrefix: '/v1' }],
    ['https://api.openai.com', { tls: true, host: 'api.openai.com', port: 443, authority: 'api.openai.com', pathPrefix: '' }],
    ['https://api.openai.com/', { tls: true, host: 'api.openai.com', port: 443, authority: 'api.openai.com', pathPrefix: '' }],
    ['https://example.com:443/v1/', { tls: true, host: 'example.com', port: 443, authority: 'example.com', pathPrefix: '/v1' }],
    ['https://example.com:8443/v1', { tls: true, host: 'example.com', port: 8443, authority: 'example.com:8443', pathPrefix: '/v1' }],
    ['http://localhost:8080/v1//', { tls: false, host: 'localhost', port: 8080, authority: 'localhost:8080', pathPrefix: '/v1' }],
    ['http://example.com', { tls: false, host: 'example.com', port: 80, authority: 'example.com', pathPrefix: '' }],
    ['http://example.com:80/openai/v1', { tls: false, host: 'example.com', port: 80, authority: 'example.com', pathPrefix: '/openai/v1' }],
    ['http://[::1]:8000/v1', { tls: false, host: '::1', port: 8000, authority: '[::1]:8000', pathPrefix: '/v1' }],
    ['http://10.1.2.3:9000', { tls: false, host: '10.1.2.3', port: 9000, authority: '10.1.2.3:9000', pathPrefix: '' }],
  ])('baseUrl %s splits into its parts', (baseUrl, expected) => {
    const backend = backendOf(compileConfig(configWith([{ name: 'a', kind: 'openai', baseUrl }]), {}), 'a');
    expect({
      tls: backend.tls,
      host: backend.host,
      port: backend.port,
      authority: backend.authority,
      pathPrefix: backend.pathPrefix,
    }).toEqual(expected);
    expect(backend.address).toBe(expected.host);
    expect(backend.serverName).toBe(expected.host);
  });

  test('address overrides where Envoy connects; host, authority and SNI stay the baseUrl host', () => {
    const backend = backendOf(
      compileConfig(configWith([{ name: 'a', kind: 'openai', baseUrl: 'https://api.example.com/v1', address: '192.0.2.10' }]), {}),
      'a',
    );
    expect([backend.address, backend.host, backend.authority, backend.serverName, backend.port]).toEqual([
      '192.0.2.10',
      'api.example.com',
      'api.example.com',
      'api.example.com',
      443,
    ]);
  });

  test('address may name a port: Envoy connects there, Host and SNI stay the baseUrl host', () => {
    const config = compileConfig(
      configWith([
        { name: 'a', kind: 'openai', preset: 'groq', address: '127.0.0.1:8443' },
        { name: 'b', kind: 'openai', baseUrl: 'https://api.example.com/v1', address: '[::1]:9443' },
        { name: 'c', kind: 'openai', baseUrl: 'https://api.example.com/v1', address: '::1' },
      ]),
      {},
    );
    const view = (name: string): unknown[] => {
      const backend = backendOf(config, name);
      return [backend.address, backend.connectPort, backend.port, backend.authority, backend.serverName, backend.pathPrefix];
    };
    expect(view('a')).toEqual(['127.0.0.1', 8443, 443, 'api.groq.com', 'api.groq.com', '/openai/v1']);
    expect(view('b')).toEqual(['::1', 9443, 443, 'api.example.com', 'api.example.com', '/v1']);
    expect(view('c')).toEqual(['::1', 443, 443, 'api.example.com', 'api.example.com', '/v1']);
  });

  test('an address port out of range is an error with its path', () => {
    const problems = problemsOf(() => configWith([{ name: 'a', kind: 'openai', baseUrl: 'https://x.test', address: 'proxy:70000' }]));
    expect(problems).toEqual([{ path: 'backends[0].address', message: 'must be a host, an IP address or host:port (port 1-65535)' }]);
  });

  test('tls on an http backend is ignored with a warning', () => {
    const config = compileConfig(configWith([{ name: 'a', kind: 'openai', baseUrl: 'http://a', tls: { serverName: 'b' } }]), {});
    expect(config.warnings).toEqual(['backends[0].tls: ignored for an http:// baseUrl', 'callers: none configured; every request will get 401']);
  });

  describe('credentials', () => {
    let directory: string;
    beforeAll(() => {
      directory = mkdtempSync(join(tmpdir(), 'aigw-load-test-'));
    });
    afterAll(() => {
      rmSync(directory, { recursive: true, force: true });
    });

    test('from an env var, with the default header and prefix', () => {
      const backend = backendOf(
        compileConfig(configWith([{ name: 'a', kind: 'openai', baseUrl: 'http://a', credential: { env: 'KEY' } }]), { KEY: 'sk-env' }),
        'a',
      );
      expect(plainBackend(backend).credential).toEqual({ header: 'authorization', prefix: 'Bearer ', secret: 'sk-env' });
      expect(backend.credentialProblem).toBeUndefined();
    });

    test('from a file, trimmed', () => {
      const file = join(directory, 'key.txt');
      writeFileSync(file, '  sk-from-file\n');
      const backend = backendOf(
        compileConfig(configWith([{ name: 'a', kind: 'openai', baseUrl: 'http://a', credential: { file, header: 'x-key', prefix: 'Key ' } }]), {}),
        'a',
      );
      expect(plainBackend(backend).credential).toEqual({ header: 'x-key', prefix: 'Key ', secret: 'sk-from-file' });
      expect(backend.credentialProblem).toBeUndefined();
    });

    test('an empty or missing file is a credentialProblem and a warning', () => {
      const empty = join(directory, 'empty.txt');
      writeFileSync(empty, ' \n');
      const missing = join(directory, 'missing.txt');
      const config = compileConfig(
        configWith([
          { name: 'a', kind: 'openai', baseUrl: 'http://a', credential: { file: empty } },
          { name: 'b', kind: 'openai', baseUrl: 'http://b', credential: { file: missing } },
        ]),
        {},
      );
      expect(backendOf(config, 'a').credential).toBeUndefined();
      expect(backendOf(config, 'a').credentialProblem).toBe(`credential file ${empty} is empty`);
      expect(backendOf(config, 'b').credential).toBeUndefined();
      expect(backendOf(config, 'b').credentialProblem).toBe(`credential file ${missing} cannot be read`);
      expect(config.warnings).toEqual([
        `backends[0].credential: credential file ${empty} is empty; requests to backend "a" will fail`,
        `backends[1].credential: credential file ${missing} cannot be read; requests to backend "b" will fail`,
        'callers: none configured; every request will get 401',
      ]);
    });

    test('a missing or empty env var: credentialProblem and a warning that names the variable, never a value', () => {
      const env = { OTHER_SECRET: 'sk-other-secret-value', EMPTY: '' };
      const config = compileConfig(
        configWith([
          { name: 'a', kind: 'openai', baseUrl: 'http://a', credential: { env: 'MISSING_KEY' } },
          { name: 'b', kind: 'openai', baseUrl: 'http://b', credential: { env: 'EMPTY' } },
          { name: 'c', kind: 'openai', baseUrl: 'http://c', credential: { env: 'OTHER_SECRET' } },
        ]),
        env,
      );
      expect(backendOf(config, 'a').credential).toBeUndefined();
      expect(backendOf(config, 'a').credentialProblem).toBe('environment variable MISSING_KEY is not set');
      expect(backendOf(config, 'b').credentialProblem).toBe('environment variable EMPTY is not set');
      expect(config.warnings).toEqual([
        'backends[0].credential: environment variable MISSING_KEY is not set; requests to backend "a" will fail',
        'backends[1].credential: environment variable EMPTY is not set; requests to backend "b" will fail',
        'callers: none configured; every request will get 401',
      ]);
      expect(JSON.stringify(config.warnings)).not.toContain('sk-other-secret-value');
    });

    test('the secret never shows in JSON.stringify, String() or util.inspect of the compiled backend', () => {
      const secret = 'sk-very-secret-0123456789';
      const config = compileConfig(
        configWith([{ name: 'a', kind: 'openai', baseUrl: 'https://a.example.com', credential: { env: 'KEY' } }]),
        { KEY: secret },
      );
      const backend = backendOf(config, 'a');
      expect(backend.credential?.secret.reveal()).toBe(secret);
      const renderings = [
        JSON.stringify(backend),
        JSON.stringify(backend.credential),
        JSON.stringify([...config.backends.values()]),
        String(backend),
        String(backend.credential?.secret),
        `${backend.credential?.secret}`,
        inspect(backend),
        inspect(backend, { depth: Infinity, showHidden: true }),
        inspect(config, { depth: Infinity }),
        format('%o %O %j %s', backend, backend, backend, backend.credential?.secret),
      ];
      for (const rendering of renderings) expect(rendering).not.toContain(secret);
      expect(JSON.stringify(backend.credential)).toBe('{"header":"authorization","prefix":"Bearer ","secret":"[secret]"}');
      expect(String(backend.credential?.secret)).toBe('[secret]');
      expect(inspect(backend.credential)).toBe("{ header: 'authorization', prefix: 'Bearer ', secret: [secret] }");
    });
  });
});

describe('problem order', () => {
  test('problems are listed in natural path order (models[2] before models[10])', () => {
    const models = Array.from({ length: 11 }, (_, index) => ({ name: `m${index}`, backends: [{ backend: index === 2 || index === 10 ? 'nope' : 'a' }] }));
    let problems: Array<{ path: string }> = [];
    try {
      validateConfig({ backends: [{ name: 'a', kind: 'openai', baseUrl: 'http://a' }], models });
    } catch (error) {
      problems = (error as ConfigError).problems;
    }
    expect(problems.map((problem) => problem.path)).toEqual(['models[2].backends[0].backend', 'models[10].backends[0].backend']);
  });
});

describe('OpenAI-compatible presets', () => {
  test('a preset fills in the base URL', () => {
    const config = compileConfig(
      validateConfig({
        backends: [{ name: 'g', kind: 'openai', preset: 'groq', credential: { env: 'GROQ_API_KEY' } }],
        models: [{ name: 'llama', backends: [{ backend: 'g' }] }],
      }),
      { GROQ_API_KEY: 'gsk-test' },
    );
    const backend = config.backends.get('g');
    expect([backend?.authority, backend?.pathPrefix, backend?.tls, backend?.credential?.header]).toEqual(['api.groq.com', '/openai/v1', true, 'authorization']);
  });

  test('a backend needs a baseUrl or a preset, and presets are kind openai', () => {
    let problems: ConfigProblem[] = [];
    try {
      validateConfig({
        backends: [
          { name: 'a', kind: 'openai' },
          { name: 'b', kind: 'anthropic', preset: 'mistral' },
        ],
        models: [{ name: 'm', backends: [{ backend: 'a' }] }],
      });
    } catch (error) {
      problems = (error as ConfigError).problems;
    }
    expect(problems).toEqual([
      { path: 'backends[0].baseUrl', message: 'set baseUrl or preset' },
      { path: 'backends[1].preset', message: 'presets are OpenAI-compatible providers: use kind openai' },
    ]);
  });
});
