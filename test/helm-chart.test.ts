import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { findEnvoy } from '../src/envoy-binary';
import { ALL_FEATURES_VALUES, CHART_DIR, LocalPod, VALIDATOR_DIR, configMapText, findObject, helm, helmBin, parseObjects, podSpecOf, templateChart } from '../e2e/helm-pod';
import type { K8sObject } from '../e2e/helm-pod';
import { docBlocks } from '../e2e/doc-blocks';

/**
 * The Helm chart (deploy/helm/aigw): helm lint and template, every object strictly decoded
 * into the Kubernetes API Go types (deploy/helm/validate), the rendered aigw config through
 * `aigw check-config`, and the Envoy config the init container renders through
 * `envoy --mode validate`. The pod run as processes is e2e/helm-pod.test.ts.
 */

const CLI = join(__dirname, '..', 'dist', 'src', 'cli.js');
/** Stand-in values for every Secret key the values files name. */
const SECRETS = {
  'aigw-providers': { 'openai-api-key': 'sk-test-openai', 'anthropic-api-key': 'sk-ant-test' },
  'aigw-admin': { token: 'admin-token-0123456789abcdef0123456789', 'mcp-session-secret': 'mcp-session-secret-0123456789abcdef0123' },
  'redis-auth': { password: 'redis-password-from-a-secret' },
};
const EXTERNAL_CLUSTER = ['redis.mode=external', 'redis.external.url=redis://redis-cluster.data.svc:6379', 'redis.external.cluster=true'];
const REDIS_PASSWORD = [...EXTERNAL_CLUSTER, 'redis.external.passwordSecret.name=redis-auth', 'redis.external.passwordSecret.key=password'];

let dir: string;
let validator: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'aigw-helm-'));
  validator = join(dir, 'validate');
  const build = spawnSync('go', ['build', '-o', validator, '.'], { cwd: VALIDATOR_DIR, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`go build of the validator failed: ${build.stderr}`);
}, 300_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function validate(stream: string): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(validator, [], { input: stream, encoding: 'utf8' });
}

function names(objects: readonly K8sObject[]): string[] {
  return objects.map((object) => `${object.kind}/${object.metadata.name}`).sort();
}

describe('helm lint', () => {
  test.each([
    ['default values', []],
    ['all-features values', ['--values', ALL_FEATURES_VALUES]],
    ['an external Redis Cluster', EXTERNAL_CLUSTER.flatMap((value) => ['--set', value])],
  ])('%s: lint --strict passes', (_name, args) => {
    const result = helm(['lint', '--strict', CHART_DIR, ...args]);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
    expect(result.status).toBe(0);
  });

  test('an external Redis without its URL: lint warns, template refuses', () => {
    const lint = helm(['lint', '--strict', CHART_DIR, '--set', 'redis.mode=external']);
    expect(lint.stderr).toContain('redis.external.url is required with redis.mode external');
    const template = helm(['template', 'aigw', CHART_DIR, '--set', 'redis.mode=external']);
    expect(template.status).toBe(1);
    expect(template.stderr).toContain('redis.external.url is required with redis.mode external');
  });
});

