import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { hashApiKey } from '../src/auth/api-keys';
import { validateConfig } from '../src/config/load';
import { renderEnvoyYaml } from '../src/config/render-envoy';
import { compileConfig } from '../src/config/runtime';
import { Gateway } from '../src/gateway';
import { createLogger } from '../src/telemetry/logger';
import type { Logger } from '../src/telemetry/logger';
import { GatewayMetrics } from '../src/telemetry/metrics';
import { EnvoyProcess, REFUSED_PORT, freePort } from './harness';

/** API keys of the MCP e2e callers. */
export const KEYS = { admin: 'sk-mcp-admin-caller', reader: 'sk-mcp-reader-caller', stranger: 'sk-mcp-no-profile' } as const;

/** Callers: `admin` (team platform), `reader` (team support), `stranger` (a team no profile names). */
export const MCP_CALLERS = [
  { name: 'admin', keyHash: hashApiKey(KEYS.admin), team: 'platform', project: 'agents' },
  { name: 'reader', keyHash: hashApiKey(KEYS.reader), team: 'support', project: 'helpdesk', user: 'rita' },
  { name: 'stranger', keyHash: hashApiKey(KEYS.stranger), team: 'elsewhere', project: 'none' },
];

/** The LLM part of the config is required; MCP tests never use it. */
const LLM_PART = {
  backends: [{ name: 'unused', kind: 'openai', baseUrl: `http://127.0.0.1:${REFUSED_PORT}/v1` }],
  models: [{ name: 'unused-model', backends: [{ backend: 'unused' }] }],
};

/** Envoy + aigw with an `mcp:` section, on free ports. */
export class McpStack {
  private constructor(
    readonly envoy: EnvoyProcess,
    readonly gateway: Gateway,
    readonly baseUrl: string,
    readonly logLines: string[],
    private readonly dir: string,
  ) {}

  /**
   * `unixSocket`: Envoy reaches aigw's MCP listener over a Unix socket instead of TCP;
   * `extra`: more top-level config sections (e.g. rateLimits).
   */
  static async start(mcp: Record<string, unknown>, env: NodeJS.ProcessEnv, options: { unixSocket?: boolean; extra?: Record<string, unknown> } = {}): Promise<McpStack> {
    const dir = mkdtempSync(join(tmpdir(), 'aigw-mcp-e2e-'));
    const mcpAddress = options.unixSocket ? `unix:${join(dir, 'mcp.sock')}` : '127.0.0.1:0';
    const [listenerPort, adminPort] = [await freePort(), await freePort()];
    const raw = {
      ...LLM_PART,
      ...options.extra,
      callers: MCP_CALLERS,
      mcp,
      listener: { address: '127.0.0.1', port: listenerPort },
      envoy: { adminAddress: '127.0.0.1', adminPort, accessLog: join(dir, 'access.log') },
      server: { grpc: [`unix:${join(dir, 'aigw.sock')}`], admin: '127.0.0.1:0', mcp: mcpAddress },
    };
    const runtime = compileConfig(validateConfig(raw, 'mcp-e2e'), env);
    const logLines: string[] = [];
    const capture = createLogger('info', (line) => logLines.push(line));
    const logger: Logger = process.env.E2E_LOG ? createLogger('debug') : capture;
    const gateway = await Gateway.start({ config: runtime, logger, metrics: new GatewayMetrics({ defaultMetrics: false }), env });
    const bootstrapPath = join(dir, 'envoy.yaml');
    writeFileSync(bootstrapPath, renderEnvoyYaml(runtime, { extprocTarget: gateway.grpcAddresses[0], mcpTarget: options.unixSocket ? mcpAddress : `127.0.0.1:${gateway.mcp?.port}` }));
    try {
      const envoy = await EnvoyProcess.start(bootstrapPath, adminPort);
      return new McpStack(envoy, gateway, `http://127.0.0.1:${listenerPort}`, logLines, dir);
    } catch (error) {
      await gateway.stop(0);
      throw error;
    }
  }

  /** The MCP endpoint through Envoy. */
  get mcpUrl(): URL {
    return new URL(`${this.baseUrl}/mcp`);
  }

  /** An SDK client connected through Envoy with `key` (a new session, or `sessionId` continued). */
  async connect(key: string, sessionId?: string, headers: Record<string, string> = {}): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
    const transport = new StreamableHTTPClientTransport(this.mcpUrl, { requestInit: { headers: { authorization: `Bearer ${key}`, ...headers } }, sessionId });
    const client = new Client({ name: 'e2e-agent', version: '1.0.0' });
    await client.connect(transport);
    return { client, transport };
  }

  /** Prometheus text from aigw's admin server. */
  async metricsText(): Promise<string> {
    return (await fetch(`http://127.0.0.1:${this.gateway.adminPort}/metrics`)).text();
  }

  /** Log lines (JSON) whose `audit` field is `kind`. */
  audits(kind: string): Array<Record<string, unknown>> {
    return this.logLines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((entry) => entry.audit === kind);
  }

  async stop(): Promise<void> {
    await this.envoy.stop();
    await this.gateway.stop(0);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
