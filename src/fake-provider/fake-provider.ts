/**
 * A fake OpenAI-compatible (and Anthropic Messages) provider for end-to-end tests and the offline demo.
 *
 * It records every request (before answering, so drop/hang cases can still be asserted), answers
 * with queued behaviours first and deterministic OpenAI- or Anthropic-shaped defaults otherwise.
 */
import { historyRefusal } from './history-refusals';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { constants, createGzip, gzipSync } from 'node:zlib';
import { anthropicErrorAsJson } from './anthropic-behaviours';
import { defaultBehaviour, isRefusal, sseFrames } from './behaviours';
import type { Behaviour, RecordedRequest } from './behaviours';

export type { Behaviour, RecordedRequest } from './behaviours';

/** How to start a {@link FakeProvider}. */
export interface FakeProviderOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (a free port). */
  port?: number;
  /** Used in default responses; default 'fake'. */
  name?: string;
  /** Serve HTTPS with this key pair when set. */
  tls?: { key: string | Buffer; cert: string | Buffer };
}

interface Waiter {
  count: number;
  resolve: () => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * Envoy keeps upstream connections idle for up to an hour; if we closed them after Node's
 * default 5 s, Envoy could race a new request against our FIN and report a spurious 503.
 */
const KEEP_ALIVE_TIMEOUT_MS = 10 * 60 * 1000;

function flattenHeaders(request: http.IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, values] of Object.entries(request.headersDistinct)) {
    if (values !== undefined) headers[name] = values.join(', ');
  }
  return headers;
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

