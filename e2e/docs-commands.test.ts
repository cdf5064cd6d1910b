import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashApiKey } from '../src/auth/api-keys';
import { FakeProvider } from '../src/fake-provider/fake-provider';
import { parse, parseAllDocuments } from 'yaml';
import { BlockRegistry, DOC_FILES, Sandbox, commandLines, jsonValues, startGateway, validateFragment, where, withoutNpmBanner } from './doc-blocks';
import type { DocBlock, Running } from './doc-blocks';
import { runImportBlock } from './eaigw-doc-command';
import { Stack, describeE2E } from './harness';

/**
 * Every fenced block of docs/*.md, as printed (e2e/doc-blocks.ts): YAML snippets are valid
 * configs, shell blocks run against a gateway started here on free ports, JSON shown as
 * what aigw sends is compared with what it sends. README.md: e2e/readme.test.ts.
 */
const FILES = DOC_FILES.filter((file) => file.startsWith('docs/'));
const registry = new BlockRegistry(FILES);

/** Blocks that cannot run here, by file and a piece of their text, with the reason. */
const NOT_RUNNABLE: Array<{ file: string; lang: string; marker: string; reason: string }> = [
  { file: 'docs/kubernetes.md', lang: 'sh', marker: 'helm install', reason: 'needs Docker, a registry and a Kubernetes cluster; e2e/helm-pod.test.ts runs the pod the chart renders' },
  { file: 'docs/kubernetes.md', lang: 'sh', marker: 'helm template', reason: 'run as printed by test/helm-chart.test.ts, with the helm .ci/run installs' },
  { file: 'docs/kubernetes-gateways.md', lang: 'sh', marker: 'kubectl apply', reason: 'no Kubernetes cluster here; e2e/k8s-render.test.ts decodes every object into the API types and validates the Envoy config in it' },
];

/** Inline commands that cannot run here, by file, exactly as printed, with the reason. */
const INLINE_NOT_RUNNABLE: Array<{ file: string; text: string; reason: string }> = [
  { file: 'docs/guardrails.md', text: 'npm run bench:guardrails', reason: 'a benchmark (perf/README.md)' },
  { file: 'docs/observability.md', text: 'docker compose up', reason: 'no Docker here; test/compose.test.ts checks docker-compose.yml against the example config' },
];

describe('docs YAML snippets', () => {
  test.each(registry.blocks.filter((block) => block.lang === 'yaml').map((block) => [where(block), block] as const))('%s is a valid config', (_where, block: DocBlock) => {
    expect(() => validateFragment(block.text, where(block))).not.toThrow();
  });
});

