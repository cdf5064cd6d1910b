import {
  CallToolResultSchema,
  ErrorCode,
  GetPromptResultSchema,
  ListPromptsResultSchema,
  ListResourcesResultSchema,
  ListResourceTemplatesResultSchema,
  ListToolsResultSchema,
  McpError,
  ReadResourceResultSchema,
} from '@modelcontextprotocol/sdk/types.js';
import type { AnySchema, SchemaOutput } from '@modelcontextprotocol/sdk/server/zod-compat.js';
import type { CallToolResult, ClientRequest, Prompt, Resource, ResourceTemplate, Result, Tool } from '@modelcontextprotocol/sdk/types.js';
import { performance } from 'node:perf_hooks';
import { auditToolCall } from './audit';
import type { CallOutcome } from './audit';
import { notAvailable } from './mcp-sessions';
import type { McpGatewayDeps, McpRequestContext, McpSessions } from './mcp-sessions';
import { namespaceUri, prefixName, splitNamespacedUri, splitPrefixedName } from './names';
import { serverAllowed, toolAllowed } from './profiles';
import type { RuntimeMcpServer } from './runtime-mcp';
import { toolDefinitionHash } from './tool-pins';
import { allPages, fanOut, timed } from './upstream-calls';

/** Params as the client sent them (validated per method below). */
type Params = Record<string, unknown> | undefined;

/**
 * The MCP methods the gateway answers after initialize: the lists fan out to every server the
 * caller's profile reaches and merge; the calls are routed by the name's prefix.
 */
export class McpMethods {
  /** When each server's tool list was last checked against the pins (this process). */
  readonly #listedAt = new Map<string, number>();
  /** Pin rechecks in flight, one per server. */
  readonly #rechecks = new Map<string, Promise<void>>();

  constructor(
    private readonly deps: McpGatewayDeps,
    private readonly sessions: McpSessions,
  ) {}

