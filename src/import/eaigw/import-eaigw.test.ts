import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { validateConfig } from '../../config/load';
import { ImportError, importEaigw } from './import-eaigw';
import { ManifestError } from './manifests';
import { renderImport } from './render-import';
import { formatNote } from './resource';

const FIXTURES = join(__dirname, '..', '..', '..', 'e2e', 'fixtures', 'eaigw');

function fixture(...names: string[]): Array<{ path: string; text: string }> {
  return names.map((name) => ({ path: name, text: readFileSync(join(FIXTURES, name), 'utf8') }));
}

describe('importEaigw: route.yaml + backends.yaml', () => {
  const result = importEaigw(fixture('route.yaml', 'backends.yaml'), { secretDir: '/run/secrets' });

  test('backends: kind by schema, base URL from the Backend endpoint and prefix, TLS from the BackendTLSPolicy, credentials by policy type', () => {
    expect(result.config.backends).toEqual([
      { name: 'openai-primary', kind: 'openai', baseUrl: 'https://api.openai.test/v1', tls: { caFile: '/run/secrets/test-ca/ca.crt' }, credential: { env: 'OPENAI_PRIMARY_KEY_API_KEY' } },
      { name: 'openai-secondary', kind: 'openai', baseUrl: 'http://10.0.0.12:8000/compat/v1', credential: { env: 'OPENAI_SECONDARY_KEY_API_KEY' } },
      { name: 'azure-fallback', kind: 'azure-openai', apiVersion: '2024-10-21', baseUrl: 'http://my-resource.azure.test:8080', credential: { env: 'AZURE_KEY_API_KEY' } },
      { name: 'anthropic', kind: 'anthropic', baseUrl: 'http://anthropic.test:8081', credential: { env: 'ANTHROPIC_KEY_API_KEY' } },
    ]);
  });

  test('models: one per x-ai-eg-model value, priorities always written (0 shares load), weights, modelNameOverride, streamIdleTimeout', () => {
    expect(result.config.models).toEqual([
      {
        name: 'gpt-4o',
        backends: [
          { backend: 'openai-primary', priority: 0 },
          { backend: 'azure-fallback', priority: 1, model: 'gpt-4o-deployment' },
        ],
        idleTimeoutSeconds: 45,
      },
      {
        name: 'gpt-4o-mini',
        backends: [
          { backend: 'openai-primary', priority: 0, weight: 3 },
          { backend: 'openai-secondary', priority: 0 },
        ],
      },
      { name: 'claude-sonnet', backends: [{ backend: 'anthropic', priority: 0, model: 'claude-sonnet-4-5' }] },
      { name: 'gpt-4o@llm-route.premium', backends: [{ backend: 'openai-secondary', priority: 0, model: 'gpt-4o' }] },
    ]);
  });

  test('a match on the model and another header: a routing rule to a hidden model that sends the model asked for upstream', () => {
    expect(result.config.routing).toEqual([{ name: 'llm-route.premium', match: { model: 'gpt-4o', headers: { 'x-tier': 'premium' } }, to: 'gpt-4o@llm-route.premium' }]);
  });

  test('llmRequestCosts become cost formulas; the longest request timeout (unset = 60s) becomes limits.requestTimeoutSeconds', () => {
    expect(result.config.rateLimits).toEqual({
      costs: { llm_input_token: 'input_tokens', llm_output_token: 'output_tokens', llm_total_token: 'total_tokens', weighted: 'input_tokens + 4 * output_tokens' },
    });
    expect(result.config.limits).toEqual({ requestTimeoutSeconds: 120 });
  });

  test('notes: exactly the fields not carried over as they are', () => {
    expect(result.notes.map(formatNote)).toEqual([
      'AIGatewayRoute ai/llm-route spec.parentRefs: not carried over: aigw serves every model on its one listener (listener.address, listener.port)',
      "AIGatewayRoute ai/llm-route spec.rules[0].timeouts.request: unset (Envoy AI Gateway's default 60s): aigw has one whole-request timeout, limits.requestTimeoutSeconds, set to the longest of all rules (120s)",
      "AIGatewayRoute ai/llm-route spec.rules[2].timeouts.request: unset (Envoy AI Gateway's default 60s): aigw has one whole-request timeout, limits.requestTimeoutSeconds, set to the longest of all rules (120s)",
      "AIGatewayRoute ai/llm-route spec.rules[3].timeouts.request: unset (Envoy AI Gateway's default 60s): aigw has one whole-request timeout, limits.requestTimeoutSeconds, set to the longest of all rules (120s)",
    ]);
  });

  test('secrets: where each Secret and ConfigMap key is read; no value is copied', () => {
    expect(result.secrets).toEqual([
      { object: 'ai/test-ca', key: 'ca.crt', kind: 'ConfigMap', file: '/run/secrets/test-ca/ca.crt' },
      { object: 'ai/openai-primary-key', key: 'apiKey', kind: 'Secret', env: 'OPENAI_PRIMARY_KEY_API_KEY' },
      { object: 'ai/openai-secondary-key', key: 'apiKey', kind: 'Secret', env: 'OPENAI_SECONDARY_KEY_API_KEY' },
      { object: 'ai/azure-key', key: 'apiKey', kind: 'Secret', env: 'AZURE_KEY_API_KEY' },
      { object: 'ai/anthropic-key', key: 'apiKey', kind: 'Secret', env: 'ANTHROPIC_KEY_API_KEY' },
    ]);
  });

  test('the rendered YAML is the config (valid against the schema) led by comments naming secrets and notes', () => {
    const text = renderImport(result, ['route.yaml', 'backends.yaml']);
    expect(parse(text)).toEqual(result.config);
    expect(() => validateConfig(parse(text), 'rendered')).not.toThrow();
    const comments = text.split('\n').filter((line) => line.startsWith('#'));
    expect(comments[0]).toBe('# aigw config imported from Envoy AI Gateway resources: aigw import eaigw route.yaml backends.yaml');
    expect(comments).toContain('#   env OPENAI_PRIMARY_KEY_API_KEY  <- Secret ai/openai-primary-key, key apiKey');
    expect(comments).toContain('#   file /run/secrets/test-ca/ca.crt  <- ConfigMap ai/test-ca, key ca.crt');
    expect(comments).toContain('#   AIGatewayRoute ai/llm-route spec.parentRefs: not carried over: aigw serves every model on its one listener (listener.address, listener.port)');
  });
});