describeE2E('docs commands and examples, as printed, on free ports', () => {
  test('observability.md: spend from the CLI, /spend and /admin/spend read the audit log', async () => {
    const block = registry.claim('docs/observability.md', 'sh', 'spend --log', 'executed');
    const audit = registry.blocks.find((candidate) => candidate.file === 'docs/observability.md' && candidate.lang === 'yaml' && candidate.text.startsWith('telemetry:\n  audit:'))!;
    // The docs' audit snippet, and the admin token the spend endpoints need (the README's admin snippet's first line).
    const token = 'docs-admin-token';
    const { sandbox, gateway }: { sandbox: Sandbox; gateway: Running } = await startGateway({ AIGW_ADMIN_TOKEN: token }, [audit.text, 'admin: { token: { env: AIGW_ADMIN_TOKEN } }']);
    try {
      const answer = await fetch(`http://127.0.0.1:${sandbox.ports.listener}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: 'Bearer sk-aigw-demo' },
        body: JSON.stringify({ model: 'demo', messages: [{ role: 'user', content: 'Say hello' }] }),
      });
      expect(answer.status).toBe(200);
      const log = join(sandbox.dir, 'var/log/aigw/audit.jsonl');
      await gateway.waitFor(async () => existsSync(log) && readFileSync(log, 'utf8').includes('"team":"demo"'), 'an audit record');
      const printed: unknown[] = [];
      for (const line of commandLines(block.text)) {
        const result = await sandbox.run(line, { AIGW_ADMIN_TOKEN: token });
        expect([line, result.status]).toEqual([line, 0]);
        printed.push(...jsonValues(withoutNpmBanner(result.stdout)));
      }
      const [cli, spend, adminSpend] = printed as Array<Record<string, unknown>>;
      expect(printed).toHaveLength(3);
      expect(cli).toMatchObject({ by: 'team', since: '2026-12-01T00:00:00.000Z', rows: [expect.objectContaining({ group: 'demo', requests: 1 })] });
      expect(spend).toMatchObject({ by: 'model', rows: [expect.objectContaining({ group: 'demo', requests: 1 })] });
      expect(adminSpend).toMatchObject({ by: 'team', storage: expect.any(String), rows: [expect.objectContaining({ group: 'demo', requests: 1 })] });
    } finally {
      await gateway.stop();
      sandbox.remove();
    }
  }, 60_000);

  test('envoy-fragment.md: render-envoy --fragment writes the fragment with the keys the page names', async () => {
    const block = registry.claim('docs/envoy-fragment.md', 'sh', '--fragment', 'executed');
    const sandbox = await Sandbox.create();
    try {
      for (const line of commandLines(block.text)) {
        const result = await sandbox.run(line);
        expect([line, result.status, result.stderr]).toEqual([line, 0, expect.any(String)]);
      }
      const fragment = parse(readFileSync(join(sandbox.dir, 'fragment.yaml'), 'utf8')) as Record<string, unknown>;
      // Every key of the page's table, in the page's order.
      const page = readFileSync(join(__dirname, '..', 'docs', 'envoy-fragment.md'), 'utf8');
      const tableKeys = [...page.matchAll(/^\| `([a-z_]+)` \|/gm)].map((match) => match[1]);
      expect(Object.keys(fragment)).toEqual(tableKeys);
      expect((fragment.virtual_host as { domains: string[] }).domains).toEqual(['ai.example.com']);
    } finally {
      sandbox.remove();
    }
  }, 60_000);

  test('kubernetes-gateways.md: render-k8s writes both targets\' objects in the namespace given', async () => {
    const block = registry.claim('docs/kubernetes-gateways.md', 'sh', 'render-k8s', 'executed');
    const sandbox = await Sandbox.create();
    try {
      for (const line of commandLines(block.text)) {
        const result = await sandbox.run(line);
        expect([line, result.status, result.stderr]).toEqual([line, 0, expect.any(String)]);
      }
      const kinds = (file: string): string[] => {
        const objects = parseAllDocuments(readFileSync(join(sandbox.dir, file), 'utf8'))
          .map((document) => document.toJS() as { kind: string; metadata: { namespace: string } } | null)
          .filter((object) => object !== null);
        expect(new Set(objects.map((object) => object.metadata.namespace))).toEqual(new Set(['ai']));
        return [...new Set(objects.map((object) => object.kind))];
      };
      expect(kinds('aigw-envoy-gateway.yaml')).toEqual([
        'ConfigMap',
        'EnvoyProxy',
        'Backend',
        'HTTPRoute',
        'EnvoyExtensionPolicy',
        'ClientTrafficPolicy',
        'EnvoyPatchPolicy',
      ]);
      expect(kinds('aigw-istio.yaml')).toEqual(['ConfigMap', 'Gateway', 'EnvoyFilter', 'ServiceEntry', 'DestinationRule']);
    } finally {
      sandbox.remove();
    }
  }, 60_000);

  describe('guardrails.md: the webhook request body', () => {
    const KEY = 'sk-docs-support-bot';
    let provider: FakeProvider;
    let webhook: Server;
    let stack: Stack;
    const received: unknown[] = [];

    beforeAll(async () => {
      provider = await FakeProvider.start({ name: 'docs' });
      webhook = createServer((request, response) => {
        let body = '';
        request.on('data', (chunk: Buffer) => (body += chunk.toString()));
        request.on('end', () => {
          received.push(JSON.parse(body));
          response.setHeader('content-type', 'application/json');
          response.end('{"action":"allow"}');
        });
      });
      await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));
      const address = webhook.address() as { port: number };
      // The caller, team, project, model and policy the docs' example names.
      stack = await Stack.start({
        config: {
          callers: [{ name: 'support-bot', keyHash: hashApiKey(KEY), team: 'support', project: 'helpdesk' }],
          backends: [{ name: 'fake', kind: 'openai', baseUrl: `${provider.url}/v1` }],
          models: [{ name: 'gpt-4o', backends: [{ backend: 'fake' }] }],
          guardrails: {
            webhooks: [{ name: 'moderation', url: `http://127.0.0.1:${address.port}/check`, failMode: 'closed' }],
            policies: [{ name: 'support-bot', match: { callers: ['support-bot'] }, inherit: false, webhooks: [{ webhook: 'moderation', on: ['request'] }] }],
          },
        },
      });
    }, 60_000);

    afterAll(async () => {
      await stack?.stop();
      await provider?.close();
      webhook?.close();
    });

    test('has the fields and values the docs show', async () => {
      const block = registry.claim('docs/guardrails.md', 'json', '"direction":"request"', 'compared with what aigw sends');
      const response = await stack.post('/v1/chat/completions', { model: 'gpt-4o', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Say hello' }] }, { authorization: `Bearer ${KEY}` });
      expect(response.status).toBe(200);
      // "…" in the docs stands for any text.
      const shown = JSON.parse(block.text, (_key, value: unknown) => (value === '…' ? expect.any(String) : value)) as Record<string, unknown>;
      expect(received).toEqual([shown]);
    });
  });

  test('from-envoy-ai-gateway.md: import eaigw writes the config the test manifests describe', async () => {
    await runImportBlock(registry.claim('docs/from-envoy-ai-gateway.md', 'sh', 'import eaigw', 'executed'));
  }, 60_000);

  test('every docs block is run, validated or listed with the reason it cannot run', () => {
    for (const { file, lang, marker, reason } of NOT_RUNNABLE) registry.claim(file, lang, marker, `not runnable: ${reason}`);
    for (const { file, text, reason } of INLINE_NOT_RUNNABLE) registry.claimInline(file, text, `not runnable: ${reason}`);
    expect(registry.unclassified()).toEqual([]);
  });
});