describe('helm template: every object decodes strictly into its Kubernetes API type', () => {
  test('default values: the gateway objects only', () => {
    const stream = templateChart();
    const result = validate(stream);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout.trim().split('\n').slice(0, -1).sort()).toEqual(names(parseObjects(stream)));
    expect(names(parseObjects(stream))).toEqual(['ConfigMap/aigw', 'Deployment/aigw', 'PodDisruptionBudget/aigw', 'Service/aigw', 'ServiceAccount/aigw']);
    expect(result.stdout).toContain('5 objects ok');
  });

  test('all-features values: HPA, PDB, ServiceMonitor, bundled Redis, the NetworkPolicy pair', () => {
    const stream = templateChart({ values: [ALL_FEATURES_VALUES] });
    const result = validate(stream);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(names(parseObjects(stream))).toEqual([
      'ConfigMap/aigw',
      'Deployment/aigw',
      'Deployment/aigw-redis',
      'HorizontalPodAutoscaler/aigw',
      'NetworkPolicy/aigw',
      'NetworkPolicy/aigw-agents-egress',
      'NetworkPolicy/aigw-redis',
      'PodDisruptionBudget/aigw',
      'Service/aigw',
      'Service/aigw-metrics',
      'Service/aigw-redis',
      'ServiceAccount/aigw',
      'ServiceMonitor/aigw',
    ]);
    expect(result.stdout).toContain('13 objects ok');
  });

  test('the validator refuses an unknown field, a misplaced one and an unknown kind', () => {
    const stream = templateChart();
    const misspelt = stream.replace('terminationGracePeriodSeconds:', 'terminationGracePeriodSecond:');
    expect(misspelt).not.toBe(stream);
    const unknownField = validate(misspelt);
    expect(unknownField.status).toBe(1);
    expect(unknownField.stderr).toContain('Deployment: unknown field "spec.template.spec.terminationGracePeriodSecond"');
    // Field names match case-sensitively, as the API server's decoder does.
    const recasedStream = stream.replace('      automountServiceAccountToken: false', '      AutomountServiceAccountToken: false');
    expect(recasedStream).not.toBe(stream);
    const recased = validate(recasedStream);
    expect(recased.status).toBe(1);
    expect(recased.stderr).toContain('unknown field "spec.template.spec.AutomountServiceAccountToken"');
    const unknownKind = validate(`${stream}\n---\napiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n`);
    expect(unknownKind.status).toBe(1);
    expect(unknownKind.stderr).toContain('unknown kind "Widget" (apiVersion "example.com/v1")');
    const serviceMonitor = templateChart({ values: [ALL_FEATURES_VALUES] }).replace('scrapeTimeout: 10s', 'scrapeTimout: 10s');
    const badMonitor = validate(serviceMonitor);
    expect(badMonitor.status).toBe(1);
    expect(badMonitor.stderr).toContain('ServiceMonitor: unknown field "spec.endpoints[0].scrapeTimout"');
  });
});

