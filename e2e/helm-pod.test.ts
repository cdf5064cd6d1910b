import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { stringify } from 'yaml';
import { FakeProvider } from '../src/fake-provider/fake-provider';
import { TEST_KEY, describeE2E, freePort, waitFor, withCaller } from './harness';
import { LocalPod, findObject, parseObjects, podSpecOf, templateChart } from './helm-pod';

/**
 * The chart's pod without a cluster: the rendered Deployment's containers run as local
 * processes with their exact commands and arguments, as the kubelet would run them.
 *
 * Mapping (e2e/helm-pod.ts, LocalPod): each volume mount path becomes a directory under a
 * temporary root — /etc/aigw (the ConfigMap's aigw.yaml), /etc/envoy (the init container's
 * output), /var/run/aigw (the shared socket emptyDir), /tmp — and the same mapping applies
 * inside the ConfigMap's text (the socket path) and the preStop shell script; `node` is this
 * Node, `/app/` (the aigw image's WORKDIR) is this checkout (built dist/), `envoy` is
 * ENVOY_BIN. Secret values are what the kubelet would read through secretKeyRef. The chart's
 * ports are set to free ones with values, since the processes share this machine's network
 * as the containers share the pod's.
 */

const PROVIDER_SECRET = 'sk-fake-provider-secret-from-a-k8s-secret';
/** Twenty chunks 250 ms apart: a stream of ~5 s, in flight while the pod terminates. */
const CHUNKS = Array.from({ length: 20 }, (_, index) =>
  JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content: `${index} ` }, finish_reason: null }] }),
);
const STREAMED_TEXT = Array.from({ length: 20 }, (_, index) => `${index} `).join('');

interface Running {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

function watch(child: ChildProcess): Running {
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })));
  return { child, output: () => text, exited };
}

async function httpStatus(url: string): Promise<number | string> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await response.arrayBuffer();
    return response.status;
  } catch (error) {
    return ((error as Error & { cause?: { code?: string } }).cause?.code ?? (error as Error).message) === 'ECONNREFUSED' ? 'refused' : 'error';
  }
}

/** 'refused' when nothing accepts a TCP connection on the port, else 'accepted'. */
function tcpConnect(port: number): Promise<'refused' | 'accepted'> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve('accepted');
    });
    socket.once('error', () => resolve('refused'));
  });
}

