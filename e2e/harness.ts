import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseClientRequest } from '../src/api/client-request';
import { hashApiKey } from '../src/auth/api-keys';
import { validateConfig } from '../src/config/load';
import { renderEnvoyYaml } from '../src/config/render-envoy';
import { compileConfig } from '../src/config/runtime';
import type { RuntimeConfig } from '../src/config/runtime';
import { findEnvoy } from '../src/envoy-binary';
import { Gateway } from '../src/gateway';
import { estimateInputTokens } from '../src/ratelimit/estimate';
import { INPUT_MARGINS } from '../src/ratelimit/input-margins';
import { counterKey } from '../src/ratelimit/rate-limit-service';
import { createLogger, silentLogger } from '../src/telemetry/logger';
import type { Logger } from '../src/telemetry/logger';
import { GatewayMetrics } from '../src/telemetry/metrics';

/** The API key every e2e caller uses. */
export const TEST_KEY = 'sk-e2e-caller-key';

/** A config fragment with the callers filled in. */
export function withCaller(config: Record<string, unknown>): Record<string, unknown> {
  return {
    callers: [{ name: 'e2e', keyHash: hashApiKey(TEST_KEY), team: 'team-e2e', project: 'project-e2e', user: 'alice' }],
    ...config,
  };
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * A port where nothing listens, for a backend that refuses connections. Not a freePort():
 * a port released by freePort() can be handed out again to a listener started later in the
 * same test (Envoy's, a fake's), and the "refused" backend would then answer. Port 1
 * (tcpmux) is privileged and unused on test machines.
 */
export const REFUSED_PORT = 1;

/**
 * Whether the end-to-end suites run. Without an Envoy binary they skip locally, but
 * under CI=true they run anyway and fail loudly in `startEnvoy`.
 */
export function envoyAvailable(): boolean {
  if (process.env.CI === 'true') return true;
  try {
    findEnvoy();
    return true;
  } catch {
    return false;
  }
}

/** `describe` when Envoy can run, else `describe.skip` (never skipped under CI=true). */
export const describeE2E: jest.Describe = envoyAvailable() ? describe : describe.skip;

/** A running Envoy process. */
export class EnvoyProcess {
  private output = '';

  private constructor(
    readonly child: ChildProcess,
    readonly adminPort: number,
  ) {
    child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
  }

  /** Starts Envoy on a bootstrap and waits until its admin says LIVE. */
  static async start(bootstrapPath: string, adminPort: number): Promise<EnvoyProcess> {
    const child = spawn(
      findEnvoy(),
      ['-c', bootstrapPath, '--disable-hot-restart', '--concurrency', '1', '--log-level', 'warn', '--file-flush-interval-msec', '100'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const envoy = new EnvoyProcess(child, adminPort);
    const deadline = Date.now() + 20000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`Envoy exited with ${child.exitCode}:\n${envoy.output}`);
      try {
        const response = await fetch(`http://127.0.0.1:${adminPort}/ready`);
        if ((await response.text()).trim() === 'LIVE') return envoy;
      } catch {
        // not up yet
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    child.kill('SIGKILL');
    throw new Error(`Envoy did not become ready:\n${envoy.output}`);
  }

  /** Envoy's own log so far (for failure messages). */
  get log(): string {
    return this.output;
  }

  /** A stat counter's value from the admin endpoint. */
  async stat(name: string): Promise<number> {
    const text = await (await fetch(`http://127.0.0.1:${this.adminPort}/stats?filter=^${name.replace(/\./g, '\\.')}$`)).text();
    const match = new RegExp(`^${name.replace(/\./g, '\\.')}: (\\d+)$`, 'm').exec(text);
    return match ? Number(match[1]) : 0;
  }

  async stop(): Promise<void> {
    // A crashed Envoy has a signal and no exit code; waiting for its exit again would hang.
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    await exited;
  }
}

/** Options for a gateway stack under test. */
export interface StackOptions {
  /** The aigw config (listener/server sections are filled in by the harness). */
  config: Record<string, unknown>;
  /** Serve ext_proc over a Unix socket (the default, as in production); false: plain TCP on loopback. */
  unixSocket?: boolean;
  logger?: Logger;
  env?: NodeJS.ProcessEnv;
}

/** Envoy + aigw (in this process) on free ports, ready for requests. */
export class Stack {
  private constructor(
    readonly envoy: EnvoyProcess,
    readonly gateway: Gateway,
    readonly runtime: RuntimeConfig,
    readonly baseUrl: string,
    private readonly dir: string,
    readonly accessLogPath: string,
    readonly bootstrapPath: string,
  ) {}

  static async start(options: StackOptions): Promise<Stack> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await Stack.startOnce(options);
      } catch (error) {
        // freePort() lets its port go before Envoy binds it, so another process can take it
        // first (seen in CI): new ports, up to three times; any other failure is the test's.
        if (attempt >= 3 || !(error instanceof Error) || !error.message.includes('Address already in use')) throw error;
      }
    }
  }

  private static async startOnce(options: StackOptions): Promise<Stack> {
    const dir = mkdtempSync(join(tmpdir(), 'aigw-e2e-'));
    const [listenerPort, adminPort] = [await freePort(), await freePort()];
    const grpcAddress = options.unixSocket === false ? '127.0.0.1:0' : `unix:${join(dir, 'aigw.sock')}`;
    const raw = withCaller({
      ...options.config,
      listener: { address: '127.0.0.1', port: listenerPort },
      envoy: { adminAddress: '127.0.0.1', adminPort, accessLog: join(dir, 'access.log') },
      server: { grpc: [`unix:${join(dir, 'aigw.sock')}`], admin: '127.0.0.1:0' },
    });
    const runtime = compileConfig(validateConfig(raw, 'e2e'), options.env ?? process.env);
    const gateway = await Gateway.start({
      config: runtime,
      grpcAddresses: [grpcAddress],
      logger: options.logger ?? (process.env.E2E_LOG ? createLogger('debug') : silentLogger),
      metrics: new GatewayMetrics({ defaultMetrics: false }),
      env: options.env,
    });
    const bootstrapPath = join(dir, 'envoy.yaml');
    writeFileSync(bootstrapPath, renderEnvoyYaml(runtime, { extprocTarget: gateway.grpcAddresses[0] }));
    let envoy: EnvoyProcess;
    try {
      envoy = await EnvoyProcess.start(bootstrapPath, adminPort);
    } catch (error) {
      await gateway.stop(0);
      throw error;
    }
    return new Stack(envoy, gateway, runtime, `http://127.0.0.1:${listenerPort}`, dir, join(dir, 'access.log'), bootstrapPath);
  }

  /** Access log entries written so far (Envoy flushes on its own timer: poll with waitForAccessLog). */
  accessLog(): Array<Record<string, unknown>> {
    if (!existsSync(this.accessLogPath)) return [];
    return readFileSync(this.accessLogPath, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  /** Waits for an access log entry matching `predicate`. */
  async waitForAccessLog(predicate: (entry: Record<string, unknown>) => boolean, timeoutMs = 15000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const found = this.accessLog().find(predicate);
      if (found) return found;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`no matching access log entry in ${JSON.stringify(this.accessLog())}`);
  }

  /** Prometheus text from aigw's admin server. */
  async metricsText(): Promise<string> {
    return (await fetch(`http://127.0.0.1:${this.gateway.adminPort}/metrics`)).text();
  }

  /** POST JSON (or raw text) to the listener with the test key. */
  async post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
    return fetch(`${this.baseUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  }

  async stop(): Promise<void> {
    await this.envoy.stop();
    await this.gateway.stop(0);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Reads a counter or gauge sample from Prometheus text: metricValue(text, 'aigw_requests_total{endpoint="x"}'). */
export function metricValue(text: string, sample: string): number {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${sample} `));
  return line ? Number(line.slice(sample.length + 1)) : 0;
}

