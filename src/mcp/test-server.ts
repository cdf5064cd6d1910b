import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RegisteredTool } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { ElicitResultSchema } from '@modelcontextprotocol/sdk/types.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';

/**
 * A real MCP server built with the SDK (McpServer + StreamableHTTPServerTransport, one
 * session per initialize) for tests and benchmarks: it records every JSON-RPC message that
 * reaches it, can be slowed down, and can change a tool's description while running.
 */

/** One tool the server offers; every tool takes `{ text?, steps?, pauseMs? }` (progress steps, a pause before each). */
export interface TestTool {
  readonly name: string;
  readonly description: string;
}

export interface TestMcpServerOptions {
  readonly name: string;
  readonly tools: readonly TestTool[];
  /** Also offer a prompt (`greet`) and a resource (`file:///<name>/readme.md`). */
  readonly promptsAndResources?: boolean;
}

/** A JSON-RPC message as the server received it, with the headers that matter to tests. */
export interface ReceivedMessage {
  readonly method?: string;
  readonly params?: Record<string, unknown>;
  readonly sessionId?: string;
  readonly authorization?: string;
  readonly credential?: string;
  readonly traceparent?: string;
}

const inputSchema = { text: z.string().optional(), steps: z.number().int().min(0).max(20).optional(), pauseMs: z.number().int().min(0).max(5000).optional() };

export class TestMcpServer {
  /** Every JSON-RPC message received, in order. */
  readonly received: ReceivedMessage[] = [];
  /** GET requests received (standalone server-to-client streams). */
  standaloneStreams = 0;
  /** Milliseconds to wait before answering any list method (a slow server). */
  listDelayMs = 0;
  readonly #transports = new Map<string, StreamableHTTPServerTransport>();
  readonly #registered: Array<Map<string, RegisteredTool>> = [];
  readonly #descriptions = new Map<string, string>();
  readonly #sleeps = new Set<{ timer: NodeJS.Timeout; done: () => void }>();

  private constructor(
    private readonly options: TestMcpServerOptions,
    private readonly server: Server,
  ) {
    for (const tool of options.tools) this.#descriptions.set(tool.name, tool.description);
  }

