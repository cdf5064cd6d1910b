import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  ErrorCode,
  JSONRPCMessageSchema,
  McpError,
  SUPPORTED_PROTOCOL_VERSIONS,
  isJSONRPCErrorResponse,
  isJSONRPCNotification,
  isJSONRPCRequest,
  isJSONRPCResultResponse,
} from '@modelcontextprotocol/sdk/types.js';
import type { ClientCapabilities, JSONRPCMessage, JSONRPCRequest, RequestId } from '@modelcontextprotocol/sdk/types.js';
import type { ClientRelay } from './client-relay';
import { authenticate, presentedKey } from '../auth/api-keys';
import type { Identity, RuntimeConfig } from '../config/runtime';
import type { Logger } from '../telemetry/logger';
import type { GatewayMetrics } from '../telemetry/metrics';
import type { McpMethods } from './mcp-methods';
import type { McpRequestContext, McpSessions } from './mcp-sessions';
import { MCP_PATH, METADATA_PREFIX, protectedResourceMetadata, resourceUrl, wwwAuthenticate } from './oauth-metadata';
import { openProfile, profileFor } from './profiles';
import type { McpProfile } from './profiles';
import { sessionExpired } from './session-token';
import type { SessionCipher, SessionState } from './session-token';
import { traceContextOf, withTraceContext } from './trace-context';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { Span } from '@opentelemetry/api';
import { incomingContext, outgoingHeaders } from '../telemetry/tracing';
import type { Tracing } from '../telemetry/tracing';

/** Methods with their own metric label; anything else a client sends counts as "other". */
const KNOWN_METHODS = new Set(['ping', 'tools/list', 'tools/call', 'prompts/list', 'prompts/get', 'resources/list', 'resources/templates/list', 'resources/read']);

/** Methods routed to one upstream server, during which it may send requests to the client. */
const ROUTED_METHODS = new Set(['tools/call', 'prompts/get', 'resources/read']);

/** Bodies above this are refused: MCP messages are small, tool arguments included. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

/**
 * Who is calling, from the request headers; undefined (or a rejected promise) is a 401.
 * The gateway passes one that identifies callers as the LLM path does (config keys, runtime
 * keys, JWTs: `identify()`, async for a JWKS fetch); without one, config keys only.
 */
export type McpAuthenticator = (config: RuntimeConfig, headers: ReadonlyMap<string, string>) => Identity | undefined | Promise<Identity | undefined>;

/** The API-key authenticator: `Authorization: Bearer <key>` or `x-api-key`. */
export const apiKeyAuthenticator: McpAuthenticator = (config, headers) => authenticate(config, presentedKey(headers));

/** What the HTTP layer needs. */
export interface McpHttpDeps {
  readonly config: () => RuntimeConfig;
  readonly sessions: McpSessions;
  readonly methods: McpMethods;
  readonly cipher: SessionCipher;
  readonly relay: ClientRelay;
  readonly logger: Logger;
  readonly metrics: GatewayMetrics;
  readonly authenticator?: McpAuthenticator;
  /** One span per JSON-RPC request, continuing the caller's trace, when tracing is on. */
  readonly tracing?: Tracing;
}

/**
 * Streamable HTTP (MCP 2025-11-25) for the gateway: POST carries one JSON-RPC message and
 * is answered with JSON, or with an SSE stream when the client asked for progress; DELETE
 * ends a session. GET (a standalone server-to-client stream) is answered 405, which the
 * spec allows: the gateway relays no server-initiated messages.
 */
export class McpHttpHandler {
  /** Requests in flight, by session and JSON-RPC id, so notifications/cancelled can abort them. */
  readonly #inFlight = new Map<string, AbortController>();

  constructor(private readonly deps: McpHttpDeps) {}

