/**
 * The two systems under test, started side by side on free loopback ports:
 * - "aigw": Envoy with the bootstrap aigw renders, calling a separate `aigw serve` process;
 * - "envoy": Envoy alone, a plain HTTP/1.1 proxy to the same fake provider (no ext_proc).
 */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { hashApiKey } from '../src/auth/api-keys';
import { validateConfig } from '../src/config/load';
import { renderEnvoyYaml } from '../src/config/render-envoy';
import { compileConfig } from '../src/config/runtime';
import { findEnvoy } from '../src/envoy-binary';
import { freePort, spawnLogged, stopChild, waitForAigw, waitForEnvoy } from './processes';
import type { Child } from './processes';

/** The API key bench clients send. */
export const BENCH_KEY = 'sk-bench';
/** The model name bench clients ask for. */
export const BENCH_MODEL = 'bench';
/** The model bench clients ask for to get OpenAI chat translated to Anthropic Messages (an `anthropic` backend on the fake). */
export const BENCH_ANTHROPIC_MODEL = 'bench-anthropic';
/** The path of OpenAI chat requests (the default). */
export const CHAT_PATH = '/v1/chat/completions';
/** The path of Anthropic Messages requests; the fake provider answers it in Anthropic's wire format. */
export const MESSAGES_PATH = '/v1/messages';

/** Names of the compared targets, in report order. */
export type TargetName = 'envoy' | 'aigw';

/** Both targets, in report order. */
export const TARGET_NAMES: readonly TargetName[] = ['envoy', 'aigw'];

/** Everything the benchmark started. */
export interface Targets {
  /** Listener port of each target. */
  ports: Record<TargetName, number>;
  aigw: Child;
  envoyAigw: Child;
  envoyPlain: Child;
  envoyBin: string;
}

/** The chat request body bench clients send (to `model`, by default the pass-through one). */
export function chatBody(stream: boolean, model = BENCH_MODEL): Buffer {
  const body: Record<string, unknown> = { model, messages: [{ role: 'user', content: 'Say hello' }] };
  if (stream) body.stream = true;
  return Buffer.from(JSON.stringify(body));
}

/**
 * The Anthropic Messages body Envoy alone forwards to the fake provider: what aigw sends it
 * for a {@link chatBody} to BENCH_ANTHROPIC_MODEL (max_tokens is the translator's default).
 */
export function messagesBody(stream: boolean): Buffer {
  const body: Record<string, unknown> = { model: BENCH_ANTHROPIC_MODEL, max_tokens: 4096, messages: [{ role: 'user', content: [{ type: 'text', text: 'Say hello' }] }] };
  if (stream) body.stream = true;
  return Buffer.from(JSON.stringify(body));
}

interface AigwPorts {
  listener: number;
  envoyAdmin: number;
  /** aigw's gRPC server: a Unix socket, as the rendered config defaults to. */
  grpcSocket: string;
  aigwAdmin: number;
}

/** The aigw config (as written in aigw.yaml) for the bench. */
function aigwConfig(ports: AigwPorts, providerPort: number): Record<string, unknown> {
  return {
    listener: { address: '127.0.0.1', port: ports.listener },
    envoy: { adminAddress: '127.0.0.1', adminPort: ports.envoyAdmin, accessLog: '/dev/null' },
    // drainSeconds 0: stopping at the end of the run must not wait for idle streams.
    server: { grpc: [`unix:${ports.grpcSocket}`], admin: `127.0.0.1:${ports.aigwAdmin}`, drainSeconds: 0 },
    backends: [
      { name: 'fake', kind: 'openai', baseUrl: `http://127.0.0.1:${providerPort}/v1` },
      // The same fake, called in Anthropic's wire format (an anthropic baseUrl has no /v1).
      { name: 'fake-anthropic', kind: 'anthropic', baseUrl: `http://127.0.0.1:${providerPort}` },
    ],
    models: [
      { name: BENCH_MODEL, backends: [{ backend: 'fake' }] },
      { name: BENCH_ANTHROPIC_MODEL, backends: [{ backend: 'fake-anthropic' }] },
    ],
    callers: [{ name: 'bench', keyHash: hashApiKey(BENCH_KEY), team: 't', project: 'p' }],
  };
}

function typed(type: string, config: Record<string, unknown> = {}): Record<string, unknown> {
  return { '@type': `type.googleapis.com/${type}`, ...config };
}