  static async start(options: TestMcpServerOptions, port = 0): Promise<TestMcpServer> {
    const server = createServer();
    const instance = new TestMcpServer(options, server);
    server.on('request', (request: IncomingMessage, response: ServerResponse) => {
      instance.#handle(request, response).catch(() => {
        if (!response.headersSent) response.writeHead(500).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
    return instance;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** The MCP endpoint. */
  get url(): string {
    return `http://127.0.0.1:${this.port}/mcp`;
  }

  /** tools/call messages received for `tool` (the server's own name). */
  callsOf(tool: string): ReceivedMessage[] {
    return this.received.filter((message) => message.method === 'tools/call' && message.params?.name === tool);
  }

  /** Changes a tool's description in every session, as a server swapping it after review would. */
  setDescription(tool: string, description: string): void {
    this.#descriptions.set(tool, description);
    for (const tools of this.#registered) tools.get(tool)?.update({ description });
  }

  async close(): Promise<void> {
    for (const sleep of this.#sleeps) {
      clearTimeout(sleep.timer);
      sleep.done();
    }
    await Promise.all([...this.#transports.values()].map((transport) => transport.close()));
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    let body: unknown;
    if (request.method === 'GET') this.standaloneStreams += 1;
    if (request.method === 'POST') {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      const message = body as { method?: string; params?: Record<string, unknown> };
      const header = (name: string): string | undefined => request.headers[name] as string | undefined;
      this.received.push({ method: message.method, params: message.params, sessionId: header('mcp-session-id'), authorization: header('authorization'), credential: header('x-upstream-key'), traceparent: header('traceparent') });
      if (this.listDelayMs > 0 && message.method?.endsWith('/list')) await this.#sleep(this.listDelayMs);
    }
    const sessionId = request.headers['mcp-session-id'] as string | undefined;
    let transport = sessionId === undefined ? undefined : this.#transports.get(sessionId);
    if (!transport) {
      if (sessionId !== undefined) {
        response.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32001, message: 'Session not found' } }));
        return;
      }
      const created: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id: string): void => {
          this.#transports.set(id, created);
        },
      });
      created.onclose = (): void => {
        if (created.sessionId) this.#transports.delete(created.sessionId);
      };
      await this.#newMcpServer().connect(created);
      transport = created;
    }
    await transport.handleRequest(request, response, body);
  }

  /** Tools whose call saw its cancellation (the client's notifications/cancelled reached the server). */
  readonly cancelled: string[] = [];

  /** Waits (at most 10 s) for the request's abort signal, as a long-running tool would. */
  async #untilAborted(signal: AbortSignal, tool: string): Promise<void> {
    if (!signal.aborted) await Promise.race([new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true })), this.#sleep(10_000)]);
    if (signal.aborted) this.cancelled.push(tool);
  }

  /** A delay that close() cuts short, so no timer outlives the server. */
  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const sleep = { timer: setTimeout(() => sleep.done(), ms), done: (): void => {
        this.#sleeps.delete(sleep);
        resolve();
      } };
      this.#sleeps.add(sleep);
    });
  }

  #newMcpServer(): McpServer {
    const name = this.options.name;
    const mcp = new McpServer({ name, version: '1.0.0' }, { instructions: `the ${name} test server`, capabilities: { logging: {} } });
    const tools = new Map<string, RegisteredTool>();
    for (const tool of this.options.tools) {
      const registered = mcp.registerTool(tool.name, { description: this.#descriptions.get(tool.name), inputSchema }, async (args, extra): Promise<CallToolResult> => {
        const token = extra._meta?.progressToken;
        for (let step = 1; step <= (args.steps ?? 0); step += 1) {
          if (args.pauseMs) await this.#sleep(args.pauseMs);
          if (token !== undefined) await extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress: step, total: args.steps } });
        }
        if (args.text === 'hang') await this.#untilAborted(extra.signal, tool.name);
        if (args.text === 'ask') {
          // A server-to-client request in the middle of the call (it goes back on the call's stream).
          const answer = await extra.sendRequest(
            { method: 'elicitation/create', params: { message: 'Which repository?', requestedSchema: { type: 'object', properties: { repo: { type: 'string' } }, required: ['repo'] } } },
            ElicitResultSchema,
          );
          return { content: [{ type: 'text', text: `${name}/${tool.name}: ${answer.action} ${JSON.stringify(answer.content ?? {})}` }] };
        }
        if (args.text === 'log') {
          // Notifications in the middle of the call: a log message and a resource change.
          await extra.sendNotification({ method: 'notifications/message', params: { level: 'info', logger: name, data: `${tool.name} is working` } });
          if (this.options.promptsAndResources) await extra.sendNotification({ method: 'notifications/resources/updated', params: { uri: `file:///${name}/readme.md` } });
        }
        if (args.text === 'fail') return { content: [{ type: 'text', text: `${tool.name} failed` }], isError: true };
        return { content: [{ type: 'text', text: `${name}/${tool.name}: ${args.text ?? ''}` }] };
      });
      tools.set(tool.name, registered);
    }
    this.#registered.push(tools);
    if (this.options.promptsAndResources) {
      mcp.registerPrompt('greet', { description: 'Greets someone', argsSchema: { who: z.string() } }, ({ who }) => ({
        messages: [{ role: 'user', content: { type: 'text', text: `Hello ${who} from ${name}` } }],
      }));
      mcp.registerResource('readme', `file:///${name}/readme.md`, { mimeType: 'text/markdown' }, (uri) => ({
        contents: [{ uri: uri.href, mimeType: 'text/markdown', text: `# ${name}` }],
      }));
    }
    return mcp;
  }
}