describe('importEaigw: cloud.yaml', () => {
  const result = importEaigw(fixture('cloud.yaml'), { secretDir: '/run/aigw' });

  test('Bedrock, Vertex AI and Azure Entra ID backends with their credentials', () => {
    const aws = { region: 'us-east-1', profile: 'bedrock' };
    const gcp = { project: 'my-project-123', location: 'us-east5', credentialsFile: '/run/aigw/vertex-sa/service_account.json' };
    expect(result.config.backends).toEqual([
      { name: 'bedrock-claude', kind: 'bedrock', api: 'invoke', baseUrl: 'https://bedrock-runtime.us-east-1.amazonaws.com', aws },
      { name: 'bedrock', kind: 'bedrock', api: 'converse', baseUrl: 'https://bedrock-runtime.us-east-1.amazonaws.com', aws },
      { name: 'vertex', kind: 'vertex', baseUrl: 'https://us-east5-aiplatform.googleapis.com', gcp },
      { name: 'vertex-claude', kind: 'vertex', baseUrl: 'https://us-east5-aiplatform.googleapis.com', gcp },
      {
        name: 'azure-entra',
        kind: 'azure-openai',
        apiVersion: 'v1',
        baseUrl: 'https://my-resource.openai.azure.com',
        tls: { caFile: '/run/aigw/azure-ca/ca.crt' },
        entraId: { tenantId: '00000000-0000-0000-0000-000000000000', clientId: '11111111-1111-1111-1111-111111111111', clientSecret: { env: 'ENTRA_CLIENT_CLIENT_SECRET' } },
      },
    ]);
  });

  test('models, a cross-namespace backendRef, two matches of one rule, and request timeout 0s (none)', () => {
    expect(result.config.models.map((model) => [model.name, model.backends])).toEqual([
      [
        'claude-haiku',
        [
          { backend: 'bedrock-claude', priority: 0, model: 'us.anthropic.claude-haiku-4-5-20251001-v1:0' },
          { backend: 'vertex-claude', priority: 1, model: 'claude-haiku-4-5@20251001' },
        ],
      ],
      ['nova-pro', [{ backend: 'bedrock', priority: 0, model: 'amazon.nova-pro-v1:0' }]],
      ['gemini-pro', [{ backend: 'vertex', priority: 0, model: 'gemini-2.5-pro' }]],
      ['gemini-2.5-pro', [{ backend: 'vertex', priority: 0, model: 'gemini-2.5-pro' }]],
      ['gpt-4.1', [{ backend: 'azure-entra', priority: 0 }]],
    ]);
    expect(result.config.limits).toEqual({ requestTimeoutSeconds: 0 });
  });

  test('route costs override GatewayConfig global costs for the same key; every cost type maps', () => {
    expect(result.config.rateLimits?.costs).toEqual({
      llm_total_token: 'total_tokens',
      cached: 'cached_input_tokens',
      cache_writes: 'cache_creation_input_tokens',
      reasoning: 'reasoning_tokens',
      output: 'output_tokens',
      cost_tokens: "model == 'claude-haiku' ? input_tokens + 5 * output_tokens : total_tokens",
    });
    const notes = result.notes.map(formatNote);
    expect(notes).toContain('GatewayConfig ai/gateway-defaults spec.globalLLMRequestCosts[0]: superseded: a route sets metadataKey llmTotalToken (route costs override global ones)');
    expect(notes).toContain('AIGatewayRoute ai/cloud spec.llmRequestCosts[0].metadataKey: named llm_total_token in aigw (cost names are lowercase letters, digits and _); its value is logged as cost_llm_total_token');
    expect(notes).toContain(
      'BackendSecurityPolicy ai/aws spec.awsCredentials.credentialsFile: carried over as the AWS default chain: mount the Secret\'s "credentials" key at /run/aigw/aws-credentials/credentials and set AWS_SHARED_CREDENTIALS_FILE=/run/aigw/aws-credentials/credentials for aigw (profile bedrock)',
    );
  });
});

