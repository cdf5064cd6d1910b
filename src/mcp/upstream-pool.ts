import { createHash } from 'node:crypto';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CreateMessageRequestSchema, CreateMessageResultSchema, ElicitRequestSchema, ElicitResultSchema, ListRootsRequestSchema, ListRootsResultSchema } from '@modelcontextprotocol/sdk/types.js';
import type { ClientCapabilities, InitializeResult } from '@modelcontextprotocol/sdk/types.js';
import type { ClientRelay } from './client-relay';
import { namespaceUri } from './names';
import type { Logger } from '../telemetry/logger';
import type { RuntimeMcpServer } from './runtime-mcp';
import { createNodeFetch } from './node-fetch';
import { tracingFetch } from './trace-context';
import type { UpstreamSession } from './session-token';

/** What opening a new upstream session learned. */
export interface OpenedUpstream {
  readonly client: Client;
  readonly session: UpstreamSession;
  readonly capabilities: InitializeResult['capabilities'];
  readonly instructions?: string;
}

/** Clients kept per process; the oldest is closed beyond this (its upstream session stays valid). */
const MAX_CLIENTS = 5_000;

/** The client's own Authorization header, for servers configured to receive it. */
export type ClientToken = string | undefined;

/** Where an upstream session's server-to-client requests go: its client session, through the relay. */
export interface RelayTarget {
  readonly sessionKey: string;
  readonly capabilities: ClientCapabilities;
  readonly relay: ClientRelay;
}

/**
 * SDK clients for the upstream MCP servers, one per upstream session, kept for reuse. A
 * client for a session another replica opened is built from the session id alone (the SDK
 * skips initialize when the transport already has one), so nothing has to be shared between
 * replicas but the session id itself. Closing a client here never ends its upstream session.
 * A stdio server is one child process per aigw, shared by every session (stdio has no sessions).
 */
export class UpstreamPool {
  readonly #clients = new Map<string, Promise<Client>>();

  constructor(private readonly logger: Logger) {}

  /** Opens a new upstream session (initialize + initialized) and keeps its client. */
  async open(server: RuntimeMcpServer, token: ClientToken, signal: AbortSignal, target?: RelayTarget): Promise<OpenedUpstream> {
    if (server.stdio) {
      const client = await this.resume(server, { protocolVersion: '' }, token, signal);
      return { client, session: { protocolVersion: '' }, capabilities: client.getServerCapabilities() ?? {}, instructions: client.getInstructions() };
    }
    const client = newClient(server.name, target);
    const transport = httpTransport(server, token);
    await client.connect(transport, { signal, timeout: server.timeoutMs });
    const session: UpstreamSession = { sessionId: transport.sessionId, protocolVersion: transport.protocolVersion ?? '' };
    this.#keep(clientKey(server, session, token), Promise.resolve(client));
    return { client, session, capabilities: client.getServerCapabilities() ?? {}, instructions: client.getInstructions() };
  }

  /**
   * The client for an upstream session: the kept one, or a new one resuming it. A server that
   * issued no session id (stateless, or stdio) gets one shared client per credential.
   */
  async resume(server: RuntimeMcpServer, session: UpstreamSession, token: ClientToken, signal: AbortSignal, target?: RelayTarget): Promise<Client> {
    const key = clientKey(server, session, token);
    const kept = this.#clients.get(key);
    if (kept) return kept;
    const created = (async () => {
      // Shared clients (stdio, servers without sessions) serve many client sessions: nothing to relay to.
      const client = newClient(server.name, server.stdio || session.sessionId === undefined ? undefined : target);
      if (server.stdio) {
        const transport = this.#stdioTransport(server);
        // The child exited: forget it, so the next request starts a new one.
        client.onclose = () => this.#clients.delete(key);
        await client.connect(transport, { signal, timeout: server.timeoutMs });
        return client;
      }
      const transport = httpTransport(server, token, session.sessionId);
      if (session.sessionId !== undefined) {
        // Resuming: the SDK skips initialize, so the negotiated version is set by hand.
        transport.setProtocolVersion(session.protocolVersion);
        await client.connect(transport);
      } else {
        await client.connect(transport, { signal, timeout: server.timeoutMs });
      }
      return client;
    })();
    this.#keep(key, created);
    created.catch(() => this.#clients.delete(key));
    return created;
  }

  /** Ends an upstream session (the client sent DELETE); failures are only logged. */
  async terminate(server: RuntimeMcpServer, session: UpstreamSession, token: ClientToken): Promise<void> {
    if (session.sessionId === undefined || !server.url) return;
    const transport = httpTransport(server, token, session.sessionId);
    transport.setProtocolVersion(session.protocolVersion);
    try {
      await transport.terminateSession();
    } catch (error) {
      this.logger.warn('mcp upstream session could not be ended', { server: server.name, error: (error as Error).message });
    }
    this.forget(server, session, token);
  }

  /** Forgets (and closes) a client whose upstream session is gone. */
  forget(server: RuntimeMcpServer, session: UpstreamSession, token: ClientToken): void {
    const key = clientKey(server, session, token);
    const kept = this.#clients.get(key);
    this.#clients.delete(key);
    void kept?.then((client) => client.close()).catch(() => undefined);
  }

  /** Closes every client (process shutdown; stdio children end); HTTP upstream sessions stay valid for other replicas. */
  async close(): Promise<void> {
    const all = [...this.#clients.values()];
    this.#clients.clear();
    await Promise.all(all.map((pending) => pending.then((client) => client.close()).catch(() => undefined)));
  }

  #keep(key: string, client: Promise<Client>): void {
    this.#clients.set(key, client);
    if (this.#clients.size > MAX_CLIENTS) {
      const [oldestKey, oldest] = this.#clients.entries().next().value as [string, Promise<Client>];
      this.#clients.delete(oldestKey);
      void oldest.then((value) => value.close()).catch(() => undefined);
    }
  }

  #stdioTransport(server: RuntimeMcpServer): StdioClientTransport {
    const stdio = server.stdio;
    if (!stdio) throw new Error(`${server.name} is not a stdio server`);
    const transport = new StdioClientTransport({ command: stdio.command, args: [...stdio.args], cwd: stdio.cwd, env: { ...stdio.env }, stderr: 'pipe' });
    // The child's stderr goes to aigw's log line by line, not raw onto aigw's own stderr.
    let pending = '';
    transport.stderr?.on('data', (chunk: Buffer) => {
      const lines = (pending + chunk.toString('utf8')).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) this.logger.info('mcp stdio server stderr', { server: server.name, line: line.slice(0, 2000) });
    });
    return transport;
  }
}