  /** Answers one request; throws McpError for a JSON-RPC error. */
  async handle(method: string, params: Params, context: McpRequestContext): Promise<Result> {
    switch (method) {
      case 'ping':
        return {};
      case 'tools/list':
        return { tools: await this.listTools(context) };
      case 'tools/call':
        return this.callTool(params, context);
      case 'prompts/list':
        return { prompts: await this.#list(context, 'prompts/list', ListPromptsResultSchema, (result) => result.prompts, prefixPrompt(this.deps)) };
      case 'prompts/get':
        return this.#routedByName(params, context, 'prompts/get', GetPromptResultSchema);
      case 'resources/list':
        return { resources: await this.#list(context, 'resources/list', ListResourcesResultSchema, (result) => result.resources, namespaceResource) };
      case 'resources/templates/list':
        return {
          resourceTemplates: await this.#list(context, 'resources/templates/list', ListResourceTemplatesResultSchema, (result) => result.resourceTemplates, namespaceTemplate),
        };
      case 'resources/read':
        return this.readResource(params, context);
      default:
        throw new McpError(ErrorCode.MethodNotFound, `Method not found: ${method}`);
    }
  }

  /** Every tool the caller may call right now, prefixed; pins are checked (and changes flagged) on the way. */
  async listTools(context: McpRequestContext): Promise<Tool[]> {
    const { mcp } = this.deps;
    const perServer = await this.#fetchAll(context, 'tools/list', ListToolsResultSchema, (result) => result.tools);
    const perServerTools = await Promise.all(perServer.map(({ server, items }) => this.#pinned(server.name, items)));
    return perServerTools.flatMap((tools, index) => {
      const server = perServer[index].server.name;
      return tools.filter((tool) => toolAllowed(context.profile, server, tool.name)).map((tool) => ({ ...tool, name: prefixName(server, tool.name, mcp.separator) }));
    });
  }

  /**
   * One server's tools checked against their pins: a change is flagged (metric and audit line),
   * and under enforce the changed tools are left out. When the pin store cannot be read, enforce
   * leaves the server's tools out (fail closed) and warn keeps them.
   */
  async #pinned(server: string, tools: readonly Tool[]): Promise<Tool[]> {
    const { pins, metrics, logger } = this.deps;
    this.#listedAt.set(server, Date.now());
    const hashes = tools.map((tool) => ({ name: tool.name, hash: toolDefinitionHash(tool) }));
    let verdicts: Awaited<ReturnType<typeof pins.observe>>;
    try {
      verdicts = await pins.observe(server, hashes);
    } catch (error) {
      logger.error('mcp pin store failed', { server, error: (error as Error).message, pinning: pins.mode });
      return pins.mode === 'enforce' ? [] : [...tools];
    }
    for (const { name, hash } of hashes) {
      if (verdicts.get(name)?.verdict !== 'changed') continue;
      metrics.mcpToolChanges.inc({ server, tool: name });
      logger.warn('mcp tool definition changed', { audit: 'mcp_tool_changed', server, tool: name, sha256: hash, pinning: pins.mode });
    }
    return tools.filter((tool) => !verdicts.get(tool.name)?.hidden);
  }

  /** Routes a tools/call, refusing (and auditing) what the profile or pinning does not allow. */
  async callTool(params: Params, context: McpRequestContext): Promise<CallToolResult> {
    const { mcp, metrics, logger } = this.deps;
    const started = performance.now();
    const name = typeof params?.name === 'string' ? params.name : undefined;
    if (name === undefined) throw new McpError(ErrorCode.InvalidParams, 'tools/call needs a string name');
    const target = splitPrefixedName(name, mcp.separator, mcp.serverNames);
    const audit = (server: string, tool: string, outcome: CallOutcome, reason?: string): void =>
      auditToolCall(logger, { identity: context.identity, server, tool, arguments: params?.arguments, outcome, latencyMs: performance.now() - started, reason }, this.deps.auditLog);
    const allowed = target !== undefined && toolAllowed(context.profile, target.server, target.name);
    if (allowed) await this.#recheckPins(target.server, context);
    const refusal = !target ? 'unknown_name' : !allowed ? 'profile' : (await this.#blocked(target.server, target.name)) ? 'pinning' : undefined;
    if (refusal || !target) {
      metrics.mcpRefusals.inc({ method: 'tools/call', reason: refusal ?? 'unknown_name' });
      audit(target?.server ?? 'unknown', target?.name ?? name, 'refused', refusal);
      throw notAvailable('tool', name);
    }
    const server = this.#server(target.server);
    try {
      const result = await this.#routed(server, context, 'tools/call', target.name, { ...params, name: target.name }, CallToolResultSchema, (value) => value.isError === true);
      audit(server.name, target.name, result.isError === true ? 'tool_error' : 'ok');
      return result;
    } catch (error) {
      audit(server.name, target.name, 'error', (error as Error).message);
      throw error;
    }
  }

  /**
   * Re-reads a server's tool list for the pin check when its last list is older than
   * mcp.pinRecheckMs (one read at a time per server). A failed read changes nothing: the call
   * then meets the pins as they are, and its own upstream request reports the server's state.
   */
  async #recheckPins(serverName: string, context: McpRequestContext): Promise<void> {
    const { mcp, pins, logger } = this.deps;
    if (pins.mode === 'off' || Date.now() - (this.#listedAt.get(serverName) ?? 0) < mcp.pinRecheckMs) return;
    let reading = this.#rechecks.get(serverName);
    if (!reading) {
      const server = this.#server(serverName);
      reading = this.#routed(server, context, 'tools/list', undefined, {}, ListToolsResultSchema, () => false)
        .then((result) => this.#pinned(serverName, result.tools))
        .then(
          () => undefined,
          (error: Error) => logger.warn('mcp pin recheck failed', { server: serverName, error: error.message }),
        )
        .finally(() => this.#rechecks.delete(serverName));
      this.#rechecks.set(serverName, reading);
    }
    await reading;
  }

  /** Whether pinning refuses a call; a pin store that cannot be read refuses under enforce (fail closed). */
  async #blocked(server: string, tool: string): Promise<boolean> {
    try {
      return await this.deps.pins.blocked(server, tool);
    } catch (error) {
      this.deps.logger.error('mcp pin store failed', { server, error: (error as Error).message, pinning: this.deps.pins.mode });
      return true;
    }
  }

  /** resources/read on the server named by the URI's namespace; URIs in the answer are namespaced again. */
  async readResource(params: Params, context: McpRequestContext): Promise<Result> {
    const uri = typeof params?.uri === 'string' ? params.uri : undefined;
    const target = uri === undefined ? undefined : splitNamespacedUri(uri, this.deps.mcp.serverNames);
    if (!target || !serverAllowed(context.profile, target.server)) {
      this.deps.metrics.mcpRefusals.inc({ method: 'resources/read', reason: target ? 'profile' : 'unknown_name' });
      throw notAvailable('resource', uri ?? '');
    }
    const server = this.#server(target.server);
    const result = await this.#routed(server, context, 'resources/read', undefined, { ...params, uri: target.uri }, ReadResourceResultSchema);
    return { ...result, contents: result.contents.map((content) => ({ ...content, uri: namespaceUri(server.name, content.uri) })) };
  }

  /** prompts/get (and any other call routed by a prefixed `name`). */
  async #routedByName(params: Params, context: McpRequestContext, method: string, schema: typeof GetPromptResultSchema): Promise<Result> {
    const name = typeof params?.name === 'string' ? params.name : '';
    const target = splitPrefixedName(name, this.deps.mcp.separator, this.deps.mcp.serverNames);
    if (!target || !serverAllowed(context.profile, target.server)) {
      this.deps.metrics.mcpRefusals.inc({ method, reason: target ? 'profile' : 'unknown_name' });
      throw notAvailable('prompt', name);
    }
    return this.#routed(this.#server(target.server), context, method, undefined, { ...params, name: target.name }, schema);
  }

  /**
   * One request to one server, with its call timeout, the client's cancellation, and progress
   * relayed back under the client's own progress token.
   */
  async #routed<S extends AnySchema>(
    server: RuntimeMcpServer,
    context: McpRequestContext,
    method: string,
    tool: string | undefined,
    params: Record<string, unknown>,
    schema: S,
    isToolError?: (result: SchemaOutput<S>) => boolean,
  ): Promise<SchemaOutput<S>> {
    const upstreamParams = withoutProgressToken(params);
    return timed(
      this.deps.metrics,
      { server: server.name, method, tool },
      () =>
        this.sessions.withClient(server, context, context.signal, (client) =>
          client.request(upstreamRequest(method, upstreamParams), schema, {
            signal: context.signal,
            timeout: server.callTimeoutMs,
            ...(context.progress ? { onprogress: context.progress, resetTimeoutOnProgress: false } : {}),
          }),
        ),
      isToolError,
    );
  }

  /** A list from every reachable server, mapped item by item (prefixing, namespacing). */
  async #list<S extends AnySchema, T, U>(
    context: McpRequestContext,
    method: string,
    schema: S,
    itemsOf: (result: SchemaOutput<S>) => readonly T[],
    map: (server: string, item: T) => U,
  ): Promise<U[]> {
    const perServer = await this.#fetchAll(context, method, schema, itemsOf);
    return perServer.flatMap(({ server, items }) => items.map((item) => map(server.name, item)));
  }

  /** Fans a list method out with paging; servers that fail or are slow are left out. */
  #fetchAll<S extends AnySchema, T>(context: McpRequestContext, method: string, schema: S, itemsOf: (result: SchemaOutput<S>) => readonly T[]) {
    return fanOut(this.sessions.serversFor(context.profile), method, context.signal, this.deps, (server, signal) =>
      timed(this.deps.metrics, { server: server.name, method }, () =>
        this.sessions.withClient(server, context, signal, (client) =>
          allPages(async (cursor) => {
            const result = await client.request(upstreamRequest(method, cursor ? { cursor } : {}), schema, { signal, timeout: server.timeoutMs });
            return { items: itemsOf(result), nextCursor: (result as { nextCursor?: string }).nextCursor };
          }),
        ),
      ),
    );
  }

  #server(name: string): RuntimeMcpServer {
    const server = this.deps.mcp.servers.get(name);
    if (!server) throw new McpError(ErrorCode.InternalError, `unknown server ${name}`); // names were checked against the config
    return server;
  }
}

/**
 * The client's params without its progress token: the SDK asks the upstream for progress with
 * a token of its own, and the gateway maps progress back to the client's token.
 */
export function withoutProgressToken(params: Record<string, unknown>): Record<string, unknown> {
  const { _meta: meta, ...rest } = params;
  if (typeof meta !== 'object' || meta === null) return rest;
  const otherMeta = { ...(meta as Record<string, unknown>) };
  delete otherMeta.progressToken;
  return Object.keys(otherMeta).length > 0 ? { ...rest, _meta: otherMeta } : rest;
}

/**
 * A request relayed to an upstream server. The method is one the gateway routes (checked in
 * handle()), and the params are the client's, already validated as JSON-RPC by the HTTP
 * layer; the SDK's ClientRequest union cannot be narrowed from a runtime method string.
 */
function upstreamRequest(method: string, params: Record<string, unknown>): ClientRequest {
  return { method, params } as ClientRequest;
}

function prefixPrompt(deps: McpGatewayDeps): (server: string, prompt: Prompt) => Prompt {
  return (server, prompt) => ({ ...prompt, name: prefixName(server, prompt.name, deps.mcp.separator) });
}

function namespaceResource(server: string, resource: Resource): Resource {
  return { ...resource, uri: namespaceUri(server, resource.uri) };
}

function namespaceTemplate(server: string, template: ResourceTemplate): ResourceTemplate {
  return { ...template, uriTemplate: namespaceUri(server, template.uriTemplate) };
}