  /** The node:http request listener. */
  readonly listener = (request: IncomingMessage, response: ServerResponse): void => {
    response.once('finish', () => this.deps.metrics.mcpHttpResponses.inc({ status: String(response.statusCode) }));
    this.#route(request, response).catch((error: Error) => {
      this.deps.logger.error('mcp request failed', { error: error.message });
      if (!response.headersSent) sendJson(response, 500, rpcError(null, ErrorCode.InternalError, 'internal error'));
      else response.end();
    });
  };

  async #route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? '/').split('?')[0];
    const mcp = this.deps.config().mcp;
    if (!mcp) return sendJson(response, 404, { error: 'MCP is not configured' });
    if (path === METADATA_PREFIX || path === `${METADATA_PREFIX}${MCP_PATH}`) {
      if (request.method !== 'GET' && request.method !== 'HEAD') return sendJson(response, 405, { error: 'method not allowed' }, { allow: 'GET' });
      return sendJson(response, 200, protectedResourceMetadata(mcp, resourceUrl(mcp, request.headers)));
    }
    if (path !== MCP_PATH) return sendJson(response, 404, { error: 'not found' });
    const headers = headerMap(request);
    // Streamable HTTP: servers must check Origin (DNS rebinding). SDK and agent clients send
    // none; a browser's must be listed in mcp.allowedOrigins.
    const origin = headers.get('origin');
    if (origin !== undefined && !mcp.allowedOrigins.includes(origin)) return sendJson(response, 403, rpcError(null, ErrorCode.InvalidRequest, `origin ${origin} is not allowed`));
    const version = headers.get('mcp-protocol-version');
    if (version !== undefined && !SUPPORTED_PROTOCOL_VERSIONS.includes(version)) {
      return sendJson(response, 400, rpcError(null, ErrorCode.InvalidRequest, `unsupported MCP-Protocol-Version ${version} (supported: ${SUPPORTED_PROTOCOL_VERSIONS.join(', ')})`));
    }
    const identity = await Promise.resolve((this.deps.authenticator ?? apiKeyAuthenticator)(this.deps.config(), headers)).catch(() => undefined);
    if (!identity) {
      const presented = headers.has('authorization') || headers.has('x-api-key');
      response.writeHead(401, { 'www-authenticate': wwwAuthenticate(resourceUrl(mcp, request.headers), presented), 'content-type': 'application/json' });
      response.end(JSON.stringify(rpcError(null, ErrorCode.InvalidRequest, 'authentication required')));
      return;
    }
    const profile = mcp.profiles ? profileFor(mcp.profiles, identity) : openProfile([...mcp.serverNames]);
    if (!profile) return sendJson(response, 403, rpcError(null, ErrorCode.InvalidRequest, `caller "${identity.caller}" has no MCP profile`));
    // Upstream requests made while serving this one carry the caller's trace context.
    if (request.method === 'POST') return withTraceContext(traceContextOf(headers), () => this.#post(request, response, identity, profile, headers));
    if (request.method === 'DELETE') return this.#delete(response, identity, profile, headers);
    sendJson(response, 405, rpcError(null, ErrorCode.InvalidRequest, 'use POST (GET streams are not offered)'), { allow: 'POST, DELETE' });
  }

  async #post(request: IncomingMessage, response: ServerResponse, identity: Identity, profile: McpProfile, headers: ReadonlyMap<string, string>): Promise<void> {
    const body = await readBody(request);
    if (body === undefined) return sendJson(response, 413, rpcError(null, ErrorCode.InvalidRequest, `body over ${MAX_BODY_BYTES} bytes`));
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return sendJson(response, 400, rpcError(null, ErrorCode.ParseError, 'the body is not JSON'));
    }
    // Batches were removed from Streamable HTTP in 2025-06-18.
    const checked = Array.isArray(parsed) ? undefined : JSONRPCMessageSchema.safeParse(parsed);
    if (!checked?.success) return sendJson(response, 400, rpcError(null, ErrorCode.InvalidRequest, 'expected one JSON-RPC message'));
    const message: JSONRPCMessage = checked.data;
    const token = headers.get('authorization');
    const controller = new AbortController();
    response.on('close', () => {
      if (!response.writableFinished) controller.abort(); // the client went away: cancel upstream too
    });

    if (isJSONRPCRequest(message) && message.method === 'initialize') {
      const requested = message.params as { protocolVersion?: unknown; capabilities?: ClientCapabilities } | undefined;
      const { result, state } = await this.deps.sessions.initialize(identity, profile, requested ?? {}, token, controller.signal);
      const sessionId = this.deps.cipher.seal(state);
      return sendJson(response, 200, { jsonrpc: '2.0', id: message.id, result }, { 'mcp-session-id': sessionId });
    }
    const sessionId = headers.get('mcp-session-id');
    if (sessionId === undefined) return sendJson(response, 400, rpcError(isJSONRPCRequest(message) ? message.id : null, ErrorCode.InvalidRequest, 'Mcp-Session-Id is required: initialize first'));
    const state = this.deps.cipher.open(sessionId);
    // A session sealed for another caller is as unknown to this one as a forged id.
    if (!state || state.caller !== identity.caller || sessionExpired(state, this.deps.config().mcp?.sessionTtlSeconds ?? 0)) {
      return sendJson(response, 404, rpcError(isJSONRPCRequest(message) ? message.id : null, -32001, 'session not found'));
    }
    const sessionKey = state.id;

    if (!isJSONRPCRequest(message)) {
      if (isJSONRPCNotification(message) && message.method === 'notifications/cancelled') {
        const id = (message.params as { requestId?: RequestId } | undefined)?.requestId;
        if (id !== undefined) this.#inFlight.get(inFlightKey(sessionKey, id))?.abort();
      }
      // The client's answer to a request relayed from an upstream server.
      if (isJSONRPCResultResponse(message) || isJSONRPCErrorResponse(message)) this.deps.relay.answer(sessionKey, message);
      response.writeHead(202).end();
      return;
    }
    await this.#answer(message, response, { identity, profile, state, sessionKey, token, signal: controller.signal }, headers, controller);
  }

  /** `mcp <method>` (SERVER) under the caller's trace, with the tool for tools/call. */
  #startSpan(message: JSONRPCRequest, base: McpRequestContext, headers: ReadonlyMap<string, string>): Span | undefined {
    const tracing = this.deps.tracing;
    if (!tracing) return undefined;
    const tool = message.method === 'tools/call' && typeof message.params?.name === 'string' ? message.params.name : undefined;
    return tracing.tracer.startSpan(
      tool ? `mcp tools/call ${tool}` : `mcp ${message.method}`,
      {
        kind: SpanKind.SERVER,
        attributes: {
          'mcp.method.name': message.method,
          'aigw.caller': base.identity.caller,
          'aigw.team': base.identity.team,
          'aigw.project': base.identity.project,
          ...(tool ? { 'gen_ai.tool.name': tool, 'gen_ai.operation.name': 'execute_tool' } : {}),
        },
      },
      incomingContext(headers),
    );
  }

  /**
   * Answers one request after initialize: JSON, or SSE when there is something to send before
   * the result (progress the client asked for, or requests an upstream may make during a
   * routed call when the client declared it answers some).
   */
  async #answer(message: JSONRPCRequest, response: ServerResponse, base: McpRequestContext, headers: ReadonlyMap<string, string>, controller: AbortController): Promise<void> {
    const { sessionKey } = base;
    const token = (message.params?._meta as { progressToken?: unknown } | undefined)?.progressToken;
    const progressToken = typeof token === 'string' || typeof token === 'number' ? token : undefined;
    const acceptsEvents = (headers.get('accept') ?? '').includes('text/event-stream');
    // A routed call opens a channel: the server's requests (when the client declared it answers
    // them) and its notifications (log messages, list changes) reach the client on this answer.
    const relays = acceptsEvents && ROUTED_METHODS.has(message.method);
    const stream = relays || (acceptsEvents && progressToken !== undefined);
    const context: McpRequestContext = {
      ...base,
      ...(stream && progressToken !== undefined
        ? { progress: (progress) => writeEvent(response, { jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken, ...progress } }) }
        : {}),
    };
    const key = inFlightKey(sessionKey, message.id);
    this.#inFlight.set(key, controller);
    const closeChannel = relays ? this.deps.relay.open(sessionKey, { send: (event) => writeEvent(response, event) }) : undefined;
    const span = this.#startSpan(message, base, headers);
    let answer: Record<string, unknown>;
    try {
      // Upstream requests this one causes carry our span as their parent.
      const handle = (): Promise<unknown> => this.deps.methods.handle(message.method, message.params, context);
      answer = { jsonrpc: '2.0', id: message.id, result: await (span ? withTraceContext(outgoingHeaders(span), handle) : handle()) };
    } catch (error) {
      answer = errorAnswer(message.id, error, this.deps.logger);
    } finally {
      this.#inFlight.delete(key);
      closeChannel?.();
    }
    if (span) endSpan(span, answer);
    this.deps.metrics.mcpRequests.inc({ method: KNOWN_METHODS.has(message.method) ? message.method : 'other', outcome: 'error' in answer ? 'error' : 'result' });
    if (controller.signal.aborted && response.destroyed) return;
    if (stream || response.headersSent) {
      if (!response.headersSent) startEvents(response);
      writeEvent(response, answer);
      response.end();
    } else {
      sendJson(response, 200, answer);
    }
  }

  async #delete(response: ServerResponse, identity: Identity, profile: McpProfile, headers: ReadonlyMap<string, string>): Promise<void> {
    const sessionId = headers.get('mcp-session-id');
    const state: SessionState | undefined = sessionId === undefined ? undefined : this.deps.cipher.open(sessionId);
    if (!sessionId || !state || state.caller !== identity.caller) return sendJson(response, 404, rpcError(null, -32001, 'session not found'));
    const sessionKey = state.id;
    const signal = AbortSignal.timeout(10_000);
    await this.deps.sessions.terminate({ identity, profile, state, sessionKey, token: headers.get('authorization'), signal });
    response.writeHead(200).end();
  }
}

