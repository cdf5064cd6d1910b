import { Server, ServerCredentials } from '@grpc/grpc-js';
import { chmodSync, mkdirSync, readFileSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { adminHttpHandler } from './admin/admin-api';
import { adminRefusal } from './admin/admin-router';
import { createAdminServer } from './admin/admin-server';
import { EMPTY_SNAPSHOT } from './admin/admin-state';
import { presentedKey } from './auth/api-keys';
import { identify } from './auth/identify';
import type { McpAuthenticator } from './mcp/mcp-http';
import type { AdminStore } from './admin/admin-store';
import { MemoryAdminStore } from './admin/admin-store';
import type { AdminAuditSink } from './admin/audit-sink';
import { auditLogSink, loggingAuditSink } from './admin/audit-sink';
import { RedisAdminStore } from './admin/redis-admin-store';
import { RESPONSE_BUFFER_BYTES } from './config/render-envoy';
import type { RuntimeConfig } from './config/runtime';
import { ExtProcService } from './extproc/server';
import type { McpService } from './mcp/mcp-service';
import { createLimiter } from './ratelimit/create-limiter';
import type { Limiter } from './ratelimit/limiter';
import { RateLimitService } from './ratelimit/rate-limit-service';
import type { Logger } from './telemetry/logger';
import { createLogger } from './telemetry/logger';
import { AccessLogService } from './telemetry/access-log-service';
import { AuditLog } from './telemetry/audit-log';
import { recordEnvoyAnswer } from './telemetry/envoy-answers';
import { EnvoyEnds } from './telemetry/envoy-ends';
import { LabelBound } from './telemetry/genai';
import { spendFromAuditLog } from './telemetry/spend-report';
import type { SpendQuery } from './telemetry/spend-report';
import { GatewayMetrics } from './telemetry/metrics';
import type { TelemetryServices } from './telemetry/request-telemetry';
import { startTracing } from './telemetry/tracing';

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
  /** Where OTEL_* variables are read (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Where admin API changes are recorded; default: the log. */
  auditSink?: AdminAuditSink;
  /** Override config.server.mcp (tests bind port 0); used only when the config has `mcp:`. */
  mcpAddress?: string;
}