describe('importEaigw: unsupported.yaml', () => {
  const result = importEaigw(fixture('unsupported.yaml'));
  const notes = result.notes.map(formatNote);

  test('what can be carried over still is: one model on one backend', () => {
    expect(result.config).toEqual({
      limits: { requestTimeoutSeconds: 30 },
      backends: [{ name: 'vllm', kind: 'openai', baseUrl: 'https://vllm-0.ai.svc:8000/v1', tls: { serverName: 'vllm.internal' }, credential: { env: 'VLLM_KEY_API_KEY' } }],
      models: [{ name: 'llama', backends: [{ backend: 'vllm', priority: 0 }] }],
    });
  });

  test('every field and kind not carried over is named with its reason', () => {
    const not = 'not carried over';
    expect(notes).toEqual([
      'Secret ai/vllm-key: not imported: secret values are never copied into the config; the config names where aigw reads each one (see the credentials list at the top)',
      'HTTPRoute ai/other: not imported: aigw routes on the model; AIGatewayRoute rules are imported instead',
      'BackendSecurityPolicy ai/old-aws apiVersion: aigateway.envoyproxy.io/v1alpha1 read as aigateway.envoyproxy.io/v1beta1: fields that version does not have are named below',
      `AIServiceBackend ai/vllm spec.headerMutation: ${not}: aigw sets only the headers each provider needs; fixed extra headers per backend have no equivalent`,
      `Backend ai/vllm spec.endpoints[1]: ${not}: an aigw backend has one address (the first endpoint is used); list more backends for more hosts`,
      `Backend ai/vllm spec.endpoints[0].zone: ${not}: aigw has no zone-aware routing`,
      `Backend ai/vllm spec.appProtocols: ${not}: aigw talks HTTP/1.1 to model backends`,
      'Backend ai/vllm spec.fallback: superseded: backendRef priority orders the backends (as in Envoy AI Gateway, where priority overrides fallback)',
      `Backend ai/vllm spec.tls.insecureSkipVerify: ${not}: aigw always verifies backend certificates (name a CA with tls.caFile instead)`,
      `Backend ai/vllm spec.tls.clientCertificateRef: ${not}: aigw presents no client certificate to model backends`,
      `Backend ai/vllm spec.tls.minVersion: ${not}: aigw uses Envoy's default TLS parameters`,
      'BackendTLSPolicy ai/vllm-tls spec.targetRefs[0].sectionName: ignored: an aigw backend has one port',
      `BackendTLSPolicy ai/vllm-tls spec.validation.subjectAltNames: ${not}: aigw checks the certificate against the hostname (tls.serverName) only`,
      'BackendSecurityPolicy ai/vllm-key spec.awsCredentials: ignored: spec.type is APIKey, not AWSCredentials',
      `BackendSecurityPolicy ai/vllm-key spec.credentialOverride: ${not}: aigw sends each backend the credential its config names; a per-request credential from a header or from dynamic metadata has no equivalent`,
      `AIServiceBackend ai/idle spec.schema.name: ${not}: schema "Cohere" has no aigw backend kind (aigw speaks Cohere's OpenAI-compatible API: kind openai, preset cohere); the backend is left out`,
      `Backend ai/socket spec.endpoints[0].unix: ${not}: aigw backends are reached over TCP (a base URL), not a Unix socket`,
      `Backend ai/socket spec.endpoints: ${not}: no fqdn or ip endpoint with a port`,
      `BackendSecurityPolicy ai/old-aws spec.awsCredentials.oidcExchangeToken: ${not}: aigw uses the AWS SDK's default chain, where web identity needs AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE in aigw's environment (IRSA sets both)`,
      `BackendSecurityPolicy ai/old-aws spec.awsCredentials: ${not}: AWS credentials are for bedrock backends, this one is openai`,
      `AIServiceBackend ai/socket spec.backendRef: ${not}: no usable Backend, so no base URL; the backend is left out`,
      `AIGatewayRoute ai/edge spec.hostnames: ${not}: aigw matches no Host; every hostname reaches the same models`,
      `AIGatewayRoute ai/edge spec.rules[0].modelsOwnedBy: ${not}: aigw's GET /v1/models reports its own owned_by`,
      `AIGatewayRoute ai/edge spec.rules[0].modelsCreatedAt: ${not}: aigw's GET /v1/models reports its own created time`,
      `AIGatewayRoute ai/edge spec.rules[0].timeouts.backendRequest: ${not}: aigw has no per-attempt timeout (limits.requestTimeoutSeconds bounds the whole request, idleTimeoutSeconds a silence)`,
      `AIGatewayRoute ai/edge spec.rules[0].backendRefs[0].headerMutation: ${not}: aigw sets only the headers each provider needs; fixed extra headers per backend have no equivalent`,
      `AIGatewayRoute ai/edge spec.rules[0].backendRefs[0].bodyMutation: ${not}: aigw does not rewrite request body fields per backend`,
      `AIGatewayRoute ai/edge spec.rules[0].backendRefs[1].weight: ${not}: weight 0 sends this backend no traffic, so it is left out`,
      `AIGatewayRoute ai/edge spec.rules[0].backendRefs[2].kind: ${not}: aigw has no InferencePool (an endpoint picker); name each model server as a backend`,
      `AIGatewayRoute ai/edge spec.rules[0].backendRefs[3]: ${not}: AIServiceBackend ai/missing was not imported (see its notes, or add its file)`,
      `AIGatewayRoute ai/edge spec.rules[0].matches[1].headers[0].type: ${not}: aigw matches exact header values, not RegularExpression; this match is left out`,
      `AIGatewayRoute ai/edge spec.rules[0].matches[2]: ${not}: a match without x-ai-eg-model applies to every model; aigw routing rules start from a model, so this match is left out`,
      `AIGatewayRoute ai/edge spec.rules[1].matches: ${not}: a rule without matches takes every model; aigw routes by model name, so list the models it should serve as matches on x-ai-eg-model`,
      `AIGatewayRoute ai/edge spec.llmRequestCosts[0].cel: ${not}: aigw's CEL check refuses it (no such overload: int * double > 1 | input_tokens + output_tokens * 0.5 ^); aigw token variables are ints, so write 2 rather than 2.0 or 2u`,
      `AIGatewayRoute ai/edge spec.rules[0].retryBudget: ${not}: a field this importer does not know (not in the Envoy AI Gateway v1beta1 API it reads)`,
    ]);
  });

  test('a secret value in the input never reaches the output', () => {
    expect(renderImport(result, ['unsupported.yaml'])).not.toContain('sk-never-copied');
  });
});

