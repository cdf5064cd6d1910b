import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ErrorCode, LATEST_PROTOCOL_VERSION, McpError, SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/sdk/types.js';
import type { ClientCapabilities, InitializeResult, ServerCapabilities } from '@modelcontextprotocol/sdk/types.js';
import { randomBytes } from 'node:crypto';
import type { Identity } from '../config/runtime';
import type { AuditWriter } from './audit';
import type { Logger } from '../telemetry/logger';
import type { GatewayMetrics } from '../telemetry/metrics';
import { serverAllowed } from './profiles';
import type { McpProfile } from './profiles';
import type { RuntimeMcp, RuntimeMcpServer } from './runtime-mcp';
import type { SessionState, UpstreamSession } from './session-token';
import { relayedCapabilities } from './client-relay';
import type { ClientRelay } from './client-relay';
import type { ToolPins } from './tool-pins';
import { fanOut } from './upstream-calls';
import type { ClientToken, RelayTarget, UpstreamPool } from './upstream-pool';

/** Everything one client request carries into the gateway. */
export interface McpRequestContext {
  readonly identity: Identity;
  readonly profile: McpProfile;
  readonly state: SessionState;
  /** The session's random id (state.id): keys per-session state kept in this process. */
  readonly sessionKey: string;
  readonly token: ClientToken;
  readonly signal: AbortSignal;
  /** Set when the client asked for progress (and takes an SSE answer): forwards one notification. */
  readonly progress?: (progress: { progress: number; total?: number; message?: string }) => void;
}

/** The services the gateway's methods use. */
export interface McpGatewayDeps {
  readonly mcp: RuntimeMcp;
  readonly pool: UpstreamPool;
  readonly pins: ToolPins;
  readonly relay: ClientRelay;
  readonly logger: Logger;
  readonly metrics: GatewayMetrics;
  /** The gateway's audit log, when configured: every tools/call is also a chained record there. */
  readonly auditLog?: AuditWriter;
}

/** Upstream sessions opened after initialize (a server that was down then), per client session; bounded. */
const MAX_LATE_SESSIONS = 10_000;

/**
 * Session handling shared by the MCP methods: initialize (opening upstream sessions in
 * parallel and merging capabilities) and reaching one server's client for a request.
 */
export class McpSessions {
  readonly #late = new Map<string, UpstreamSession>();

  constructor(private readonly deps: McpGatewayDeps) {}

  /** The servers a profile reaches, in config order. */
  serversFor(profile: McpProfile): RuntimeMcpServer[] {
    return [...this.deps.mcp.servers.values()].filter((server) => serverAllowed(profile, server.name));
  }

  /**
   * Opens an upstream session on every server the profile reaches, in parallel; a server that
   * does not answer in time is left out (and opened later, on first use).
   */
  async initialize(
    identity: Identity,
    profile: McpProfile,
    requested: { protocolVersion?: unknown; capabilities?: ClientCapabilities },
    token: ClientToken,
    signal: AbortSignal,
  ): Promise<{ result: InitializeResult; state: SessionState }> {
    const id = randomBytes(16).toString('base64url');
    const clientCapabilities = relayedCapabilities(requested.capabilities);
    const target = this.#relayTarget(id, clientCapabilities);
    const opened = await fanOut(this.serversFor(profile), 'initialize', signal, this.deps, async (server, serverSignal) => [
      await this.deps.pool.open(server, token, serverSignal, target),
    ]);
    const requestedVersion = requested.protocolVersion;
    const upstreams: Record<string, UpstreamSession> = {};
    for (const { server, items } of opened) upstreams[server.name] = items[0].session;
    const protocolVersion =
      typeof requestedVersion === 'string' && SUPPORTED_PROTOCOL_VERSIONS.includes(requestedVersion) ? requestedVersion : LATEST_PROTOCOL_VERSION;
    const instructions = opened
      .filter(({ items }) => items[0].instructions)
      .map(({ server, items }) => `${server.name}: ${items[0].instructions}`)
      .join('\n\n');
    const result: InitializeResult = {
      protocolVersion,
      capabilities: mergeCapabilities(opened.map(({ items }) => items[0].capabilities)),
      serverInfo: { name: 'aigw', version: '0.1.0' },
      ...(instructions ? { instructions } : {}),
    };
    return { result, state: { id, caller: identity.caller, protocolVersion, upstreams, clientCapabilities, createdAt: Date.now() } };
  }

  /**
   * Runs `run` with the client for `server` in this session. An upstream session the server
   * no longer knows (404: it restarted) is replaced by a new one, once.
   */
  async withClient<T>(server: RuntimeMcpServer, context: McpRequestContext, signal: AbortSignal, run: (client: Client) => Promise<T>): Promise<T> {
    const session = this.#sessionOf(server, context);
    if (session === undefined) return run(await this.#openLate(server, context, signal));
    try {
      return await run(await this.deps.pool.resume(server, session, context.token, signal, this.#relayTarget(context.sessionKey, context.state.clientCapabilities)));
    } catch (error) {
      if (!(error instanceof StreamableHTTPError && error.code === 404)) throw error;
      this.deps.pool.forget(server, session, context.token);
      this.deps.logger.info('mcp upstream session expired; opening a new one', { server: server.name });
      return run(await this.#openLate(server, context, signal));
    }
  }

  /** Ends the upstream sessions of a client session (the client sent DELETE). */
  async terminate(context: McpRequestContext): Promise<void> {
    await Promise.all(
      this.serversFor(context.profile).map(async (server) => {
        const session = this.#sessionOf(server, context);
        if (session) await this.deps.pool.terminate(server, session, context.token);
        this.#late.delete(lateKey(context, server));
      }),
    );
  }

  /** Where this session's upstream requests (those the client can answer) and notifications go. */
  #relayTarget(sessionKey: string, capabilities: ClientCapabilities): RelayTarget {
    return { sessionKey, capabilities, relay: this.deps.relay };
  }

  #sessionOf(server: RuntimeMcpServer, context: McpRequestContext): UpstreamSession | undefined {
    return this.#late.get(lateKey(context, server)) ?? context.state.upstreams[server.name];
  }

  async #openLate(server: RuntimeMcpServer, context: McpRequestContext, signal: AbortSignal): Promise<Client> {
    const opened = await this.deps.pool.open(server, context.token, signal, this.#relayTarget(context.sessionKey, context.state.clientCapabilities));
    this.#late.set(lateKey(context, server), opened.session);
    if (this.#late.size > MAX_LATE_SESSIONS) this.#late.delete(this.#late.keys().next().value as string);
    return opened.client;
  }
}

function lateKey(context: McpRequestContext, server: RuntimeMcpServer): string {
  return `${context.sessionKey}\u0000${server.name}`;
}

/**
 * The gateway's capabilities: tools always (the gateway's own list, even when every server is
 * down), prompts and resources when a reached server offers them. No listChanged or
 * subscribe: change notifications are not relayed.
 */
export function mergeCapabilities(upstream: ReadonlyArray<ServerCapabilities>): ServerCapabilities {
  return {
    tools: {},
    ...(upstream.some((capabilities) => capabilities.prompts) ? { prompts: {} } : {}),
    ...(upstream.some((capabilities) => capabilities.resources) ? { resources: {} } : {}),
  };
}

/** A JSON-RPC error for a name the caller cannot use: the same answer for unknown and not allowed. */
export function notAvailable(what: 'tool' | 'prompt' | 'resource', name: string): McpError {
  return new McpError(ErrorCode.InvalidParams, `${what} "${name}" is not available`);
}