/** A JSON-RPC error answer; McpErrors keep their code and message, anything else is an internal error. */
function errorAnswer(id: RequestId, error: unknown, logger: Logger): Record<string, unknown> {
  if (error instanceof McpError) {
    // The SDK prefixes "MCP error <code>: "; the client gets the server's own message.
    const message = error.message.replace(/^MCP error -?\d+: /, '');
    return rpcError(id, error.code, message, error.data);
  }
  // Transport errors name internal hosts and echo upstream bodies: logged here, not sent to the client.
  logger.warn('mcp upstream request failed', { error: (error as Error).message });
  return rpcError(id, ErrorCode.InternalError, 'upstream server error (see the gateway log)');
}

function rpcError(id: RequestId | null, code: number, message: string, data?: unknown): Record<string, unknown> {
  return { jsonrpc: '2.0', id, error: { code, message, ...(data !== undefined ? { data } : {}) } };
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (response.headersSent) {
    response.end();
    return;
  }
  response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}

function startEvents(response: ServerResponse): void {
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  response.flushHeaders();
}

function writeEvent(response: ServerResponse, message: Record<string, unknown>): void {
  if (!response.headersSent) startEvents(response);
  response.write(`event: message\ndata: ${JSON.stringify(message)}\n\n`);
}

function inFlightKey(sessionKey: string, id: RequestId): string {
  return `${sessionKey}\u0000${typeof id}\u0000${id}`;
}

/** Lower-cased headers as single strings (repeated ones joined), as presentedKey expects. */
function headerMap(request: IncomingMessage): Map<string, string> {
  const map = new Map<string, string>();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) map.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  return map;
}

/** The whole body as text; undefined when it is over the limit. */
async function readBody(request: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Ends a request's span: an error answer sets its status and `error.type` (the JSON-RPC code). */
function endSpan(span: Span, answer: Record<string, unknown>): void {
  const error = answer.error as { code?: unknown; message?: unknown } | undefined;
  if (error) {
    span.setAttribute('error.type', String(error.code ?? 'error'));
    span.setStatus({ code: SpanStatusCode.ERROR, message: typeof error.message === 'string' ? error.message : undefined });
  }
  span.end();
}