/** The sum of every sample of `name` whose labels include all of `labels` (other labels may differ). */
export function metricSum(text: string, name: string, labels: Record<string, string>): number {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  return text
    .split('\n')
    .filter((line) => (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) && wanted.every((pair) => line.includes(pair)))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

/** A test CA and a server certificate for `names`, made with the openssl CLI. */
export function makeCertificates(dir: string, names: string[]): { caFile: string; ca: string; key: string; cert: string } {
  const run = (args: string[]): void => {
    const result = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
    if (result.error) throw new Error(`no openssl on PATH (apt-get install openssl): ${result.error.message}`);
    if (result.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${result.stderr}`);
  };
  const id = names[0].replace(/[^a-z0-9]/gi, '_');
  run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=aigw test CA ${id}`, '-days', '2', '-keyout', `ca-${id}.key`, '-out', `ca-${id}.pem`]);
  run(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${names[0]}`, '-keyout', `${id}.key`, '-out', `${id}.csr`]);
  writeFileSync(join(dir, `${id}.ext`), `subjectAltName=${names.map((name) => `DNS:${name}`).join(',')}\n`);
  run(['x509', '-req', '-in', `${id}.csr`, '-CA', `ca-${id}.pem`, '-CAkey', `ca-${id}.key`, '-CAcreateserial', '-days', '2', '-extfile', `${id}.ext`, '-out', `${id}.pem`]);
  return {
    caFile: join(dir, `ca-${id}.pem`),
    ca: readFileSync(join(dir, `ca-${id}.pem`), 'utf8'),
    key: readFileSync(join(dir, `${id}.key`), 'utf8'),
    cert: readFileSync(join(dir, `${id}.pem`), 'utf8'),
  };
}

/** Polls `check` until it resolves true (a rejection counts as false), or fails after `timeoutMs`. */
export async function waitFor(check: () => Promise<boolean>, timeoutMs = 10_000, intervalMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error('timed out');
}

/**
 * What a rate-limit counter holds (its limit minus what is left) once every reservation of
 * the gateway is settled and every retried store command is done. `entries` are the
 * descriptor's, e.g. metric=tokens, team=team-e2e.
 */
export async function settledCounter(stack: Stack, entries: Array<{ key: string; value: string }>, timeoutMs = 20_000): Promise<number> {
  await waitFor(async () => stack.gateway.rateLimits?.held === 0 && metricValue(await stack.metricsText(), 'aigw_ratelimit_retry_queue') === 0, timeoutMs);
  const limit = stack.runtime.rateLimits?.tree.match(entries);
  const limiter = stack.gateway.limiter;
  if (!limit || !limiter) throw new Error(`no limit for ${JSON.stringify(entries)}`);
  const decision = await limiter.reserve([{ key: counterKey(stack.runtime.rateLimits?.domain ?? 'aigw', entries), rule: limit.rule, hits: 0, shadow: false }]);
  return decision.statuses[0].limit - decision.statuses[0].remaining;
}

/** Calls a gateway's admin API with `token`; the answer's status and JSON body. */
export async function adminCall(stack: Stack, token: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`http://127.0.0.1:${stack.gateway.adminPort}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/**
 * The prompt tokens aigw reserves for a chat body sent to a fake provider: its o200k estimate
 * with the margin of an OpenAI-compatible server that is not OpenAI (an unknown tokenizer).
 */
export function fakeReservedPrompt(body: Record<string, unknown>): number {
  const estimate = estimateInputTokens(parseClientRequest('openai-chat', Buffer.from(JSON.stringify({ model: 'm', ...body }))));
  return Math.ceil(estimate * INPUT_MARGINS.unknown - 1e-9);
}