/** A minimal Envoy bootstrap: listener → router → STATIC HTTP/1.1 cluster of the fake provider. */
export function plainEnvoyBootstrap(listenerPort: number, adminPort: number, providerPort: number): Record<string, unknown> {
  const address = (port: number): Record<string, unknown> => ({ socket_address: { address: '127.0.0.1', port_value: port } });
  return {
    node: { id: 'bench-plain', cluster: 'bench-plain' },
    admin: { address: address(adminPort) },
    static_resources: {
      listeners: [
        {
          name: 'plain',
          address: address(listenerPort),
          filter_chains: [
            {
              filters: [
                {
                  name: 'envoy.filters.network.http_connection_manager',
                  typed_config: typed('envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager', {
                    stat_prefix: 'plain',
                    codec_type: 'AUTO',
                    route_config: {
                      name: 'plain',
                      virtual_hosts: [{ name: 'plain', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'fake', timeout: '600s' } }] }],
                    },
                    http_filters: [{ name: 'envoy.filters.http.router', typed_config: typed('envoy.extensions.filters.http.router.v3.Router') }],
                  }),
                },
              ],
            },
          ],
        },
      ],
      clusters: [
        {
          name: 'fake',
          type: 'STATIC',
          connect_timeout: '5s',
          lb_policy: 'ROUND_ROBIN',
          circuit_breakers: {
            thresholds: [{ priority: 'DEFAULT', max_connections: 100000, max_pending_requests: 100000, max_requests: 100000, max_retries: 100000 }],
          },
          typed_extension_protocol_options: {
            'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': typed('envoy.extensions.upstreams.http.v3.HttpProtocolOptions', {
              explicit_http_config: { http_protocol_options: {} },
            }),
          },
          load_assignment: { cluster_name: 'fake', endpoints: [{ lb_endpoints: [{ endpoint: { address: address(providerPort) } }] }] },
        },
      ],
    },
  };
}

function envoyArgs(bootstrapPath: string, baseId: number): string[] {
  return ['-c', bootstrapPath, '--concurrency', '1', '--disable-hot-restart', '--log-level', 'error', '--base-id', String(baseId)];
}

/** `dist/src/cli.js`, next to this file's `dist/perf/`. */
export function cliPath(): string {
  return resolve(__dirname, '..', 'src', 'cli.js');
}

/**
 * Starts aigw (separate Node process), its Envoy and the plain Envoy, and waits until all
 * three are ready. `extraConfig` adds top-level aigw.yaml sections (e.g. rateLimits). On
 * failure, whatever was started is stopped again.
 */
export async function startTargets(providerPort: number, dir: string, extraConfig: Record<string, unknown> = {}): Promise<Targets> {
  const envoyBin = findEnvoy();
  const ports: AigwPorts = { listener: await freePort(), envoyAdmin: await freePort(), grpcSocket: join(dir, 'aigw.sock'), aigwAdmin: await freePort() };
  const plainListener = await freePort();
  const plainAdmin = await freePort();

  const raw = { ...aigwConfig(ports, providerPort), ...extraConfig };
  const configPath = join(dir, 'aigw.yaml');
  writeFileSync(configPath, stringify(raw));
  const aigwBootstrap = join(dir, 'envoy-aigw.yaml');
  writeFileSync(aigwBootstrap, renderEnvoyYaml(compileConfig(validateConfig(raw, 'bench'))));
  const plainBootstrap = join(dir, 'envoy-plain.yaml');
  writeFileSync(plainBootstrap, stringify(plainEnvoyBootstrap(plainListener, plainAdmin, providerPort)));

  const started: Child[] = [];
  try {
    const aigw = spawnLogged('aigw', process.execPath, [cliPath(), 'serve', '--config', configPath], dir);
    started.push(aigw);
    const envoyAigw = spawnLogged('envoy-aigw', envoyBin, envoyArgs(aigwBootstrap, 7301), dir);
    started.push(envoyAigw);
    const envoyPlain = spawnLogged('envoy-plain', envoyBin, envoyArgs(plainBootstrap, 7302), dir);
    started.push(envoyPlain);
    await Promise.all([waitForAigw(aigw, ports.aigwAdmin), waitForEnvoy(envoyAigw, ports.envoyAdmin), waitForEnvoy(envoyPlain, plainAdmin)]);
    return { ports: { envoy: plainListener, aigw: ports.listener }, aigw, envoyAigw, envoyPlain, envoyBin };
  } catch (error) {
    await Promise.all(started.map((child) => stopChild(child)));
    throw error;
  }
}

/** Stops everything {@link startTargets} started (Envoys first, so aigw sees no new work). */
export async function stopTargets(targets: Targets): Promise<void> {
  await Promise.all([stopChild(targets.envoyAigw), stopChild(targets.envoyPlain)]);
  await stopChild(targets.aigw);
}