/** The admin store config.admin names (undefined when the admin API is off). */
function createAdminStore(config: RuntimeConfig, logger: Logger): AdminStore | undefined {
  const admin = config.admin;
  if (!admin) return undefined;
  if (admin.store === 'memory') return new MemoryAdminStore();
  const redis = admin.store.redis;
  return new RedisAdminStore({ url: redis.url, cluster: redis.cluster, password: redis.password, keyPrefix: redis.keyPrefix, timeoutMs: redis.timeoutMs, pollIntervalMs: admin.pollIntervalMs, logger });
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
    /** The rate-limit service (admission and settlement), when limits are configured. */
    readonly rateLimits: RateLimitService | undefined,
    /** Metrics, traces and the audit log shared by every request. */
    readonly telemetry: TelemetryServices,
    /** Runtime keys, limits, catalog and profiles, when the admin API is on. */
    readonly adminStore: AdminStore | undefined,
    private readonly live: { config: RuntimeConfig },
    /** The MCP gateway, when the config has an `mcp:` section. */
    readonly mcp: McpService | undefined,
    /** Requests waiting for Envoy's word on how they ended. */
    private readonly envoyEnds: EnvoyEnds,
  ) {}

  /** The config new requests get. */
  get config(): RuntimeConfig {
    return this.live.config;
  }

  /**
   * Swaps in a new config for new requests (ext_proc, rate limits, admin API); requests in
   * flight finish on theirs. Listener addresses, the audit log, tracing and the admin store
   * keep what they started with: those take a restart (docs/config-reload.md).
   */
  reload(config: RuntimeConfig): void {
    this.live.config = config;
    this.extproc.setConfig(config);
    for (const warning of config.warnings) this.logger.warn(warning);
  }

  /** Binds every listener, then reports ready. */
  static async start(options: GatewayOptions): Promise<Gateway> {
    const logger = options.logger ?? createLogger();
    const metrics = options.metrics ?? new GatewayMetrics();
    const telemetry = await startTelemetry(options.config, metrics, logger, options.env ?? process.env);
    const adminStore = createAdminStore(options.config, logger);
    await adminStore?.start();
    const limiter = options.limiter ?? (options.config.rateLimits ? createLimiter(options.config.rateLimits.store, logger) : undefined);
    // The config in force: a reload swaps it here, and in the ext_proc service, for new requests.
    const live = { config: options.config };
    const rateLimits = limiter ? new RateLimitService(() => live.config.rateLimits, limiter, { logger, metrics }, adminStore) : undefined;
    // Each request's processor settles its reservation with the rate-limit service, in process.
    // Requests whose end only Envoy saw are recorded from its access-log entries.
    // Entries no processor claims are requests Envoy answered before aigw saw them.
    const envoyEnds = new EnvoyEnds((end) => recordEnvoyAnswer(telemetry, live.config, end));
    const extproc = new ExtProcService(options.config, { logger, metrics, telemetry, access: adminStore, settlement: rateLimits, envoyEnds });
    const grpcServer = new Server({
      // A request body comes whole; a response body may be replaced whole (up to Envoy's buffer).
      'grpc.max_receive_message_length': Math.max(options.config.limits.maxRequestBodyBytes, RESPONSE_BUFFER_BYTES) * 2 + 1024 * 1024,
      'grpc.max_send_message_length': -1,
    });
    extproc.addToServer(grpcServer);
    // Envoy's ratelimit filter calls the same server (see render-envoy-ratelimit.ts).
    rateLimits?.addToServer(grpcServer);
    new AccessLogService((end) => envoyEnds.entry(end), logger).addToServer(grpcServer);
    const bound = await bindGrpc(grpcServer, options.grpcAddresses ?? options.config.source.server.grpc, options.config.source.server);
    const mcpConfig = options.config.mcp;
    const mcpAddress = options.mcpAddress ?? mcpConfig?.address ?? '';
    // MCP callers authenticate like LLM callers: config keys, runtime keys, JWTs.
    const authenticator: McpAuthenticator = (config, headers) => {
      try {
        return identify(config, adminStore?.current() ?? EMPTY_SNAPSHOT, presentedKey(headers));
      } catch {
        return undefined; // a missing, unknown, revoked or expired key: 401
      }
    };
    // The MCP SDK is loaded only by a gateway that serves MCP.
    const mcp = mcpConfig ? await (await import('./mcp/mcp-service')).McpService.start({ config: () => live.config, mcp: mcpConfig, logger, metrics, authenticator, tracing: telemetry.tracing, auditLog: telemetry.audit }, mcpAddress) : undefined;
    let adminServer: HttpServer | undefined;
    let adminPort: number | undefined;
    const adminAddress = options.adminAddress === undefined ? options.config.source.server.admin : options.adminAddress;
    const readiness = { ready: false };
    if (adminAddress !== null) {
      const audit = telemetry.audit;
      const auditPath = options.config.source.telemetry?.audit?.path;
      const spend = audit && auditPath ? (query: SpendQuery) => audit.flush().then(() => spendFromAuditLog(auditPath, query)) : undefined;
      // Admin changes go to the audit log when there is one.
      const auditSink = options.auditSink ?? (audit ? auditLogSink(audit) : loggingAuditSink(logger));
      const adminApi =
        adminStore && options.config.admin
          ? adminHttpHandler({ token: options.config.admin.token, store: adminStore, audit: auditSink, config: () => live.config, spend })
          : undefined;
      const mcpApprovals = mcp && mcpConfig ? { pins: mcp.pins, adminToken: mcpConfig.adminToken, logger } : undefined;
      const adminToken = options.config.admin?.token;
      const authorize = adminApi ? (authorization: string | undefined) => adminRefusal(adminToken, authorization) : undefined;
      adminServer = createAdminServer(metrics, { ready: () => readiness.ready, spend, authorize, mcpApprovals }, adminApi);
      const server = adminServer;
      const [host, port] = splitHostPort(adminAddress);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => resolve());
      });
      adminPort = (server.address() as AddressInfo).port;
    }
    const gateway = new Gateway(readiness, extproc, metrics, logger, grpcServer, adminServer, bound, adminPort, limiter, rateLimits, telemetry, adminStore, live, mcp, envoyEnds);
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
   * Reports not ready (`/readyz` answers 503) while still serving: `aigw up` drains its Envoy
   * before stopping aigw, and orchestrators should stop sending work meanwhile.
   */
  markDraining(): void {
    this.readiness.ready = false;
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
    // Requests still waiting for Envoy's word get their records with what aigw knows.
    this.envoyEnds.flush();
    if (this.adminServer) {
      const server = this.adminServer;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    await this.mcp?.stop();
    // Settlements of the streams just closed go out before the store's connection does.
    await this.rateLimits?.close();
    await this.limiter?.close();
    await this.telemetry.tracing?.shutdown().catch((error: Error) => this.logger.warn('trace export at shutdown failed', { error: error.message }));
    await this.telemetry.audit?.close();
    await this.adminStore?.close();
    this.logger.info('aigw stopped');
  }
}