describeE2E('Helm chart: the pod as local processes', () => {
  let provider: FakeProvider;
  let root: string;
  let pod: LocalPod;
  let envoy: Running | undefined;
  let aigw: Running | undefined;
  let listenerPort: number;
  let grace: number;

  beforeAll(async () => {
    provider = await FakeProvider.start({ name: 'helm-pod' });
    root = mkdtempSync(join(tmpdir(), 'aigw-pod-'));
    const [listener, admin, envoyAdmin, ready] = [await freePort(), await freePort(), await freePort(), await freePort()];
    listenerPort = listener;
    const values = {
      listenerPort: listener,
      adminPort: admin,
      envoy: { adminPort: envoyAdmin, readyPort: ready },
      shutdown: { acceptSeconds: 1, drainSeconds: 10, extraGraceSeconds: 5 },
      config: withCaller({
        backends: [{ name: 'fake', kind: 'openai', baseUrl: `${provider.url}/v1`, credential: { env: 'FAKE_PROVIDER_KEY' } }],
        models: [{ name: 'm', backends: [{ backend: 'fake' }] }],
      }),
      secretEnv: [{ name: 'FAKE_PROVIDER_KEY', secretName: 'providers', key: 'fake' }],
    };
    writeFileSync(join(root, 'values.yaml'), stringify(values));
    const objects = parseObjects(templateChart({ values: [join(root, 'values.yaml')] }));
    const spec = podSpecOf(findObject(objects, 'Deployment', 'aigw'));
    grace = spec.terminationGracePeriodSeconds;
    pod = new LocalPod(spec, join(root, 'pod'), objects, { providers: { fake: PROVIDER_SECRET } });
  });

  afterAll(async () => {
    for (const running of [envoy, aigw]) if (running && running.child.exitCode === null && running.child.signalCode === null) running.child.kill('SIGKILL');
    await provider?.close();
    rmSync(root, { recursive: true, force: true });
  });

  test('init render, Envoy and aigw on one socket: probes pass and the OpenAI SDK is served with the Secret credential', async () => {
    const render = pod.runInit('render-envoy');
    expect(render.stderr).toBe('');
    expect(render.status).toBe(0);
    expect(existsSync(pod.mapPaths('/etc/envoy/envoy.yaml'))).toBe(true);
    // The kubelet starts the containers in order, without waiting for one to be ready.
    envoy = watch(pod.start('envoy'));
    aigw = watch(pod.start('aigw'));
    const probes = [pod.probeUrl('envoy', 'readinessProbe'), pod.probeUrl('envoy', 'livenessProbe'), pod.probeUrl('aigw', 'readinessProbe'), pod.probeUrl('aigw', 'livenessProbe')];
    await waitFor(async () => (await Promise.all(probes.map(httpStatus))).every((status) => status === 200), 20_000).catch(() => {
      throw new Error(`probes never passed\nenvoy: ${envoy?.output()}\naigw: ${aigw?.output()}`);
    });
    // The ready listener relays Envoy's metrics (the ServiceMonitor's second endpoint), and nothing else of its admin.
    const readyBase = pod.probeUrl('envoy', 'readinessProbe').replace(/\/ready$/, '');
    const metrics = await fetch(`${readyBase}/stats/prometheus`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toMatch(/^envoy_http_downstream_rq_total\{envoy_http_conn_manager_prefix="aigw"\} \d+$/m);
    for (const [path, method] of [['/quitquitquit', 'POST'], ['/stats/prometheus', 'POST'], ['/config_dump', 'GET'], ['/healthcheck/fail', 'POST']]) {
      expect([path, method, (await fetch(`${readyBase}${path}`, { method })).status]).toEqual([path, method, 404]);
    }
    // The socket is in the shared emptyDir, owner-only.
    expect(existsSync(pod.mapPaths('/var/run/aigw/extproc.sock'))).toBe(true);

    const client = new OpenAI({ apiKey: TEST_KEY, baseURL: `http://127.0.0.1:${listenerPort}/v1`, maxRetries: 0 });
    provider.enqueue({
      kind: 'json',
      status: 200,
      body: { id: 'chatcmpl-pod', object: 'chat.completion', created: 1, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: 'served from the pod' }, finish_reason: 'stop' }], usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 } },
    });
    const completion = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
    expect(completion.choices[0].message.content).toBe('served from the pod');
    expect(completion.usage).toEqual({ prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 });
    expect(provider.received).toHaveLength(1);
    expect(provider.received[0].path).toBe('/v1/chat/completions');
    expect(provider.received[0].headers.authorization).toBe(`Bearer ${PROVIDER_SECRET}`);
  }, 60_000);

  test('termination as the kubelet does it: preStop hooks, then SIGTERM; the stream in flight finishes, new connections are refused, both exit 0 in the grace period', async () => {
    if (!envoy || !aigw) throw new Error('the pod did not start');
    const [envoyProcess, aigwProcess] = [envoy, aigw];
    const client = new OpenAI({ apiKey: TEST_KEY, baseURL: `http://127.0.0.1:${listenerPort}/v1`, maxRetries: 0 });
    provider.enqueue({ kind: 'sse', events: [...CHUNKS, '[DONE]'], intervalMs: 250 });
    const stream = await client.chat.completions.create({ model: 'm', stream: true, messages: [{ role: 'user', content: 'go' }] });
    let markFirst: () => void = () => undefined;
    const first = new Promise<void>((resolve) => (markFirst = resolve));
    const streamed = (async () => {
      let text = '';
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta?.content ?? '';
        markFirst();
      }
      return { text, endedAt: Date.now() };
    })();
    streamed.catch(() => markFirst());
    await first;

    // The pod is deleted: each container's preStop hook runs, and its SIGTERM follows the hook.
    const deletedAt = Date.now();
    const hookEnds: Record<string, number> = {};
    const terminate = (name: 'envoy' | 'aigw', running: Running): Promise<number | null> =>
      pod.preStop(name).then((code) => {
        hookEnds[name] = Date.now();
        running.child.kill('SIGTERM');
        return code;
      });
    const hooks = Promise.all([terminate('envoy', envoyProcess), terminate('aigw', aigwProcess)]);

    // Envoy's readiness fails first, with the health-check filter's 503 (the pod leaves the
    // Service), while its listeners still accept; then they close.
    let readiness: number | string = 200;
    await waitFor(async () => (readiness = await httpStatus(pod.probeUrl('envoy', 'readinessProbe'))) !== 200, 3000);
    expect(readiness).toBe(503);
    await waitFor(async () => (await tcpConnect(listenerPort)) === 'refused', 5000);
    const refusedAt = Date.now();

    const { text, endedAt } = await streamed;
    expect(text).toBe(STREAMED_TEXT);
    // Refused while the stream was still going: the drain did not wait for it to start refusing.
    expect(refusedAt).toBeLessThan(endedAt);
    expect(await hooks).toEqual([0, 0]);
    // aigw's hook (the drain) ended only once the stream had; Envoy's waited for its mark.
    expect(hookEnds.aigw).toBeGreaterThanOrEqual(endedAt - 50);
    expect(hookEnds.envoy).toBeGreaterThanOrEqual(endedAt - 50);
    expect(existsSync(pod.mapPaths('/var/run/aigw/envoy-drained'))).toBe(true);
    const [envoyExit, aigwExit] = await Promise.all([envoyProcess.exited, aigwProcess.exited]);
    expect({ code: aigwExit.code, signal: aigwExit.signal }).toEqual({ code: 0, signal: null });
    expect({ code: envoyExit.code, signal: envoyExit.signal }).toEqual({ code: 0, signal: null });
    // Well inside terminationGracePeriodSeconds: the kubelet never needed its SIGKILL.
    expect(Math.max(envoyExit.at, aigwExit.at) - deletedAt).toBeLessThan(grace * 1000);
    expect(aigwProcess.output()).toContain('"inFlight":0');
  }, 60_000);
});