describe('the pod the chart describes', () => {
  const deployment = (values: readonly string[] = []): ReturnType<typeof podSpecOf> => podSpecOf(findObject(parseObjects(templateChart({ values })), 'Deployment', 'aigw'));

  test('non-root, read-only containers with resource requests; grace period covers the drain', () => {
    const pod = deployment();
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000 });
    const containers = [...pod.initContainers, ...pod.containers];
    expect(containers.map((container) => container.name)).toEqual(['render-envoy', 'envoy', 'aigw']);
    for (const container of containers) {
      expect(container.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } });
      expect(Object.keys(container.resources?.requests ?? {}).sort()).toEqual(['cpu', 'memory']);
    }
    // acceptSeconds 5 + drainSeconds 30 + 15.
    expect(pod.terminationGracePeriodSeconds).toBe(50);
    expect(pod.containers.map((container) => [container.name, container.readinessProbe?.httpGet, container.livenessProbe?.httpGet])).toEqual([
      ['envoy', { path: '/ready', port: 'envoy-ready' }, { path: '/ready', port: 'envoy-ready' }],
      ['aigw', { path: '/readyz', port: 'admin' }, { path: '/healthz', port: 'admin' }],
    ]);
  });

  test('credentials come from Secrets: every variable the config names is a secretKeyRef, and no value is in the ConfigMap', () => {
    const objects = parseObjects(templateChart({ values: [ALL_FEATURES_VALUES] }));
    const config = configMapText(objects, 'aigw');
    const named = [...config.matchAll(/env: ([A-Z_][A-Z0-9_]*)/g)].map((match) => match[1]).sort();
    expect(named).toEqual(['AIGW_ADMIN_TOKEN', 'AIGW_MCP_SESSION_SECRET', 'ANTHROPIC_API_KEY', 'OPENAI_API_KEY']);
    for (const container of [...podSpecOf(findObject(objects, 'Deployment', 'aigw')).initContainers, ...podSpecOf(findObject(objects, 'Deployment', 'aigw')).containers.filter((c) => c.name === 'aigw')]) {
      const fromSecrets = (container.env ?? []).filter((variable) => variable.valueFrom?.secretKeyRef).map((variable) => variable.name).sort();
      expect(fromSecrets).toEqual(named);
    }
    for (const values of Object.values(SECRETS)) for (const value of Object.values(values)) expect(JSON.stringify(objects)).not.toContain(value);
  });

  test.each([
    [[], { maxUnavailable: 1 }],
    [['podDisruptionBudget.maxUnavailable=0'], { maxUnavailable: 0 }],
    [['podDisruptionBudget.maxUnavailable=null', 'podDisruptionBudget.minAvailable=50%'], { minAvailable: '50%' }],
  ])('PodDisruptionBudget with %j', (set, budget) => {
    const pdb = findObject(parseObjects(templateChart({ set })), 'PodDisruptionBudget', 'aigw') as unknown as { spec: Record<string, unknown> };
    expect(pdb.spec).toEqual({ ...budget, selector: { matchLabels: { 'app.kubernetes.io/name': 'aigw', 'app.kubernetes.io/instance': 'aigw', 'app.kubernetes.io/component': 'gateway' } } });
  });

  test('the NetworkPolicy pair: agents reach only the gateway; the gateway reaches only DNS, Redis, the providers and MCP servers listed', () => {
    const objects = parseObjects(templateChart({ values: [ALL_FEATURES_VALUES] }));
    const gatewayPods = { matchLabels: { 'app.kubernetes.io/name': 'aigw', 'app.kubernetes.io/instance': 'aigw', 'app.kubernetes.io/component': 'gateway' } };
    const dns = { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }], ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] };
    const gateway = findObject(objects, 'NetworkPolicy', 'aigw') as unknown as { spec: unknown };
    expect(gateway.spec).toEqual({
      podSelector: gatewayPods,
      policyTypes: ['Ingress', 'Egress'],
      ingress: [
        { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'agents' } } }, { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }], ports: [{ protocol: 'TCP', port: 10000 }] },
        { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }], ports: [{ protocol: 'TCP', port: 9090 }, { protocol: 'TCP', port: 19001 }] },
      ],
      egress: [
        dns,
        { to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'aigw', 'app.kubernetes.io/instance': 'aigw', 'app.kubernetes.io/component': 'redis' } } }], ports: [{ protocol: 'TCP', port: 6379 }] },
        { to: [{ ipBlock: { cidr: '192.0.2.0/24' } }, { ipBlock: { cidr: '198.51.100.0/24' } }], ports: [{ protocol: 'TCP', port: 443 }] },
        { to: [{ ipBlock: { cidr: '203.0.113.0/24' } }], ports: [{ protocol: 'TCP', port: 443 }] },
        { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'tools' } }, podSelector: { matchLabels: { app: 'docs-mcp' } } }], ports: [{ protocol: 'TCP', port: 8000 }] },
        { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'observability' } } }], ports: [{ protocol: 'TCP', port: 4318 }] },
      ],
    });
    const agents = findObject(objects, 'NetworkPolicy', 'aigw-agents-egress') as unknown as { metadata: { namespace: string }; spec: unknown };
    expect(agents.metadata.namespace).toBe('agents');
    expect(agents.spec).toEqual({
      podSelector: { matchLabels: { role: 'agent' } },
      policyTypes: ['Egress'],
      egress: [{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'gateway' } }, podSelector: gatewayPods }], ports: [{ protocol: 'TCP', port: 10000 }] }, dns],
    });
  });

  test('Redis: bundled, or an external Redis Cluster URL, becomes rateLimits.store', () => {
    const bundled = parse(configMapText(parseObjects(templateChart({ values: [ALL_FEATURES_VALUES] })), 'aigw')) as { rateLimits: { store: unknown } };
    expect(bundled.rateLimits.store).toEqual({ redis: { url: 'redis://aigw-redis:6379', cluster: false } });
    const external = parse(configMapText(parseObjects(templateChart({ set: EXTERNAL_CLUSTER })), 'aigw')) as { rateLimits: { store: unknown } };
    expect(external.rateLimits.store).toEqual({ redis: { url: 'redis://redis-cluster.data.svc:6379', cluster: true } });
    expect(parseObjects(templateChart({ set: EXTERNAL_CLUSTER })).some((object) => object.metadata.name === 'aigw-redis')).toBe(false);
  });

  test("an external Redis's password comes from its Secret through the environment; the ConfigMap names only the variable", () => {
    const text = templateChart({ set: REDIS_PASSWORD });
    expect(text).not.toContain('redis-password-from-a-secret');
    const objects = parseObjects(text);
    const config = parse(configMapText(objects, 'aigw')) as { rateLimits: { store: unknown } };
    expect(config.rateLimits.store).toEqual({ redis: { url: 'redis://redis-cluster.data.svc:6379', cluster: true, password: { env: 'AIGW_REDIS_PASSWORD' } } });
    const spec = podSpecOf(findObject(objects, 'Deployment', 'aigw'));
    // The init container compiles the config too (render-envoy), so it needs the variable as well.
    for (const container of [...spec.initContainers, ...spec.containers.filter((c) => c.name === 'aigw')]) {
      expect((container.env ?? []).filter((variable) => variable.name === 'AIGW_REDIS_PASSWORD')).toEqual([
        { name: 'AIGW_REDIS_PASSWORD', valueFrom: { secretKeyRef: { name: 'redis-auth', key: 'password' } } },
      ]);
    }
    const missingKey = helm(['template', 'aigw', CHART_DIR, ...EXTERNAL_CLUSTER.flatMap((value) => ['--set', value]), '--set', 'redis.external.passwordSecret.name=redis-auth']);
    expect(missingKey.stderr).toContain('redis.external.passwordSecret.key is required with its name');
  });
});