/** TLSSocket sets `servername` at runtime from SNI, but @types/node does not declare it. */
function servernameOf(socket: Socket): string | undefined {
  const value: unknown = 'servername' in socket ? socket.servername : undefined;
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** An in-process fake OpenAI-compatible server; start one with {@link FakeProvider.start}. */
export class FakeProvider {
  /** Name echoed in default responses. */
  readonly name: string;
  /** Every request received so far, oldest first. */
  readonly received: RecordedRequest[] = [];
  /** Send times (Date.now()) of each SSE event written, for the most recent 'sse' behaviour. */
  eventSentAt: number[] = [];

  private readonly server: http.Server | https.Server;
  private readonly host: string;
  private readonly secure: boolean;
  private readonly queue: Behaviour[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly waiters = new Set<Waiter>();
  private completionCount = 0;
  private messageCount = 0;
  private tokenCount = 0;
  private closing: Promise<void> | undefined;

  private constructor(options: FakeProviderOptions) {
    this.name = options.name ?? 'fake';
    this.host = options.host ?? '127.0.0.1';
    this.secure = options.tls !== undefined;
    const handler = (request: http.IncomingMessage, response: http.ServerResponse): void =>
      this.handle(request, response);
    this.server = options.tls
      ? https.createServer({ key: options.tls.key, cert: options.tls.cert }, handler)
      : http.createServer(handler);
    this.server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
    // 'hang' must last until close(), not until Node's 300 s request timeout.
    this.server.requestTimeout = 0;
    // Raw TCP sockets (also under TLS) so close() can destroy idle and hanging connections alike.
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
  }

  /** Starts a server and resolves once it is listening. */
  static async start(options: FakeProviderOptions = {}): Promise<FakeProvider> {
    const provider = new FakeProvider(options);
    const server = provider.server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, provider.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return provider;
  }

  /** The port actually bound (useful with port 0). */
  get port(): number {
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('FakeProvider is not listening');
    return (address as AddressInfo).port;
  }

  /** Base URL, e.g. 'http://127.0.0.1:1234' (https when TLS). */
  get url(): string {
    // A wildcard bind address is not something a client can connect to.
    const host = this.host === '0.0.0.0' ? '127.0.0.1' : this.host === '::' ? '::1' : this.host;
    const hostPart = host.includes(':') ? `[${host}]` : host;
    return `${this.secure ? 'https' : 'http'}://${hostPart}:${this.port}`;
  }

  /** Queues behaviours for the next requests, used in order before the defaults. */
  enqueue(...behaviours: Behaviour[]): void {
    this.queue.push(...behaviours);
  }

  /** Clears received requests, queued behaviours and SSE send times. */
  reset(): void {
    this.received.length = 0;
    this.queue.length = 0;
    this.eventSentAt = [];
  }

  /** Resolves when `count` requests have been received (or rejects after timeoutMs, default 5000). */
  waitForRequests(count: number, timeoutMs = 5000): Promise<void> {
    if (this.received.length >= count) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        count,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.delete(waiter);
          reject(
            new Error(
              `FakeProvider ${this.name}: timed out after ${timeoutMs} ms waiting for ${count} requests (received ${this.received.length})`,
            ),
          );
        }, timeoutMs),
      };
      this.waiters.add(waiter);
    });
  }

  /** Closes the server and destroys open sockets, including hanging and streaming ones. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      for (const timer of this.timers) clearTimeout(timer);
      this.timers.clear();
      for (const waiter of this.waiters) {
        clearTimeout(waiter.timer);
        waiter.reject(new Error(`FakeProvider ${this.name} closed`));
      }
      this.waiters.clear();
      // The callback's error (e.g. never listened) does not matter: either way nothing is left open.
      this.server.close(() => resolve());
      this.server.closeAllConnections();
      for (const socket of this.sockets) socket.destroy();
    });
    return this.closing;
  }

  private handle(request: http.IncomingMessage, response: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    // A client that disconnects mid-body must not crash the server; there is nobody to answer.
    request.on('error', () => undefined);
    response.on('error', () => undefined);
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const recorded: RecordedRequest = {
        method: request.method ?? 'GET',
        path: request.url ?? '/',
        headers: flattenHeaders(request),
        body,
        json: parseJson(body),
        receivedAt: Date.now(),
      };
      const servername = this.secure ? servernameOf(request.socket) : undefined;
      if (servername !== undefined) recorded.servername = servername;
      this.record(recorded);
      const byDefault = (): Behaviour =>
        defaultBehaviour(recorded, {
          name: this.name,
          nextCompletionId: () => `chatcmpl-fake-${++this.completionCount}`,
          nextMessageId: () => `msg_fake_${++this.messageCount}`,
          nextTokenNumber: () => ++this.tokenCount,
        });
      // A history the real provider refuses gets its 400 whatever is queued (the queued reply waits).
      const refusal = historyRefusal(recorded, this.name);
      const queued = refusal === undefined ? this.queue.shift() : undefined;
      this.respond(refusal ?? queued ?? byDefault(), request, response, byDefault);
    });
  }

  private record(recorded: RecordedRequest): void {
    this.received.push(recorded);
    for (const waiter of this.waiters) {
      if (this.received.length >= waiter.count) {
        clearTimeout(waiter.timer);
        this.waiters.delete(waiter);
        waiter.resolve();
      }
    }
  }

  private respond(behaviour: Behaviour, request: http.IncomingMessage, response: http.ServerResponse, byDefault?: () => Behaviour): void {
    switch (behaviour.kind) {
      case 'checked': {
        const checked = byDefault?.();
        this.respond(checked && isRefusal(checked) ? checked : behaviour.then, request, response);
        return;
      }
      case 'json':
        if (behaviour.gzip) {
          const headers = { 'content-encoding': 'gzip', ...behaviour.headers };
          this.sendBody(response, behaviour.status, 'application/json', gzipSync(JSON.stringify(behaviour.body)), headers);
          return;
        }
        this.sendBody(response, behaviour.status, 'application/json', JSON.stringify(behaviour.body), behaviour.headers);
        return;
      case 'text':
        this.sendBody(response, behaviour.status, 'text/plain; charset=utf-8', behaviour.body, behaviour.headers);
        return;
      case 'anthropic-error':
        this.respond(anthropicErrorAsJson(behaviour), request, response);
        return;
      case 'sse': {
        // A fresh array per stream: an older stream still running keeps writing into its own.
        const sentAt: number[] = [];
        this.eventSentAt = sentAt;
        const payloads = sseFrames(behaviour);
        if (behaviour.gzip) {
          this.startStream(response, behaviour.status ?? 200, { 'content-encoding': 'gzip', ...behaviour.headers });
          this.writeSpaced(gzipPerWrite(response), payloads, behaviour.intervalMs ?? 0, () => sentAt.push(Date.now()));
          return;
        }
        this.startStream(response, behaviour.status ?? 200, behaviour.headers);
        const stop = behaviour.stopAfter;
        if (stop) {
          // The reset waits a moment, so the events written before it leave the socket first.
          const drop = (): void => {
            const timer = setTimeout(() => {
              this.timers.delete(timer);
              request.socket.destroy();
            }, 100);
            this.timers.add(timer);
          };
          const finish = stop.then === 'drop' ? drop : () => undefined;
          this.writeSpaced(response, payloads.slice(0, stop.events), behaviour.intervalMs ?? 0, () => sentAt.push(Date.now()), finish);
          return;
        }
        this.writeSpaced(response, payloads, behaviour.intervalMs ?? 0, () => sentAt.push(Date.now()));
        return;
      }
      case 'raw-sse':
        this.startStream(response, 200, behaviour.contentType === undefined ? undefined : { 'content-type': behaviour.contentType });
        this.writeSpaced(response, behaviour.chunks, behaviour.intervalMs ?? 0, () => undefined);
        return;
      case 'drop':
        request.socket.destroy();
        return;
      case 'hang':
        // Deliberately never answered; close() destroys the socket.
        return;
    }
  }

  private sendBody(
    response: http.ServerResponse,
    status: number,
    contentType: string,
    body: string | Buffer,
    headers: Record<string, string> | undefined,
  ): void {
    response.statusCode = status;
    response.setHeader('content-type', contentType);
    // setHeader is case-insensitive, so caller headers override the defaults above.
    for (const [name, value] of Object.entries(headers ?? {})) response.setHeader(name, value);
    response.end(body);
  }

  private startStream(response: http.ServerResponse, status: number, headers: Record<string, string> | undefined): void {
    response.statusCode = status;
    response.setHeader('content-type', 'text/event-stream');
    response.setHeader('cache-control', 'no-cache');
    for (const [name, value] of Object.entries(headers ?? {})) response.setHeader(name, value);
    // Headers go out before the first event so clients can measure time-to-first-byte separately.
    response.flushHeaders();
  }

  /** One write per piece, intervalMs apart, then `finish` (default: end); stops as soon as the client goes away. */
  private writeSpaced(response: StreamSink, pieces: ReadonlyArray<string | Buffer>, intervalMs: number, onWritten: () => void, finish = (): unknown => response.end()): void {
    let gone = false;
    response.once('close', () => {
      gone = true;
    });
    let index = 0;
    const next = (): void => {
      while (!gone && !response.destroyed) {
        if (index >= pieces.length) {
          finish();
          return;
        }
        response.write(pieces[index]);
        index += 1;
        onWritten();
        if (intervalMs > 0 && index < pieces.length) {
          const timer = setTimeout(() => {
            this.timers.delete(timer);
            next();
          }, intervalMs);
          this.timers.add(timer);
          return;
        }
      }
    };
    next();
  }
}