describe('importEaigw: failures', () => {
  test('nothing importable is an ImportError carrying the notes', () => {
    const text = 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: x }\n';
    expect(() => importEaigw([{ path: 'x.yaml', text }])).toThrow(ImportError);
    try {
      importEaigw([{ path: 'x.yaml', text }]);
    } catch (error) {
      expect((error as ImportError).notes.map(formatNote)).toEqual(['ConfigMap default/x: not imported: a CA bundle a BackendTLSPolicy names is read from a file (see tls.caFile)']);
    }
  });

  test('a file that is not YAML is a ManifestError naming the file and document', () => {
    const load = (): unknown => importEaigw([{ path: 'bad.yaml', text: 'a: b\n---\nkey: [unclosed\n' }]);
    expect(load).toThrow(ManifestError);
    expect(load).toThrow(/^bad\.yaml: document 2: Flow sequence in block collection must be sufficiently indented and end with a \] at line 4, column 1:$/);
  });

  test('items of a List are imported like documents', () => {
    const list = {
      apiVersion: 'v1',
      kind: 'List',
      items: parseAllYaml(fixture('route.yaml', 'backends.yaml')),
    };
    const result = importEaigw([{ path: 'list.json', text: JSON.stringify(list) }]);
    expect(result.config.models.map((model) => model.name)).toEqual(['gpt-4o', 'gpt-4o-mini', 'claude-sonnet', 'gpt-4o@llm-route.premium']);
  });
});

function parseAllYaml(files: Array<{ text: string }>): unknown[] {
  return files.flatMap((file) => file.text.split(/^---$/m).map((document) => parse(document) as unknown));
}
