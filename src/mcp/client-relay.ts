import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { ClientCapabilities, JSONRPCErrorResponse, JSONRPCResultResponse, RequestId, Result } from '@modelcontextprotocol/sdk/types.js';

/**
 * Server-to-client requests (elicitation, sampling, roots) relayed from an upstream server to
 * the client. The client gets them on the SSE answer of its request in flight (a "channel"),
 * under an id of the gateway's; its answer comes back as a POST of a JSON-RPC response and is
 * handed to the waiting upstream. Channels and pending answers live in this process: the
 * answer must reach the replica that asked (one Envoy + aigw pair serves a connection).
 */

/** The SSE answer of a request in flight, which can carry messages to the client. */
export interface ClientChannel {
  send(message: Record<string, unknown>): void;
}

/** The client capabilities the gateway relays, picked from what the client declared. */
export function relayedCapabilities(declared: ClientCapabilities | undefined): ClientCapabilities {
  const picked: ClientCapabilities = {};
  if (declared?.elicitation) picked.elicitation = declared.elicitation;
  if (declared?.sampling) picked.sampling = declared.sampling;
  if (declared?.roots) picked.roots = {};
  return picked;
}

interface Pending {
  readonly channel: ClientChannel;
  resolve(result: Result): void;
  reject(error: Error): void;
}

/** Upper bound on one relayed request (a person answering an elicitation form). */
const RELAY_TIMEOUT_MS = 10 * 60 * 1000;

export class ClientRelay {
  readonly #channels = new Map<string, ClientChannel[]>();
  readonly #pending = new Map<string, Pending>();
  #next = 0;

  /** Registers a channel of a session; the returned function closes it (its pending requests fail). */
  open(sessionKey: string, channel: ClientChannel): () => void {
    const channels = this.#channels.get(sessionKey) ?? [];
    channels.push(channel);
    this.#channels.set(sessionKey, channels);
    return () => {
      const left = (this.#channels.get(sessionKey) ?? []).filter((candidate) => candidate !== channel);
      if (left.length > 0) this.#channels.set(sessionKey, left);
      else this.#channels.delete(sessionKey);
      for (const [key, pending] of this.#pending) {
        if (pending.channel === channel) {
          this.#pending.delete(key);
          pending.reject(new McpError(ErrorCode.ConnectionClosed, 'the client request that carried this one has ended'));
        }
      }
    };
  }

  /** Sends `method` to the session's client on its newest channel and waits for the answer. */
  request(sessionKey: string, method: string, params: unknown, signal: AbortSignal): Promise<Result> {
    const channel = this.#channels.get(sessionKey)?.at(-1);
    if (!channel) return Promise.reject(new McpError(ErrorCode.InternalError, `no client request in flight to carry ${method}`));
    const id = `aigw-${++this.#next}`;
    const key = `${sessionKey}\u0000${id}`;
    return new Promise<Result>((resolve, reject) => {
      const timer = setTimeout(() => settle(() => reject(new McpError(ErrorCode.RequestTimeout, `the client did not answer ${method}`))), RELAY_TIMEOUT_MS);
      const onAbort = (): void => settle(() => reject(new McpError(ErrorCode.ConnectionClosed, `${method} was cancelled`)));
      const settle = (finish: () => void): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        this.#pending.delete(key);
        finish();
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#pending.set(key, { channel, resolve: (result) => settle(() => resolve(result)), reject: (error) => settle(() => reject(error)) });
      channel.send({ jsonrpc: '2.0', id, method, ...(params !== undefined ? { params } : {}) });
    });
  }

  /**
   * A server's notification to the session's client, on its newest channel; false when no
   * request of the session is in flight to carry it (the gateway has no standalone stream).
   */
  notify(sessionKey: string, message: Record<string, unknown>): boolean {
    const channel = this.#channels.get(sessionKey)?.at(-1);
    if (!channel) return false;
    channel.send({ jsonrpc: '2.0', ...message });
    return true;
  }

  /** A client's answer to a relayed request; false when nothing waits for it here. */
  answer(sessionKey: string, message: JSONRPCResultResponse | JSONRPCErrorResponse): boolean {
    const pending = this.#pending.get(`${sessionKey}\u0000${String(message.id as RequestId)}`);
    if (!pending) return false;
    if ('result' in message) pending.resolve(message.result);
    else pending.reject(new McpError(message.error.code, message.error.message, message.error.data));
    return true;
  }
}