/** What writeSpaced writes to: the response itself, or a compressor in front of it. */
interface StreamSink {
  write(piece: string | Buffer): unknown;
  end(): unknown;
  once(event: 'close', listener: () => void): unknown;
  readonly destroyed: boolean;
}

/**
 * A gzip compressor piped into the response whose every write is followed by a sync flush,
 * so each SSE event leaves as its own decodable piece (as a provider compressing a stream must).
 */
function gzipPerWrite(response: http.ServerResponse): StreamSink {
  const gzip = createGzip();
  gzip.pipe(response);
  response.once('close', () => gzip.destroy());
  return {
    write: (piece: string | Buffer) => {
      gzip.write(piece);
      gzip.flush(constants.Z_SYNC_FLUSH, () => undefined);
    },
    end: () => gzip.end(),
    once: (event: 'close', listener: () => void) => response.once(event, listener),
    get destroyed(): boolean {
      return response.destroyed;
    },
  };
}

/** Parses 'host:port' (port required; '[::1]:port' for IPv6) and starts a plain-HTTP fake provider. */
export async function startFakeProviderFromCli(listen: string): Promise<FakeProvider> {
  const separator = listen.lastIndexOf(':');
  const portText = separator === -1 ? '' : listen.slice(separator + 1);
  if (!/^\d+$/.test(portText) || Number(portText) > 65535) {
    throw new Error(`Invalid --listen '${listen}': expected host:port, e.g. 127.0.0.1:18081`);
  }
  const hostText = listen.slice(0, separator).replace(/^\[(.*)\]$/, '$1');
  return FakeProvider.start({ host: hostText === '' ? '127.0.0.1' : hostText, port: Number(portText) });
}