/** Traces (from OTEL_* variables) and the audit log (from config), with the metrics. */
async function startTelemetry(config: RuntimeConfig, metrics: GatewayMetrics, logger: Logger, env: NodeJS.ProcessEnv): Promise<TelemetryServices> {
  const settings = config.source.telemetry;
  // First: a bad OTEL_* setting stops the start before anything is opened.
  const tracing = startTracing(env, settings?.traces.captureContent ?? false, logger, metrics);
  const audit = settings?.audit
    ? await AuditLog.open(settings.audit.path, logger, {
        written: (lines) => metrics.auditRecords.inc(lines),
        failed: (reason) => metrics.auditFailures.inc({ reason }),
      })
    : undefined;
  return { metrics, tracing, audit, auditContent: settings?.audit?.includeContent ?? false, responseModels: new LabelBound() };
}

/**
 * Binds the gRPC server Envoy calls. A Unix socket (the default) is created owner-only
 * (server.grpcSocketMode) in a directory only aigw's user can enter when aigw creates it;
 * a TCP address gets mTLS (server.grpcTls: Envoy must present a certificate from its CA).
 * Plain TCP only when the caller passes addresses itself (tests), never from a config file.
 */
async function bindGrpc(server: Server, addresses: readonly string[], settings: RuntimeConfig['source']['server']): Promise<string[]> {
  const bound: string[] = [];
  for (const address of addresses) {
    const unix = address.startsWith('unix:');
    const path = address.slice('unix:'.length);
    if (unix) {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      try {
        unlinkSync(path); // a socket left by a previous run
      } catch {
        // none there
      }
    }
    const tls = settings.grpcTls;
    const credentials =
      !unix && tls
        ? ServerCredentials.createSsl(readFileSync(tls.caFile), [{ cert_chain: readFileSync(tls.certFile), private_key: readFileSync(tls.keyFile) }], true)
        : ServerCredentials.createInsecure();
    const port = await new Promise<number>((resolve, reject) => server.bindAsync(address, credentials, (error, value) => (error ? reject(error) : resolve(value))));
    if (unix) chmodSync(path, parseInt(settings.grpcSocketMode, 8));
    bound.push(unix ? address : address.replace(/:\d+$/, `:${port}`));
  }
  return bound;
}

/** "host:port" → [host, port]; IPv6 literals in brackets. */
export function splitHostPort(address: string): [string, number] {
  const match = /^\[?([^\]]*?)\]?:(\d+)$/.exec(address);
  if (!match) throw new Error(`not a host:port address: ${address}`);
  return [match[1], Number(match[2])];
}
