import { rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RuntimeConfig } from '../config/runtime';
import type { Logger } from '../telemetry/logger';
import type { GatewayMetrics } from '../telemetry/metrics';
import { ClientRelay } from './client-relay';
import { McpSessions } from './mcp-sessions';
import { McpHttpHandler } from './mcp-http';
import type { Tracing } from '../telemetry/tracing';
import type { AuditWriter } from './audit';
import type { McpAuthenticator } from './mcp-http';
import { McpMethods } from './mcp-methods';
import type { RuntimeMcp } from './runtime-mcp';
import { SessionCipher } from './session-token';
import { RedisPinStore } from './redis-pin-store';
import { MemoryPinStore, ToolPins } from './tool-pins';
import type { PinStore } from './tool-pins';
import { UpstreamPool } from './upstream-pool';

/** Binds host:port (port 0 picks a free one) or unix:/path (a socket left by a previous run is removed first). */
async function listen(server: Server, address: string): Promise<void> {
  const bound = new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.once('listening', () => resolve());
  });
  if (address.startsWith('unix:')) {
    const path = address.slice('unix:'.length);
    rmSync(path, { force: true });
    server.listen(path);
  } else {
    const match = /^\[?([^\]]*?)\]?:(\d+)$/.exec(address);
    if (!match) throw new Error(`server.mcp: not a host:port address: ${address}`);
    server.listen(Number(match[2]), match[1]);
  }
  return bound;
}

/**
 * Pins live where the rate-limit counters do: with a Redis store the fleet shares them (a
 * change is flagged once, one approval counts everywhere); otherwise in this process.
 */
export function pinStoreFor(config: RuntimeConfig): PinStore {
  const store = config.rateLimits?.store;
  if (store === undefined || store === 'memory') return new MemoryPinStore();
  // Rate-limit timeouts are tuned for the request path (tens of ms); a list can wait a little longer.
  return new RedisPinStore({ url: store.redis.url, cluster: store.redis.cluster, password: store.redis.password, timeoutMs: Math.max(store.redis.timeoutMs, 200), keyPrefix: store.redis.keyPrefix });
}

/** Options for the MCP gateway's HTTP listener. */
export interface McpServiceOptions {
  /** The config new requests get (a reload may swap it; callers, profiles and limits then apply at once). */
  readonly config: () => RuntimeConfig;
  readonly mcp: RuntimeMcp;
  readonly logger: Logger;
  readonly metrics: GatewayMetrics;
  readonly pinStore?: PinStore;
  readonly authenticator?: McpAuthenticator;
  /** Spans (one per JSON-RPC request, continuing the caller's trace) and the audit log, when configured. */
  readonly tracing?: Tracing;
  readonly auditLog?: AuditWriter;
}

/** The MCP gateway: its HTTP listener, upstream clients and tool pins. */
export class McpService {
  private constructor(
    private readonly server: Server,
    private readonly pool: UpstreamPool,
    /** Tool pins, for the admin API's approvals. */
    readonly pins: ToolPins,
    /** The bound port (undefined on a Unix socket). */
    readonly port: number | undefined,
  ) {}

  /** Listens on host:port (port 0 picks a free one). */
  static async start(options: McpServiceOptions, address: string): Promise<McpService> {
    const { config, mcp, logger, metrics } = options;
    const pool = new UpstreamPool(logger);
    const pins = new ToolPins(mcp.pinning, options.pinStore ?? pinStoreFor(config()));
    const relay = new ClientRelay();
    const deps = { mcp, pool, pins, relay, logger, metrics, auditLog: options.auditLog };
    const sessions = new McpSessions(deps);
    const handler = new McpHttpHandler({
      config,
      sessions,
      methods: new McpMethods(deps, sessions),
      cipher: new SessionCipher(mcp.sessionKey),
      relay,
      logger,
      metrics,
      authenticator: options.authenticator,
      tracing: options.tracing,
    });
    const server = createServer(handler.listener);
    // Long tool calls stream progress for minutes; Envoy owns the client-facing timeouts.
    server.requestTimeout = 0;
    server.keepAliveTimeout = 65_000;
    await listen(server, address);
    const bound = server.address();
    return new McpService(server, pool, pins, typeof bound === 'object' && bound !== null ? (bound as AddressInfo).port : undefined);
  }

  /** Stops listening and closes upstream clients (their sessions stay valid for other replicas). */
  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await this.pool.close();
    await this.pins.store.close();
  }
}
