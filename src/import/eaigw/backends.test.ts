import { stringify } from 'yaml';
import { importEaigw } from './import-eaigw';
import { formatNote } from './resource';

/** Manifests for one model served by each AIServiceBackend given, as YAML text. */
function manifests(services: Array<{ name: string; namespace?: string; schema: Record<string, unknown>; backend?: Record<string, unknown>; policy?: Record<string, unknown> }>): string {
  const documents: unknown[] = [
    {
      apiVersion: 'aigateway.envoyproxy.io/v1beta1',
      kind: 'AIGatewayRoute',
      metadata: { name: 'r', namespace: 'ai' },
      spec: {
        rules: services.map((service) => ({
          matches: [{ headers: [{ name: 'x-ai-eg-model', value: `model-${service.namespace ?? 'ai'}-${service.name}` }] }],
          backendRefs: [{ name: service.name, namespace: service.namespace }],
        })),
      },
    },
  ];
  for (const service of services) {
    const metadata = { name: service.name, namespace: service.namespace ?? 'ai' };
    documents.push({ apiVersion: 'aigateway.envoyproxy.io/v1beta1', kind: 'AIServiceBackend', metadata, spec: { schema: service.schema, backendRef: { name: service.name, kind: 'Backend', group: 'gateway.envoyproxy.io' } } });
    if (service.backend) documents.push({ apiVersion: 'gateway.envoyproxy.io/v1alpha1', kind: 'Backend', metadata, spec: service.backend });
    if (service.policy) {
      documents.push({ apiVersion: 'aigateway.envoyproxy.io/v1beta1', kind: 'BackendSecurityPolicy', metadata, spec: { targetRefs: [{ group: 'aigateway.envoyproxy.io', kind: 'AIServiceBackend', name: service.name }], ...service.policy } });
    }
  }
  return documents.map((document) => stringify(document)).join('---\n');
}

const fqdn = (hostname: string, port: number): Record<string, unknown> => ({ endpoints: [{ fqdn: { hostname, port } }] });
const key = (type: string, field: string): Record<string, unknown> => ({ type, [field]: { secretRef: { name: 'k' } } });

describe('importBackend', () => {
  test('prefixes: OpenAI takes any (none: the host), Anthropic one ending in v1 (anything else is named and dropped)', () => {
    const result = importEaigw([
      {
        path: 'x.yaml',
        text: manifests([
          { name: 'bare', schema: { name: 'OpenAI', prefix: '/' }, backend: fqdn('deepseek.test', 80) },
          { name: 'claude-proxy', schema: { name: 'Anthropic', prefix: '/api/anthropic/v1/' }, backend: fqdn('proxy.test', 8080) },
          { name: 'claude-odd', schema: { name: 'Anthropic', prefix: 'anthropic' }, backend: fqdn('odd.test', 80) },
        ]),
      },
    ]);
    expect(result.config.backends.map((backend) => [backend.name, backend.baseUrl])).toEqual([
      ['bare', 'http://deepseek.test'],
      ['claude-proxy', 'http://proxy.test:8080/api/anthropic'],
      ['claude-odd', 'http://odd.test'],
    ]);
    expect(result.notes.map(formatNote)).toEqual([
      'AIServiceBackend ai/claude-odd spec.schema.prefix: not carried over: aigw sends Anthropic requests to <baseUrl>/v1/messages, so a prefix must end in v1 ("anthropic" does not); baseUrl is the bare host',
    ]);
  });

  test("an API key type on a kind whose default header differs is written out with Envoy AI Gateway's header", () => {
    const result = importEaigw([
      {
        path: 'x.yaml',
        text: manifests([
          { name: 'anthropic-bearer', schema: { name: 'Anthropic' }, backend: fqdn('a.test', 80), policy: key('APIKey', 'apiKey') },
          { name: 'openai-x-api-key', schema: { name: 'OpenAI' }, backend: fqdn('b.test', 80), policy: key('AnthropicAPIKey', 'anthropicAPIKey') },
          { name: 'openai-api-key', schema: { name: 'OpenAI' }, backend: fqdn('c.test', 80), policy: key('AzureAPIKey', 'azureAPIKey') },
          { name: 'azure-default', schema: { name: 'AzureOpenAI' }, backend: fqdn('d.test', 80), policy: key('AzureAPIKey', 'azureAPIKey') },
        ]),
      },
    ]);
    expect(result.config.backends.map((backend) => [backend.name, backend.credential])).toEqual([
      ['anthropic-bearer', { env: 'K_API_KEY', header: 'authorization', prefix: 'Bearer ' }],
      ['openai-x-api-key', { env: 'K_API_KEY', header: 'x-api-key', prefix: '' }],
      ['openai-api-key', { env: 'K_API_KEY', header: 'api-key', prefix: '' }],
      ['azure-default', { env: 'K_API_KEY' }],
    ]);
    expect(result.secrets).toEqual([{ object: 'ai/k', key: 'apiKey', kind: 'Secret', env: 'K_API_KEY' }]);
  });

  test('Bedrock without a Backend takes its region from the policy; Vertex without GCPCredentials is left out; one name in two namespaces is namespace.name', () => {
    const result = importEaigw([
      {
        path: 'x.yaml',
        text: manifests([
          { name: 'bedrock', schema: { name: 'AWSBedrock' }, policy: { type: 'AWSCredentials', awsCredentials: { region: 'eu-west-1' } } },
          { name: 'vertex', schema: { name: 'GCPVertexAI' }, backend: fqdn('us-east5-aiplatform.googleapis.com', 443) },
          { name: 'same', schema: { name: 'OpenAI' }, backend: fqdn('one.test', 80) },
          { name: 'same', namespace: 'team-b', schema: { name: 'OpenAI' }, backend: fqdn('two.test', 80) },
        ]),
      },
    ]);
    expect(result.config.backends.map((backend) => [backend.name, backend.kind, backend.baseUrl, backend.aws])).toEqual([
      ['bedrock', 'bedrock', 'https://bedrock-runtime.eu-west-1.amazonaws.com', { region: 'eu-west-1' }],
      ['ai.same', 'openai', 'http://one.test/v1', undefined],
      ['team-b.same', 'openai', 'http://two.test/v1', undefined],
    ]);
    expect(result.notes.map(formatNote)).toEqual([
      'AIServiceBackend ai/bedrock spec.backendRef: Backend ai/bedrock is not in the input files',
      'AIServiceBackend ai/vertex: not carried over: a vertex backend needs a BackendSecurityPolicy of type GCPCredentials (project and region); the backend is left out',
      'AIGatewayRoute ai/r spec.rules[1].backendRefs[0]: not carried over: AIServiceBackend ai/vertex was not imported (see its notes, or add its file)',
      'AIGatewayRoute ai/r spec.rules[1].backendRefs: not carried over: no backend of this rule could be imported, so its models are left out',
    ]);
  });
});