describe('the rendered configs pass aigw check-config and envoy --mode validate', () => {
  test.each([
    ['default values', [], [], 'ok (1 models, 1 backends, 0 callers)'],
    ['all-features values', [ALL_FEATURES_VALUES], [], 'ok (2 models, 2 backends, 1 callers)'],
    ['an external Redis Cluster', [], EXTERNAL_CLUSTER, 'ok (1 models, 1 backends, 0 callers)'],
    ['an external Redis Cluster with a password Secret', [], REDIS_PASSWORD, 'ok (1 models, 1 backends, 0 callers)'],
  ])('%s', (name, values, set, summary) => {
    const objects = parseObjects(templateChart({ values, set }));
    const root = mkdtempSync(join(dir, 'pod-'));
    const pod = new LocalPod(podSpecOf(findObject(objects, 'Deployment', 'aigw')), root, objects, SECRETS);
    // check-config on the ConfigMap's file, in the aigw container's environment.
    const aigw = pod.container('aigw');
    const configFile = pod.mapPaths('/etc/aigw/aigw.yaml');
    const check = spawnSync(process.execPath, [CLI, 'check-config', configFile], { env: pod.environment(aigw), encoding: 'utf8' });
    expect(check.stderr).toBe('');
    expect(check.stdout).toContain(`${configFile}: ${summary}`);
    expect(check.status).toBe(0);
    // The init container's own command renders Envoy's config…
    const render = pod.runInit('render-envoy');
    expect(render.stderr).toBe('');
    expect(render.status).toBe(0);
    const envoyConfig = pod.mapPaths('/etc/envoy/envoy.yaml');
    expect(readFileSync(envoyConfig, 'utf8')).toContain('--listen 0.0.0.0 --ready 0.0.0.0:19001');
    // …which the real Envoy accepts.
    const envoy = spawnSync(findEnvoy(), ['--mode', 'validate', '-c', envoyConfig, '--log-level', 'error'], { encoding: 'utf8' });
    expect(`${name}: ${envoy.stdout}${envoy.stderr}`).toContain(`configuration '${envoyConfig}' OK`);
    expect(envoy.status).toBe(0);
    writeFileSync(join(root, 'done'), '');
  }, 60_000);
});

test('docs/kubernetes.md: its helm lint and helm template commands, as printed, from the repository root', () => {
  const block = docBlocks('docs/kubernetes.md').filter((candidate) => candidate.lang === 'sh' && candidate.text.includes('helm template'));
  expect(block).toHaveLength(1);
  const lines = block[0].text.trim().split('\n');
  expect(lines.map((line) => line.split(' ').slice(0, 2).join(' '))).toEqual(['helm lint', 'helm template']);
  const env = { ...process.env, PATH: `${dirname(helmBin())}:${process.env.PATH ?? ''}` };
  const [lint, template] = lines.map((line) => spawnSync('bash', ['-euo', 'pipefail', '-c', line], { cwd: join(__dirname, '..'), env, encoding: 'utf8' }));
  expect(lint.status).toBe(0);
  expect(lint.stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
  expect(template.status).toBe(0);
  expect(names(parseObjects(template.stdout))).toHaveLength(13);
  expect(findObject(parseObjects(template.stdout), 'NetworkPolicy', 'aigw-agents-egress').metadata.namespace).toBe('agents');
});
