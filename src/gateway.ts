import { Server, ServerCredentials } from '@grpc/grpc-js';
import { unlinkSync } from 'node:fs';
import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdminServer } from './admin/admin-server';
import type { RuntimeConfig } from './config/runtime';
import { ExtProcService } from './extproc/server';
import { McpService } from './mcp/mcp-service';
import { createLimiter } from './ratelimit/create-limiter';
import type { Limiter } from './ratelimit/limiter';
import { RateLimitService } from './ratelimit/rate-limit-service';
import type { Logger } from './telemetry/logger';
import { createLogger } from './telemetry/logger';
import { GatewayMetrics } from './telemetry/metrics';

/** Options for starting the gateway process's servers. */
export interface GatewayOptions {
  config: RuntimeConfig;
  logger?: Logger;
  metrics?: GatewayMetrics;
  /** Override config.server.grpc (tests bind port 0). */
  grpcAddresses?: string[];
  /** Override config.server.admin; null disables the admin server. */
  adminAddress?: string | null;
  /** The rate-limit counters; default: the store config.rateLimits names. */
  limiter?: Limiter;
  /** Override config.server.mcp (tests bind port 0); used only when the config has `mcp:`. */
  mcpAddress?: string;
}

/** A running gateway: the ext_proc gRPC server and the admin HTTP server. */
export class Gateway {
  private constructor(
    private readonly readiness: { ready: boolean },
    readonly extproc: ExtProcService,
    readonly metrics: GatewayMetrics,
    readonly logger: Logger,
    private readonly grpcServer: Server,
    private readonly adminServer: HttpServer | undefined,
    /** Bound gRPC addresses (host:port with the real port, or unix:/path). */
    readonly grpcAddresses: string[],
    readonly adminPort: number | undefined,
    /** The rate-limit counters, when limits are configured. */
    readonly limiter: Limiter | undefined,
    /** The MCP gateway, when the config has an `mcp:` section. */
    readonly mcp: McpService | undefined,
  ) {}

  /** Binds every listener, then reports ready. */
  static async start(options: GatewayOptions): Promise<Gateway> {
    const logger = options.logger ?? createLogger();
    const metrics = options.metrics ?? new GatewayMetrics();
    const extproc = new ExtProcService(options.config, { logger, metrics });
    const grpcServer = new Server({
      'grpc.max_receive_message_length': options.config.limits.maxRequestBodyBytes * 2 + 1024 * 1024,
      'grpc.max_send_message_length': -1,
    });
    extproc.addToServer(grpcServer);
    // Envoy's ratelimit filter calls the same server (see render-envoy-ratelimit.ts).
    const limiter = options.limiter ?? (options.config.rateLimits ? createLimiter(options.config.rateLimits.store, logger) : undefined);
    const config = options.config;
    if (limiter) new RateLimitService(() => config.rateLimits, limiter, { logger, metrics }).addToServer(grpcServer);
    const bound: string[] = [];
    for (const address of options.grpcAddresses ?? options.config.source.server.grpc) {
      if (address.startsWith('unix:')) {
        try {
          unlinkSync(address.slice('unix:'.length)); // a socket left by a previous run
        } catch {
          // none there
        }
      }
      const port = await new Promise<number>((resolve, reject) =>
        grpcServer.bindAsync(address, ServerCredentials.createInsecure(), (error, value) => (error ? reject(error) : resolve(value))),
      );
      bound.push(address.startsWith('unix:') ? address : address.replace(/:\d+$/, `:${port}`));
    }
    const mcpConfig = options.config.mcp;
    const mcpAddress = options.mcpAddress ?? mcpConfig?.address ?? '';
    const mcp = mcpConfig ? await McpService.start({ config: () => config, mcp: mcpConfig, logger, metrics }, mcpAddress) : undefined;
    let adminServer: HttpServer | undefined;
    let adminPort: number | undefined;
    const adminAddress = options.adminAddress === undefined ? options.config.source.server.admin : options.adminAddress;
    const readiness = { ready: false };
    if (adminAddress !== null) {
      adminServer = createAdminServer(metrics, {
        ready: () => readiness.ready,
        mcpApprovals: mcp && mcpConfig ? { pins: mcp.pins, adminToken: mcpConfig.adminToken, logger } : undefined,
      });
      const server = adminServer;
      const [host, port] = splitHostPort(adminAddress);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => resolve());
      });
      adminPort = (server.address() as AddressInfo).port;
    }
    const gateway = new Gateway(readiness, extproc, metrics, logger, grpcServer, adminServer, bound, adminPort, limiter, mcp);
    readiness.ready = true;
    logger.info('aigw started', {
      grpc: bound,
      admin: adminAddress === null ? null : `${adminAddress.replace(/:\d+$/, '')}:${adminPort}`,
      ...(mcp ? { mcp: mcp.port === undefined ? mcpAddress : `${mcpAddress.replace(/:\d+$/, '')}:${mcp.port}` } : {}),
    });
    for (const warning of options.config.warnings) logger.warn(warning);
    return gateway;
  }

  /**
   * Stops taking new streams, waits up to `drainSeconds` for in-flight ones (a stream of
   * tokens included) to finish, then closes whatever is left.
   */
  async stop(drainSeconds = 0): Promise<void> {
    this.readiness.ready = false;
    this.logger.info('aigw draining', { inFlight: this.extproc.store.size, drainSeconds });
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.logger.warn('drain deadline passed; closing remaining streams', { inFlight: this.extproc.store.size });
        this.grpcServer.forceShutdown();
        resolve();
      }, drainSeconds * 1000);
      this.grpcServer.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    if (this.adminServer) {
      const server = this.adminServer;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    await this.mcp?.stop();
    await this.limiter?.close();
    this.logger.info('aigw stopped');
  }
}

/** "host:port" → [host, port]; IPv6 literals in brackets. */
export function splitHostPort(address: string): [string, number] {
  const match = /^\[?([^\]]*?)\]?:(\d+)$/.exec(address);
  if (!match) throw new Error(`not a host:port address: ${address}`);
  return [match[1], Number(match[2])];
}