/**
 * An SDK client declaring, upstream, what the client session can answer; the server's
 * requests for those are relayed to the client and its answers checked against the SDK's schemas.
 */
function newClient(server: string, target?: RelayTarget): Client {
  const capabilities = target?.capabilities ?? {};
  const client = new Client({ name: 'aigw-mcp-gateway', version: '0.1.0' }, { capabilities });
  if (!target) return client;
  // Notifications the server sends during a call (log messages, list and resource changes)
  // go to the client on that call's answer, named as the client knows them.
  client.fallbackNotificationHandler = async (notification) => {
    const relayed = relayedNotification(server, notification);
    if (relayed) target.relay.notify(target.sessionKey, relayed);
  };
  const relay = (method: string, params: unknown, signal: AbortSignal) => target.relay.request(target.sessionKey, method, params, signal);
  if (capabilities.elicitation) client.setRequestHandler(ElicitRequestSchema, async (request, extra) => ElicitResultSchema.parse(await relay(request.method, request.params, extra.signal)));
  if (capabilities.sampling) client.setRequestHandler(CreateMessageRequestSchema, async (request, extra) => CreateMessageResultSchema.parse(await relay(request.method, request.params, extra.signal)));
  if (capabilities.roots) client.setRequestHandler(ListRootsRequestSchema, async (request, extra) => ListRootsResultSchema.parse(await relay(request.method, request.params, extra.signal)));
  return client;
}

/**
 * The SDK client opens a standalone GET stream per upstream session after initialize, for
 * messages the server sends outside any request. The gateway relays none of those (it has no
 * stream to the client to put them on), so the GET is answered 405 here, as a server without
 * such streams would: no idle connection per session and server, on either side.
 */
function withoutStandaloneStreams(inner: typeof fetch): typeof fetch {
  return (input, init) => ((init?.method ?? 'GET') === 'GET' ? Promise.resolve(new Response(null, { status: 405 })) : inner(input, init));
}

/** One fetch (and its keep-alive connections) for every upstream HTTP server of the process. */
const upstreamFetch = withoutStandaloneStreams(tracingFetch(createNodeFetch()));

function httpTransport(server: RuntimeMcpServer, token: ClientToken, sessionId?: string): StreamableHTTPClientTransport {
  if (!server.url) throw new Error(`${server.name} has no url`);
  return new StreamableHTTPClientTransport(server.url, { requestInit: { headers: upstreamHeaders(server, token) }, sessionId, fetch: upstreamFetch });
}

/** The gateway's credential for the server and, only when configured, the client's own token. */
export function upstreamHeaders(server: RuntimeMcpServer, token: ClientToken): Record<string, string> {
  const headers: Record<string, string> = {};
  if (server.forwardClientToken && token !== undefined) headers.authorization = token;
  if (server.credential) headers[server.credential.header] = `${server.credential.prefix}${server.credential.secret.reveal()}`;
  return headers;
}

function clientKey(server: RuntimeMcpServer, session: UpstreamSession, token: ClientToken): string {
  // A forwarded token is part of the key so two callers never share a client (and its headers).
  const tokenPart = server.forwardClientToken && token !== undefined ? createHash('sha256').update(token).digest('base64url') : '';
  return `${server.name}\u0000${session.sessionId ?? ''}\u0000${tokenPart}`;
}

/** Server notifications relayed to the client; resource URIs get the server's namespace. Others (unknown methods) are dropped. */
export function relayedNotification(server: string, notification: { method: string; params?: Record<string, unknown> }): Record<string, unknown> | undefined {
  switch (notification.method) {
    case 'notifications/message':
    case 'notifications/tools/list_changed':
    case 'notifications/prompts/list_changed':
    case 'notifications/resources/list_changed':
      return { method: notification.method, ...(notification.params !== undefined ? { params: notification.params } : {}) };
    case 'notifications/resources/updated': {
      const uri = notification.params?.uri;
      return typeof uri === 'string' ? { method: notification.method, params: { ...notification.params, uri: namespaceUri(server, uri) } } : undefined;
    }
    default:
      return undefined;
  }
}
