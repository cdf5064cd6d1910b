/**
 * The processes of the capacity benchmark, every one pinned to core 0 with `taskset` (the
 * load generator, this process and wrk, runs on core 1): the fake provider, Envoy alone in
 * front of it, and Envoy + aigw (`aigw serve` with the bootstrap `aigw render-envoy`
 * writes), built from any checkout (`root`), so two versions can be measured alike.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { hashApiKey } from '../src/auth/api-keys';
import { findEnvoy } from '../src/envoy-binary';
import { freePort, spawnLogged, stopChild, waitForAigw, waitForEnvoy } from './processes';
import type { Child } from './processes';
import { BENCH_ANTHROPIC_MODEL, BENCH_KEY, BENCH_MODEL, plainEnvoyBootstrap } from './setup';

/** The core the servers run on, and the one the load generator runs on. */
export const SERVER_CORE = '0';
export const LOAD_CORE = '1';

/** What runs for one benchmark. */
export interface CapacityTargets {
  upstream: Child;
  envoyPlain: Child;
  envoyAigw: Child;
  aigw: Child;
  redis?: Child;
  ports: { upstream: number; plain: number; aigw: number; aigwAdmin: number };
}

/** How to start them. */
export interface CapacityOptions {
  /** A checkout with a built dist/ (default: this one). */
  root: string;
  dir: string;
  /** Token limits in Redis (a quota every request meets, none reaches). */
  limits: boolean;
  /** ext_proc over plain TCP on loopback (what older versions defaulted to; today's refuses it without mTLS). */
  tcp: boolean;
}

/** `taskset -c <core> command args…`. */
function pinned(name: string, core: string, command: string, args: readonly string[], dir: string): Child {
  return spawnLogged(name, 'taskset', ['-c', core, command, ...args], dir);
}

/** Moves this process (the load generator) to the load core. */
export function pinSelf(): void {
  execFileSync('taskset', ['-pc', LOAD_CORE, String(process.pid)], { stdio: 'ignore' });
}

function aigwConfig(grpc: string, ports: CapacityTargets['ports'], redisPort: number | undefined): Record<string, unknown> {
  return {
    listener: { address: '127.0.0.1', port: ports.aigw },
    envoy: { adminAddress: '127.0.0.1', adminPort: 0, accessLog: '/dev/null' },
    server: { grpc: [grpc], admin: `127.0.0.1:${ports.aigwAdmin}`, drainSeconds: 0 },
    backends: [
      { name: 'fake', kind: 'openai', baseUrl: `http://127.0.0.1:${ports.upstream}/v1` },
      { name: 'fake-anthropic', kind: 'anthropic', baseUrl: `http://127.0.0.1:${ports.upstream}` },
    ],
    models: [
      { name: BENCH_MODEL, backends: [{ backend: 'fake' }] },
      { name: BENCH_ANTHROPIC_MODEL, backends: [{ backend: 'fake-anthropic' }] },
    ],
    callers: [{ name: 'bench', keyHash: hashApiKey(BENCH_KEY), team: 't', project: 'p' }],
    ...(redisPort === undefined
      ? {}
      : {
          rateLimits: {
            store: { redis: { url: `redis://127.0.0.1:${redisPort}` } },
            descriptors: [{ key: 'metric', value: 'tokens', descriptors: [{ key: 'team', rate_limit: { unit: 'minute', requests_per_unit: 1_000_000_000 } }] }],
          },
        }),
  };
}

/** Starts everything, pinned; on failure stops what started. */
export async function startCapacityTargets(options: CapacityOptions): Promise<CapacityTargets> {
  const { dir } = options;
  const envoyBin = findEnvoy();
  const cli = resolve(options.root, 'dist', 'src', 'cli.js');
  const ports = { upstream: await freePort(), plain: await freePort(), aigw: await freePort(), aigwAdmin: await freePort() };
  const started: Child[] = [];
  try {
    // The fake provider of this checkout for every version measured: the upstream is not what is compared.
    const upstream = pinned('upstream', SERVER_CORE, process.execPath, [resolve(__dirname, '..', 'src', 'cli.js'), 'fake-provider', '--listen', `127.0.0.1:${ports.upstream}`], dir);
    started.push(upstream);
    let redis: Child | undefined;
    let redisPort: number | undefined;
    if (options.limits) {
      redisPort = await freePort();
      redis = pinned('redis', SERVER_CORE, 'redis-server', ['--port', String(redisPort), '--save', '', '--appendonly', 'no'], dir);
      started.push(redis);
    }
    const configPath = join(dir, 'aigw.yaml');
    const grpc = options.tcp ? `127.0.0.1:${await freePort()}` : `unix:${join(dir, 'aigw.sock')}`;
    writeFileSync(configPath, stringify(aigwConfig(grpc, ports, redisPort)));
    const aigwBootstrap = join(dir, 'envoy-aigw.yaml');
    execFileSync(process.execPath, [cli, 'render-envoy', configPath, '--out', aigwBootstrap], { stdio: 'ignore' });
    const plainBootstrap = join(dir, 'envoy-plain.yaml');
    const plainAdmin = await freePort();
    writeFileSync(plainBootstrap, stringify(plainEnvoyBootstrap(ports.plain, plainAdmin, ports.upstream)));
    // AIGW_NODE_OPTIONS: extra node flags for aigw (e.g. --cpu-prof --cpu-prof-dir=/tmp/prof to see where its time goes).
    const nodeFlags = (process.env.AIGW_NODE_OPTIONS ?? '').split(' ').filter(Boolean);
    const aigw = pinned('aigw', SERVER_CORE, process.execPath, [...nodeFlags, cli, 'serve', '--config', configPath], dir);
    started.push(aigw);
    const envoyArgs = (bootstrap: string, baseId: number): string[] => ['-c', bootstrap, '--concurrency', '1', '--disable-hot-restart', '--log-level', 'error', '--base-id', String(baseId)];
    const envoyAigw = pinned('envoy-aigw', SERVER_CORE, envoyBin, envoyArgs(aigwBootstrap, 7401), dir);
    started.push(envoyAigw);
    const envoyPlain = pinned('envoy-plain', SERVER_CORE, envoyBin, envoyArgs(plainBootstrap, 7402), dir);
    started.push(envoyPlain);
    await Promise.all([waitForAigw(aigw, ports.aigwAdmin), waitForEnvoy(envoyPlain, plainAdmin)]);
    await waitForListener(ports.aigw);
    return { upstream, envoyPlain, envoyAigw, aigw, ...(redis ? { redis } : {}), ports };
  } catch (error) {
    await Promise.all(started.map((child) => stopChild(child)));
    throw error;
  }
}

/** Waits until a listener accepts connections. */
async function waitForListener(port: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    try {
      await fetch(`http://127.0.0.1:${port}/`);
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`nothing listens on ${port}`);
}

export async function stopCapacityTargets(targets: CapacityTargets): Promise<void> {
  await Promise.all([stopChild(targets.envoyAigw), stopChild(targets.envoyPlain)]);
  await Promise.all([stopChild(targets.aigw), stopChild(targets.upstream), ...(targets.redis ? [stopChild(targets.redis)] : [])]);
}
